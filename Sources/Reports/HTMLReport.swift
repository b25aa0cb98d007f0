// The html report: one self-contained file (inline css, inline svg, no scripts, no links)
// with the tables and, per configuration, the validation metric per epoch as a learning curve.
import Foundation

/// Mean and min-max band over seeds of one cell's validation curve in one configuration.
struct CurveBand {
    struct Point { var epoch: Int; var mean: Double; var low: Double; var high: Double }
    var cell: String
    var points: [Point]
}

/// One panel (one svg): a configuration and its cells' curves.
struct CurvePanel {
    var configuration: String
    var bands: [CurveBand]
}

/// The curves of every configuration of `report`, in the report's order. They use every run
/// with recorded epochs (a running sweep shows its partial curves); non-finite values are skipped.
func learningCurves(_ data: SweepData, _ report: ComparisonReport) -> [CurvePanel] {
    let useMetric = report.rankedBy == .metric
    var runsByLabel: [String: [SweepRun]] = [:]
    for run in data.runs {
        let key = report.configurationAxes.map { run.config[$0] ?? .null }
        runsByLabel[configurationLabel(key, axes: report.configurationAxes), default: []].append(run)
    }
    return report.configurations.map { configuration in
        let runs = runsByLabel[configuration.label] ?? []
        let bands = configuration.cells.map { result -> CurveBand in
            var valuesByEpoch: [Int: [Double]] = [:]
            for run in runs where run.cell == result.cell {
                for record in run.epochs {
                    if let value = useMetric ? record.valMetric : record.valLoss, value.isFinite {
                        valuesByEpoch[record.epoch, default: []].append(value)
                    }
                }
            }
            let points = valuesByEpoch.keys.sorted().map { epoch -> CurveBand.Point in
                let values = valuesByEpoch[epoch]!
                return CurveBand.Point(epoch: epoch, mean: values.reduce(0, +) / Double(values.count),
                                       low: values.min()!, high: values.max()!)
            }
            return CurveBand(cell: result.cell, points: points)
        }
        return CurvePanel(configuration: configuration.label, bands: bands)
    }
}

func configurationLabel(_ key: [ConfigValue], axes: [String]) -> String {
    axes.isEmpty ? "all runs" : zip(axes, key).map { "\($0)=\($1)" }.joined(separator: " ")
}

/// One colour per cell: the three known cells fixed, others from a palette.
func cellColour(_ cell: String, among cells: [String]) -> String {
    switch cell {
    case "rnn": return "#7f7f7f"
    case "gru": return "#1f77b4"
    case "lstm": return "#d62728"
    default:
        let palette = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]
        let others = cells.filter { !["rnn", "gru", "lstm"].contains($0) }
        return palette[(others.firstIndex(of: cell) ?? 0) % palette.count]
    }
}

func escapeHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// About `count` round tick values (1, 2 or 5 times a power of ten) covering low...high.
func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low else { return [low] }
    let rough = (high - low) / Double(count)
    let power = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    var ticks: [Double] = []
    var value = ceil(low / step) * step
    while value <= high + step * 1e-9 {
        ticks.append(abs(value) < step * 1e-9 ? 0 : value)
        value += step
    }
    return ticks
}

/// One svg panel: mean line and min-max band per cell, axes with ticks and labels, a legend,
/// and the trivial baseline as a dashed line when it is known.
/// `selection`, when the report is on test: what the validation curves are for (shown in the tooltip).
func svgPanel(_ panel: CurvePanel, quantity: String, baseline: Double?, cells: [String], selection: String? = nil) -> String {
    let width = 440.0, height = 280.0
    let left = 60.0, right = 12.0, top = 30.0, bottom = 44.0
    let plotWidth = width - left - right, plotHeight = height - top - bottom
    let points = panel.bands.flatMap(\.points)
    let lastEpoch = points.map(\.epoch).max() ?? 1
    let xLow = 1.0, xHigh = Double(max(lastEpoch, 2))
    var yValues = points.flatMap { [$0.low, $0.high] }
    if let baseline { yValues.append(baseline) }
    var yLow = yValues.min() ?? 0, yHigh = yValues.max() ?? 1
    if yHigh - yLow < 1e-12 { yLow -= 0.5; yHigh += 0.5 }
    let padding = (yHigh - yLow) * 0.05
    yLow -= padding; yHigh += padding
    func x(_ epoch: Double) -> Double { left + (epoch - xLow) / (xHigh - xLow) * plotWidth }
    func y(_ value: Double) -> Double { top + (yHigh - value) / (yHigh - yLow) * plotHeight }
    func f(_ value: Double) -> String { String(format: "%.1f", value) }

    var svg: [String] = []
    svg.append("<svg class=\"curve\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"validation \(escapeHTML(quantity)) per epoch, \(escapeHTML(panel.configuration))\">")
    svg.append("<title>\(escapeHTML(panel.configuration)): validation \(escapeHTML(quantity)) per epoch\(selection.map { " (" + escapeHTML($0) + ")" } ?? "")</title>")
    svg.append("<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>")
    svg.append("<text x=\"\(f(left))\" y=\"18\" font-size=\"12\" font-weight=\"bold\">\(escapeHTML(panel.configuration))</text>")
    // Grid, ticks and tick labels.
    for tick in niceTicks(yLow, yHigh) {
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e5e5\"/>")
        svg.append("<text x=\"\(f(left - 5))\" y=\"\(f(y(tick) + 3.5))\" font-size=\"10\" text-anchor=\"end\">\(formatNumber(tick, digits: 3))</text>")
    }
    for tick in niceTicks(xLow, xHigh, count: min(8, Int(xHigh - xLow))) where tick.rounded() == tick {
        svg.append("<line x1=\"\(f(x(tick)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + plotHeight + 4))\" stroke=\"#333333\"/>")
        svg.append("<text x=\"\(f(x(tick)))\" y=\"\(f(top + plotHeight + 15))\" font-size=\"10\" text-anchor=\"middle\">\(Int(tick))</text>")
    }
    svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333333\"/>")
    svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333333\"/>")
    svg.append("<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" font-size=\"11\" text-anchor=\"middle\">epoch</text>")
    svg.append("<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">validation \(escapeHTML(quantity))</text>")
    if let baseline {
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(baseline)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(baseline)))\" stroke=\"#000000\" stroke-dasharray=\"4 3\"/>")
        svg.append("<text x=\"\(f(left + 4))\" y=\"\(f(y(baseline) - 4))\" font-size=\"9\">trivial baseline</text>")
    }
    // Bands first, lines on top.
    for band in panel.bands where !band.points.isEmpty {
        let colour = cellColour(band.cell, among: cells)
        let upper = band.points.map { "\(f(x(Double($0.epoch)))),\(f(y($0.high)))" }
        let lower = band.points.reversed().map { "\(f(x(Double($0.epoch)))),\(f(y($0.low)))" }
        svg.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\"/>")
    }
    for band in panel.bands where !band.points.isEmpty {
        let colour = cellColour(band.cell, among: cells)
        let line = band.points.map { "\(f(x(Double($0.epoch)))),\(f(y($0.mean)))" }.joined(separator: " ")
        svg.append("<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
        if band.points.count == 1, let point = band.points.first {
            svg.append("<circle cx=\"\(f(x(Double(point.epoch))))\" cy=\"\(f(y(point.mean)))\" r=\"3\" fill=\"\(colour)\"/>")
        }
    }
    // Legend in the top margin, right-aligned, so that it never hides a curve.
    var legendX = left + plotWidth
    for band in panel.bands.reversed() {
        legendX -= 19 + 7 * Double(band.cell.count) + 10
        svg.append("<rect x=\"\(f(legendX))\" y=\"10\" width=\"14\" height=\"9\" fill=\"\(cellColour(band.cell, among: cells))\"/>")
        svg.append("<text x=\"\(f(legendX + 19))\" y=\"18\" font-size=\"11\">\(escapeHTML(band.cell))</text>")
    }
    svg.append("</svg>")
    return svg.joined(separator: "\n")
}

func renderHTML(_ document: ReportDocument, report: ComparisonReport, curves: [CurvePanel]) -> String {
    let quantity = report.rankedBy == .metric ? report.sweep.metricName : "loss"
    let baseline = report.rankedBy == .metric ? report.sweep.baselineMetric : report.sweep.baselineLoss
    let cells = Array(Set(curves.flatMap { $0.bands.map(\.cell) })).sorted(by: cellOrder)
    var html: [String] = [
        "<!DOCTYPE html>",
        "<html lang=\"en\">",
        "<head>",
        "<meta charset=\"utf-8\">",
        "<title>\(escapeHTML(document.title))</title>",
        "<style>",
        "body { font-family: sans-serif; margin: 2em; color: #222; }",
        "table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }",
        "th, td { border: 1px solid #ccc; padding: 3px 8px; }",
        "th { background: #f2f2f2; }",
        "td.num { text-align: right; font-variant-numeric: tabular-nums; }",
        "p.note { font-size: 12px; color: #555; margin: 0.2em 0; }",
        ".panels { display: flex; flex-wrap: wrap; gap: 12px; }",
        "svg.curve { border: 1px solid #ddd; font-family: sans-serif; }",
        "</style>",
        "</head>",
        "<body>",
        "<h1>\(escapeHTML(document.title))</h1>",
    ]
    for section in document.sections {
        html.append("<h2>\(escapeHTML(section.heading))</h2>")
        html += section.paragraphs.map { "<p>\(escapeHTML($0))</p>" }
        for table in section.tables {
            html.append("<table id=\"\(table.id)\">")
            html.append("<tr>" + table.headers.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr>")
            for row in table.rows {
                html.append("<tr>" + row.cells.map { cell in
                    (cell.isNumeric ? "<td class=\"num\">" : "<td>") + escapeHTML(cell.text) + "</td>"
                }.joined() + "</tr>")
            }
            html.append("</table>")
            html += table.notes.map { "<p class=\"note\">\(escapeHTML($0))</p>" }
        }
        if section.curvesAfter {
            let selection = report.reportedOn == "test" ? "selected on validation, reported on test: each run's epoch is chosen on these validation curves; the tables show the test split's numbers at that epoch" : nil
            html.append("<h3>Learning curves: validation \(escapeHTML(quantity)) per epoch (mean line, min-max band over seeds)\(selection.map { "; " + escapeHTML($0) } ?? "")</h3>")
            html.append("<div class=\"panels\">")
            html += curves.map { svgPanel($0, quantity: quantity, baseline: baseline, cells: cells, selection: selection) }
            html.append("</div>")
        }
    }
    html += ["</body>", "</html>"]
    return html.joined(separator: "\n") + "\n"
}
