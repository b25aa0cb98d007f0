// Renders the report document as aligned text for the terminal, as markdown, as csv
// (one row per number: table, configuration, cell, subject, field, value) and as json.
import Foundation

/// Table text on one line: newlines and tabs of error messages become spaces.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" }).joined(separator: " ")
}

func renderText(_ document: ReportDocument) -> String {
    var lines = [document.title, String(repeating: "=", count: document.title.count)]
    for section in document.sections {
        lines += ["", section.heading, String(repeating: "-", count: section.heading.count)]
        lines += section.paragraphs
        for table in section.tables {
            lines.append("")
            lines += alignedLines(table)
            lines += table.notes.map { "  " + $0 }
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

private func alignedLines(_ table: ReportTable) -> [String] {
    let texts = table.rows.map { $0.cells.map { oneLine($0.text) } }
    var widths = table.headers.map(\.count)
    for row in texts { for (column, text) in row.enumerated() { widths[column] = max(widths[column], text.count) } }
    let numeric = table.headers.indices.map { column in table.rows.first?.cells[column].isNumeric ?? false }
    func pad(_ text: String, _ column: Int) -> String {
        let fill = String(repeating: " ", count: widths[column] - text.count)
        return numeric[column] ? fill + text : text + fill
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { pad($1, $0) }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    return [line(table.headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        + texts.map(line)
}

func renderMarkdown(_ document: ReportDocument) -> String {
    func escape(_ text: String) -> String { oneLine(text).replacingOccurrences(of: "|", with: "\\|") }
    var lines = ["# " + document.title]
    for section in document.sections {
        lines += ["", "## " + section.heading]
        if !section.paragraphs.isEmpty { lines.append("") }
        lines += section.paragraphs.map { $0 + "  " }
        for table in section.tables {
            let numeric = table.headers.indices.map { column in table.rows.first?.cells[column].isNumeric ?? false }
            lines += ["", "| " + table.headers.map(escape).joined(separator: " | ") + " |",
                      "|" + numeric.map { $0 ? "---:|" : "---|" }.joined()]
            lines += table.rows.map { row in "| " + row.cells.map { escape($0.text) }.joined(separator: " | ") + " |" }
            if !table.notes.isEmpty { lines.append("") }
            lines += table.notes.map { "*" + escape($0) + "*  " }
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// The csv columns.
let csvHeader = ["table", "configuration", "cell", "subject", "field", "value"]

func renderCSV(_ document: ReportDocument) -> String {
    func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
    var lines = [csvHeader.joined(separator: ",")]
    for table in document.sections.flatMap(\.tables) {
        for row in table.rows {
            for cell in row.cells {
                for field in cell.fields {
                    lines.append([table.id, row.configuration, row.cell, row.subject, field.name, field.value.csvText]
                        .map(quote).joined(separator: ","))
                }
            }
        }
    }
    return lines.joined(separator: "\r\n") + "\r\n"
}

func renderJSON(_ report: ComparisonReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // Statistics are computed from finite values only; this keeps a stray infinity readable.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
}
