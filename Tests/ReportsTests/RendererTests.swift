// Tests of the renderers: csv parses back to the report's numbers, json decodes to the same
// report, html is one offline file with one svg per configuration, text and markdown tables.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class RendererTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var databasePath: String!
    private var data: SweepData!
    private var report: ComparisonReport!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
        databasePath = folder.path("results.db")
        try writeDatabase(at: databasePath, sweeps: [knownSweep()])
        data = try SweepLoader.load(databasePath: databasePath, sweepName: nil)
        report = ComparisonReport(data)
    }

    // XCTest keeps every test case object to the end of the process, so the folder goes here.
    override func tearDown() { folder = nil }

    private func csvRows() throws -> [[String: String]] {
        let rows = parseCSV(try ReportRunner.render(report, of: data, format: .csv))
        XCTAssertEqual(rows.first, ["table", "configuration", "cell", "subject", "field", "value"])
        return rows.dropFirst().map { fields in
            XCTAssertEqual(fields.count, 6, "row \(fields)")
            return Dictionary(uniqueKeysWithValues: zip(rows[0], fields))
        }
    }

    private func csvNumber(_ rows: [[String: String]], table: String, configuration: String = "", cell: String = "",
                           subject: String = "", field: String) throws -> Double {
        let matches = rows.filter {
            $0["table"] == table && $0["configuration"] == configuration && $0["cell"] == cell
                && $0["subject"] == subject && $0["field"] == field
        }
        XCTAssertEqual(matches.count, 1, "\(table) \(configuration) \(cell) \(subject) \(field)")
        return try XCTUnwrap(Double(try XCTUnwrap(matches.first?["value"])), "not a number")
    }

    func testCSVParsesBackToTheSameNumbers() throws {
        let rows = try csvRows()
        for configuration in report.configurations {
            for result in configuration.cells {
                let key = (configuration.label, result.cell)
                XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: key.0, cell: key.1, field: "metric_mean"), result.metric?.mean)
                XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: key.0, cell: key.1, field: "metric_sd"), result.metric?.sd)
                XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: key.0, cell: key.1, field: "val_loss_mean"), result.valLoss?.mean)
                XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: key.0, cell: key.1, field: "metric_n"), Double(result.metric!.n))
                XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: key.0, cell: key.1, field: "seconds_per_epoch"), result.secondsPerEpoch?.mean)
            }
            let winner = try XCTUnwrap(configuration.winner)
            XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: configuration.label, cell: winner, field: "relative_difference"),
                           configuration.relativeDifference)
        }
        XCTAssertEqual(try csvNumber(rows, table: "configurations", configuration: "hidden=8", cell: "gru", field: "metric_mean"), 50.0 / 64)
        XCTAssertEqual(try csvNumber(rows, table: "paired", subject: "gru vs lstm", field: "metric_wilcoxon_p_value"), 0.3125)
        XCTAssertEqual(try csvNumber(rows, table: "paired", subject: "gru vs lstm", field: "metric_wilcoxon_w_plus"), 16)
        XCTAssertEqual(try csvNumber(rows, table: "baseline", subject: "baseline", field: "baseline_metric"), 0.5)
        XCTAssertEqual(try csvNumber(rows, table: "status", subject: "diverged", field: "runs"), 1)
        // A multi-line error survives quoting.
        let error = rows.first { $0["table"] == "unfinished" && $0["field"] == "error" }
        XCTAssertEqual(error?["value"], "model threw\nat step 3")
        for share in report.variance[0].shares {
            XCTAssertEqual(try csvNumber(rows, table: "variance", cell: "all cells", subject: share.axis, field: "share"), share.share)
        }
    }

    func testJSONDecodesToTheSameReport() throws {
        let json = try ReportRunner.render(report, of: data, format: .json)
        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, report)
        XCTAssertTrue(json.contains("\"pValue\" : 0.3125"))
    }

    func testHTMLIsOneOfflineFileWithOneSVGPerConfiguration() throws {
        let html = try ReportRunner.render(report, of: data, format: .html)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, report.configurations.count)
        XCTAssertEqual(report.configurations.count, 2)
        let lower = html.lowercased()
        XCTAssertFalse(lower.contains("http://"))
        XCTAssertFalse(lower.contains("https://"))
        XCTAssertFalse(lower.contains("<script"))
        XCTAssertFalse(lower.contains("<link"))
        XCTAssertFalse(lower.contains("src="))
        // Per panel: a band and a mean line per cell, a legend entry per cell, labelled axes.
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 4)
        XCTAssertEqual(html.components(separatedBy: "<polygon").count - 1, 4)
        XCTAssertEqual(html.components(separatedBy: ">epoch</text>").count - 1, 2)
        XCTAssertEqual(html.components(separatedBy: ">validation accuracy</text>").count - 1, 2)
        XCTAssertEqual(html.components(separatedBy: ">lstm</text>").count - 1, 2)
        XCTAssertTrue(html.contains("stroke=\"#1f77b4\""), "gru's colour")
        XCTAssertTrue(html.contains("stroke=\"#d62728\""), "lstm's colour")
        XCTAssertTrue(html.contains("<table id=\"configurations\">"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
    }

    func testLearningCurveBandsAreMeanMinAndMaxOverSeeds() throws {
        let panels = learningCurves(data, report)
        XCTAssertEqual(panels.map(\.configuration), ["hidden=8", "hidden=16"])
        let gru = try XCTUnwrap(panels[0].bands.first { $0.cell == "gru" })
        XCTAssertEqual(gru.points.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(gru.points[1].mean, 50.0 / 64)
        XCTAssertEqual(gru.points[1].low, 48.0 / 64)
        XCTAssertEqual(gru.points[1].high, 52.0 / 64)
        // lstm h8 includes the diverged seed's first epoch (4 values), skips its missing epoch 2.
        let lstm = try XCTUnwrap(panels[0].bands.first { $0.cell == "lstm" })
        XCTAssertEqual(lstm.points[0].mean, 0.25)
        XCTAssertEqual(lstm.points[1].mean, 44.0 / 64)
    }

    func testCurvePanelOfADamagedEpochNumberDrawsInsteadOfTrapping() {
        // A damaged or crafted database can hold any epoch number, up to Int.max: the epoch axis's
        // tick count and labels are computed in Double, so the panel is drawn (the html report
        // trapped converting ~9.2e18 back to Int).
        let points = [CurveBand.Point(epoch: 1, mean: 0.5, low: 0.5, high: 0.5),
                      CurveBand.Point(epoch: Int.max, mean: 0.25, low: 0.25, high: 0.25)]
        let svg = svgPanel(CurvePanel(configuration: "hidden=8", bands: [CurveBand(cell: "gru", points: points)]),
                           quantity: "loss", baseline: nil, cells: ["gru"])
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"), svg)
        XCTAssertTrue(svg.contains(">epoch</text>"), svg)
    }

    func testLogAxisOfValuesNearTheDoubleLimitsIsDrawn() {
        // Values near 1e-320 or 1e300 pad the log axis past the finite doubles: the ticks stay
        // finite and few (an endless stride from -infinity hung the html report).
        for values in [[1e-320, 1e-300, 0.5], [1e300, 1.7e308, 1]] {
            let points = values.enumerated().map { CurveBand.Point(epoch: $0.offset + 1, mean: $0.element, low: $0.element, high: $0.element) }
            let svg = svgPanel(CurvePanel(configuration: "hidden=8", bands: [CurveBand(cell: "gru", points: points)]),
                               quantity: "loss", baseline: nil, cells: ["gru"])
            XCTAssertTrue(svg.hasSuffix("</svg>"), "\(values)")
        }
        XCTAssertEqual(logTicks(0, .infinity).count, 10, "every 62nd decade from 1e-307 to 1e308")
        XCTAssertEqual(logTicks(0.01, 10), [0.01, 0.1, 1, 10])
        XCTAssertEqual(logTicks(2, 3), [2, 3])
    }

    func testTextReportIsAlignedAndSaysTheSweepIsRunning() throws {
        let text = try ReportRunner.textReport(databasePath: databasePath, sweepName: "known")
        XCTAssertTrue(text.contains("NOTE: this sweep is still running (1 pending)"), text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("configuration") })
        let tableLines = lines[header...].prefix { !$0.isEmpty && !$0.hasPrefix("  ") }
        XCTAssertEqual(tableLines.count, 2 + 4, "header, rule, 4 rows")
        // Columns line up: the "cell" column starts at the same offset on every row.
        let offset = try XCTUnwrap(tableLines.first?.range(of: "cell")).lowerBound.utf16Offset(in: tableLines.first!)
        for line in tableLines.dropFirst(2) {
            let cellText = String(line.dropFirst(offset).prefix(4))
            XCTAssertTrue(cellText == "gru " || cellText == "lstm", "misaligned: \(line)")
        }
        XCTAssertTrue(text.contains("0.7812 ± 0.031"), "gru h8 accuracy mean ± sd")
        XCTAssertTrue(text.contains("winner by 13.6%"), text)
        XCTAssertTrue(text.contains("winner by 1.8% ≈ noise"), text)
        XCTAssertTrue(text.contains("model threw at step 3"), "errors on one line")
    }

    func testMarkdownHasPipeTables() throws {
        let markdown = try ReportRunner.render(report, of: data, format: .markdown)
        XCTAssertTrue(markdown.hasPrefix("# Sweep known"))
        XCTAssertTrue(markdown.contains("| configuration | cell | n | val loss | accuracy |"))
        XCTAssertTrue(markdown.contains("| hidden=8 | gru | 3 | 0.2188 ± 0.031 | 0.7812 ± 0.031 |"), markdown)
    }
}
