// The learning curves of the html report: per configuration and cell, the validation
// quantity per epoch over seeds (mean, 95% t-interval of the mean, min and max), drawn as
// one inline svg panel per configuration, on a log axis where the values span decades.
import Foundation

/// One cell's validation curve in one configuration, over seeds: per epoch the mean, the
/// 95% t-interval of the mean (mean ± t₀.₉₇₅,ₙ₋₁·s/√n; `nil` for one seed) and min and max.
struct CurveBand {
    struct Point {
        var epoch: Int
        var mean: Double
        var low: Double
        var high: Double
        var meanInterval: IntervalEstimate?
    }
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
    let useMetric = report.rankedBy.isMetric
    var table = TIntervalTable()
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
                                       low: values.min()!, high: values.max()!,
                                       meanInterval: tInterval(values, table: &table))
            }
            return CurveBand(cell: result.cell, points: points)
        }
        return CurvePanel(configuration: configuration.label, bands: bands)
    }
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

/// Powers of ten covering low...high (both positive), for a log axis, at most about ten of
/// them (every k-th decade over a wide range); with fewer than two inside, the range's ends
/// as well. The range is first kept within the finite positive doubles: an axis padded past
/// them (values near 1e-308 or 1e308) would otherwise make an endless stride from ±infinity.
func logTicks(_ low: Double, _ high: Double) -> [Double] {
    let low = min(max(low.isNaN ? 1 : low, .leastNormalMagnitude), .greatestFiniteMagnitude)
    let high = min(max(high.isNaN ? 1 : high, low), .greatestFiniteMagnitude)
    let first = ceil(log10(low) - 1e-9), last = floor(log10(high) + 1e-9)
    let step = max(1, ceil((last - first) / 10))
    let ticks = first <= last ? stride(from: first, through: last, by: step).map { pow(10, $0) } : []
    return ticks.count >= 2 ? ticks : [low] + ticks + [high]
}

/// Whether a panel's values call for a log axis: all positive and spanning more than two
/// decades (max / min > 100), as a loss falling from 0.17 to 1e-4 does.
func needsLogScale(_ values: [Double]) -> Bool {
    guard let low = values.min(), let high = values.max(), low > 0 else { return false }
    return high / low > 100
}

/// One svg panel: per cell the mean line, its 95% t-interval band and the min and max over
/// seeds as dotted lines; axes with ticks and labels (log scale for values spanning more than
/// two decades), a legend, and the trivial baseline as a dashed line when it is known.
/// `selection`, when the report is on test: what the validation curves are for (shown in the tooltip).
func svgPanel(_ panel: CurvePanel, quantity: String, baseline: Double?, cells: [String], selection: String? = nil) -> String {
    let width = 440.0, height = 280.0
    let left = 60.0, right = 12.0, top = 30.0, bottom = 44.0
    let plotWidth = width - left - right, plotHeight = height - top - bottom
    let points = panel.bands.flatMap(\.points)
    let lastEpoch = points.map(\.epoch).max() ?? 1
    let xLow = 1.0, xHigh = Double(max(lastEpoch, 2))
    // The axis covers the observed values (min to max), the baseline and, on a linear axis,
    // the t-bands; on a log axis a band reaching below the observed values (or below zero)
    // is clipped to the plot.
    var yValues = points.flatMap { [$0.low, $0.high] }
    if let baseline { yValues.append(baseline) }
    let logScale = needsLogScale(yValues)
    if !logScale { yValues += points.compactMap(\.meanInterval).flatMap { [$0.low, $0.high] } }
    let scale: (Double) -> Double = logScale ? { log10($0) } : { $0 }
    var yLow = scale(yValues.min() ?? 0), yHigh = scale(yValues.max() ?? 1)
    if yHigh - yLow < 1e-12 { yLow -= 0.5; yHigh += 0.5 }
    let padding = (yHigh - yLow) * 0.05
    yLow -= padding; yHigh += padding
    func x(_ epoch: Double) -> Double { left + (epoch - xLow) / (xHigh - xLow) * plotWidth }
    func y(_ value: Double) -> Double {
        let scaled = logScale ? (value > 0 ? log10(value) : yLow) : value
        return top + (yHigh - min(max(scaled, yLow), yHigh)) / (yHigh - yLow) * plotHeight
    }
    func f(_ value: Double) -> String { String(format: "%.1f", value) }

    var svg: [String] = []
    svg.append("<svg class=\"curve\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"validation \(escapeHTML(quantity)) per epoch, \(escapeHTML(panel.configuration))\">")
    svg.append("<title>\(escapeHTML(panel.configuration)): validation \(escapeHTML(quantity)) per epoch\(selection.map { " (" + escapeHTML($0) + ")" } ?? "")</title>")
    svg.append("<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>")
    svg.append("<text x=\"\(f(left))\" y=\"18\" font-size=\"12\" font-weight=\"bold\">\(escapeHTML(panel.configuration))</text>")
    // Grid, ticks and tick labels.
    for tick in logScale ? logTicks(pow(10, yLow), pow(10, yHigh)) : niceTicks(yLow, yHigh) {
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e5e5\"/>")
        svg.append("<text x=\"\(f(left - 5))\" y=\"\(f(y(tick) + 3.5))\" font-size=\"10\" text-anchor=\"end\">\(formatNumber(tick, digits: 3))</text>")
    }
    for tick in niceTicks(xLow, xHigh, count: Int(min(8, xHigh - xLow))) where tick.rounded() == tick {   // min first: a damaged epoch may be ~Int.max
        svg.append("<line x1=\"\(f(x(tick)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + plotHeight + 4))\" stroke=\"#333333\"/>")
        svg.append("<text x=\"\(f(x(tick)))\" y=\"\(f(top + plotHeight + 15))\" font-size=\"10\" text-anchor=\"middle\">\(String(format: "%.0f", tick))</text>")
    }
    svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333333\"/>")
    svg.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333333\"/>")
    svg.append("<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" font-size=\"11\" text-anchor=\"middle\">epoch</text>")
    svg.append("<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">validation \(escapeHTML(quantity))\(logScale ? " (log scale)" : "")</text>")
    if let baseline {
        svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(baseline)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(baseline)))\" stroke=\"#000000\" stroke-dasharray=\"4 3\"/>")
        svg.append("<text x=\"\(f(left + 4))\" y=\"\(f(y(baseline) - 4))\" font-size=\"9\">trivial baseline</text>")
    }
    // Bands first (the t-interval of the mean, where there are two seeds or more), then the
    // min and max over seeds dotted, lines on top.
    for band in panel.bands where !band.points.isEmpty {
        let colour = cellColour(band.cell, among: cells)
        let banded = band.points.filter { $0.meanInterval != nil }
        if banded.count >= 2 {
            let upper = banded.map { "\(f(x(Double($0.epoch)))),\(f(y($0.meanInterval!.high)))" }
            let lower = banded.reversed().map { "\(f(x(Double($0.epoch)))),\(f(y($0.meanInterval!.low)))" }
            svg.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\"/>")
        }
        if band.points.count >= 2 {
            for extreme in [band.points.map(\.low), band.points.map(\.high)] {
                let path = zip(band.points, extreme).map { "\(f(x(Double($0.epoch)))),\(f(y($1)))" }.joined(separator: " L ")
                svg.append("<path class=\"extreme\" d=\"M \(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"0.8\" stroke-dasharray=\"1.5 2\" stroke-opacity=\"0.7\"/>")
            }
        }
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

