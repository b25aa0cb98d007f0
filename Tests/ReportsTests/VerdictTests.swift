// The verdict at the top of the report, on the database with known numbers
// (see knownSweep: GRU better in 4 of 6 pairs, exact Wilcoxon p = 0.3125, LSTM
// 1.5 s per epoch against GRU's 1 s).
import Foundation
import XCTest
@testable import Reports

final class VerdictTests: XCTestCase {
    func testVerdictStatesWinnerSignificanceSpeedAndBestConfigurations() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [knownSweep()])
        let report = ComparisonReport(try SweepLoader.load(databasePath: path, sweepName: "known"), options: ReportOptions())
        let lines = report.verdictParagraphs()
        let text = lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("GRU better in 4 and LSTM in 2 of 6 paired runs"), text)
        XCTAssertTrue(text.contains("p = 0.31"), text)
        XCTAssertTrue(text.contains("not significant at the 5% level"), text)
        XCTAssertTrue(text.contains("GRU trains 1.5× as fast as LSTM"), text)
        XCTAssertTrue(text.contains("GRU faster — supported; LSTM more accurate — not supported"), text)
        // Best configurations by mean accuracy: gru hidden 16 (57/64), lstm hidden 16 (58/64).
        XCTAssertTrue(text.contains("Best gru: hidden=16"), text)
        XCTAssertTrue(text.contains("Best lstm: hidden=16"), text)
        XCTAssertTrue(text.contains("still running"), "the fixture has a pending run:\n\(text)")
        XCTAssertTrue(renderText(report.document()).contains("Verdict\n-------"))
    }

    func testNoPairedRunsSaysSo() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        var sweep = knownSweep()
        sweep.runs = sweep.runs.filter { $0.cell == "gru" }
        try writeDatabase(at: path, sweeps: [sweep])
        let report = ComparisonReport(try SweepLoader.load(databasePath: path, sweepName: "known"), options: ReportOptions())
        XCTAssertTrue(report.verdictParagraphs().first?.contains("no paired verdict") ?? false, "\(report.verdictParagraphs())")
    }
}
