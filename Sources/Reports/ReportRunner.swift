// Entry points of the Reports library: load a sweep, compute its comparison and render it in
// one of the formats; used by `runner report` and at the end of `runner sweep`.
import Foundation
import ResultsStore

/// Output formats of `runner report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, markdown, csv, json, html
}

public enum ReportRunner {
    /// Renders `report` (computed from `data`) in `format`.
    public static func render(_ report: ComparisonReport, of data: SweepData, format: ReportFormat) throws -> String {
        switch format {
        case .text: return renderText(report.document())
        case .markdown: return renderMarkdown(report.document())
        case .csv: return renderCSV(report.document())
        case .json: return try renderJSON(report)
        case .html: return renderHTML(report.document(), report: report, curves: learningCurves(data, report))
        }
    }

    /// Loads the sweep `sweepName` (the latest when `nil`) from the database at `databasePath`
    /// and renders its comparison report. Throws ``ReportError`` or `ResultsStoreError` (both
    /// print as one line) for a missing database, an unknown sweep or a foreign file.
    public static func report(databasePath: String, sweepName: String?, format: ReportFormat,
                              options: ReportOptions = ReportOptions()) throws -> String {
        let data = try SweepLoader.load(databasePath: databasePath, sweepName: sweepName)
        return try render(ComparisonReport(data, options: options), of: data, format: format)
    }

    /// The text report the sweep command prints at its end.
    public static func textReport(databasePath: String, sweepName: String?, at point: ReportPoint = .best) throws -> String {
        try report(databasePath: databasePath, sweepName: sweepName, format: .text, options: ReportOptions(at: point))
    }
}
