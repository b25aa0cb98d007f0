// The html report: one self-contained file (inline css, inline svg, no scripts, no links)
// with the tables and, per configuration, the validation metric per epoch as a learning curve.
import Foundation

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

func renderHTML(_ document: ReportDocument, report: ComparisonReport, curves: [CurvePanel]) -> String {
    // The curves are the validation ones (the epoch is chosen on them), beside the validation baseline.
    let quantity = report.rankedBy.isMetric ? report.sweep.metricName : "loss"
    let baseline = report.rankedBy.isMetric ? report.sweep.baselineMetric : report.sweep.baselineLoss
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
            let selection = report.onTest ? "selected on validation, reported on test: each run's epoch is chosen on these validation curves; the cells are compared on the test split's numbers at that epoch" : nil
            html.append("<h3>Learning curves: validation \(escapeHTML(quantity)) per epoch (mean line, 95% t-interval band over seeds, min and max dotted; log scale where a panel spans more than two decades)\(selection.map { "; " + escapeHTML($0) } ?? "")</h3>")
            html.append("<div class=\"panels\">")
            html += curves.map { svgPanel($0, quantity: quantity, baseline: baseline, cells: cells, selection: selection) }
            html.append("</div>")
        }
    }
    html += ["</body>", "</html>"]
    return html.joined(separator: "\n") + "\n"
}
