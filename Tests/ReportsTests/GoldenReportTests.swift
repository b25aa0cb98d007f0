// The reports of a fixed database, byte for byte: text, markdown, csv, json and html of the
// known sweep (two cells, two sizes, three seeds, plus a diverged, a failed and an unfinished
// run), read at the best and at the final epoch. A change to any renderer or to the way the
// store hands runs to the reports shows up here as a diff.
//
// To accept a deliberate change of output: RUNNER_UPDATE_GOLDEN=1 swift test --filter GoldenReportTests,
// then review the diff of Tests/ReportsTests/Golden before committing it.
import Foundation
import XCTest
import Reports
import ResultsStore

final class GoldenReportTests: XCTestCase {
    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func testReportsOfTheKnownSweepMatchTheGoldenFiles() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [knownSweep()])
        let extensions: [ReportFormat: String] = [.text: "txt", .markdown: "md", .csv: "csv", .json: "json", .html: "html"]
        for point in [ReportPoint.best, .final] {
            for format in ReportFormat.allCases {
                let report = try ReportRunner.report(databasePath: path, sweepName: nil, format: format,
                                                     options: ReportOptions(at: point))
                try assertGolden(report, named: "known-\(point.rawValue).\(extensions[format]!)")
            }
        }
    }

    func testReportWithATargetLossMatchesTheGoldenFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [knownSweep()])
        let report = try ReportRunner.report(databasePath: path, sweepName: "known", format: .text,
                                             options: ReportOptions(at: .best, targetLoss: 0.2))
        try assertGolden(report, named: "known-target.txt")
    }

    private func assertGolden(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.goldenFolder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RUNNER_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return XCTFail("missing golden file \(url.path) (RUNNER_UPDATE_GOLDEN=1 writes it)", file: file, line: line)
        }
        if actual != expected {
            let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            XCTFail("\(name) differs from the golden file at line \(first + 1):\n  got:      \(first < a.count ? a[first] : "<end>")\n  expected: \(first < e.count ? e[first] : "<end>")",
                    file: file, line: line)
        }
    }
}
