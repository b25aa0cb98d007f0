// The document a report is rendered from: sections of tables, each cell with its display text
// and the raw numbers behind it (text, markdown and html print the texts, csv the numbers).
// ReportLayout.swift fills it from a ComparisonReport.
import Foundation
import ResultsStore

/// A raw value behind a table cell, written to csv.
enum FieldValue: Equatable {
    case number(Double)
    case text(String)

    /// Shortest text that reads back as the same Double (integers without ".0"); text as is.
    var csvText: String {
        switch self {
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .text(let text): return text
        }
    }
}

struct TableCell {
    var text: String
    var fields: [(name: String, value: FieldValue)]
    var isNumeric: Bool

    static func label(_ text: String) -> TableCell { TableCell(text: text, fields: [], isNumeric: false) }
    static func text(_ text: String, field: String) -> TableCell {
        TableCell(text: text, fields: [(field, .text(text))], isNumeric: false)
    }
    static func number(_ value: Double?, field: String, digits: Int = 4) -> TableCell {
        guard let value else { return TableCell(text: "–", fields: [], isNumeric: true) }
        return TableCell(text: formatNumber(value, digits: digits), fields: [(field, .number(value))], isNumeric: true)
    }
    static func integer(_ value: Int?, field: String) -> TableCell {
        guard let value else { return TableCell(text: "–", fields: [], isNumeric: true) }
        return TableCell(text: String(value), fields: [(field, .number(Double(value)))], isNumeric: true)
    }
    /// "mean ± sd", fields `<field>_mean`, `<field>_sd`, `<field>_n`.
    static func stat(_ stat: SummaryStat?, field: String, digits: Int = 4) -> TableCell {
        guard let stat else { return TableCell(text: "–", fields: [], isNumeric: true) }
        var fields: [(String, FieldValue)] = [("\(field)_mean", .number(stat.mean))]
        var text = formatNumber(stat.mean, digits: digits)
        if let sd = stat.sd {
            fields.append(("\(field)_sd", .number(sd)))
            text += " ± " + formatNumber(sd, digits: 2)
        }
        fields.append(("\(field)_n", .number(Double(stat.n))))
        return TableCell(text: text, fields: fields, isNumeric: true)
    }
}

/// One table row; `configuration`, `cell` and `subject` say what the row is about (csv keys).
struct TableRow {
    var configuration: String = ""
    var cell: String = ""
    var subject: String = ""
    var cells: [TableCell]
}

struct ReportTable {
    /// Machine name, the first csv column.
    var id: String
    var headers: [String]
    var rows: [TableRow]
    var notes: [String] = []
}

struct ReportSection {
    var heading: String
    var paragraphs: [String]
    var tables: [ReportTable]
    /// Where the html renderer puts the learning curves.
    var curvesAfter = false
}

struct ReportDocument {
    var title: String
    var sections: [ReportSection]
}

/// Numbers with `digits` significant digits, no trailing zeros, no exponent for everyday magnitudes.
func formatNumber(_ value: Double, digits: Int = 4) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e6 {
        let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
    return String(format: "%.\(digits - 1)e", value)
}

func formatPercent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }
