// Sweeps with a test split: every run's epoch is chosen on validation and the report
// shows the test numbers at that epoch, in every format, verdict and plot tooltips
// included; the same sweep without test numbers reads as before.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class TestSplitReportTests: XCTestCase {
    /// GRU and LSTM, 3 seeds, 3 epochs. Validation is best at epoch 2 for every run; the test
    /// numbers differ at every epoch, so reading the wrong epoch or split shows.
    func sweep(withTest: Bool) -> SweepData {
        let info = SweepInfo(id: 1, name: "split", createdAt: "2026-12-01T00:00:00.000Z", task: "sequences",
                             metricName: "nll_per_step", metricHigherIsBetter: false, baselineLoss: 9, baselineMetric: 9,
                             baselineTestLoss: withTest ? 40.5 : nil, baselineTestMetric: withTest ? 41 : nil)
        var runs: [SweepRun] = []
        for (c, cell) in ["gru", "lstm"].enumerated() {
            for seed in 1...3 {
                let epochs = (1...3).map { e -> EpochRecord in
                    let val = [3.0, 1.0 + Double(c) + 0.01 * Double(seed), 2.5][e - 1]
                    return EpochRecord(runId: 0, epoch: e, valLoss: val, valMetric: val, seconds: 1, tokensPerSecond: 100,
                                    testLoss: withTest ? 10 * Double(e) + Double(c) + 0.1 * Double(seed) : nil,
                                    testMetric: withTest ? 20 * Double(e) + Double(c) + 0.1 * Double(seed) : nil)
                }
                runs.append(SweepRun(id: Int64(runs.count + 1), planIndex: runs.count,
                                     config: ["cell": .string(cell), "hidden": .number(8), "seed": .number(Double(seed))],
                                     cell: cell, hidden: 8, lr: 0.01, seed: seed, status: .finished, paramCount: 100,
                                     epochsPlanned: 3, epochs: epochs))
            }
        }
        return SweepData(sweep: info, runs: runs)
    }

    func render(_ data: SweepData, _ format: ReportFormat) throws -> String {
        try ReportRunner.render(ComparisonReport(data), of: data, format: format)
    }

    func testTestNumbersAtTheEpochSelectedOnValidation() throws {
        let data = sweep(withTest: true)
        let report = ComparisonReport(data)
        XCTAssertEqual(report.reportedOn, "test")
        let gru = try XCTUnwrap(report.configurations.first?.cells.first { $0.cell == "gru" })
        // Epoch 2 (best validation loss): test metric 40 + 0.1·seed, mean 40.2; test loss 20.2.
        assertClose(gru.metric?.mean, 40.2)
        assertClose(gru.valLoss?.mean, 20.2)
        XCTAssertEqual(gru.bestEpoch?.mean, 2)
        let lstm = try XCTUnwrap(report.configurations.first?.cells.first { $0.cell == "lstm" })
        assertClose(lstm.metric?.mean, 41.2)
        // Judged against the test split's baseline (41): GRU's 40.2 beats it, LSTM's 41.2 does not
        // (against the validation baseline 9 neither would).
        XCTAssertEqual(gru.beatsBaseline, true)
        XCTAssertEqual(lstm.beatsBaseline, false)

        let text = try render(data, .text)
        XCTAssertTrue(text.contains("selected on validation, reported on test"), text)
        XCTAssertTrue(text.contains("Selected on validation, reported on test: GRU vs LSTM on test nll_per_step: GRU better in 3 and LSTM in 0 of 3"), text)
        XCTAssertTrue(text.contains("test loss") && text.contains("Wilcoxon on test nll_per_step"), text)
        XCTAssertTrue(text.contains("Best gru: all runs, test nll_per_step 40.2 ± 0.1 (n=3), 2.0% better than the trivial baseline 41."), text)
        let markdown = try render(data, .markdown)
        XCTAssertTrue(markdown.contains("selected on validation, reported on test"))
        XCTAssertTrue(markdown.contains("| test loss |") || markdown.contains("test loss"))
        let csv = parseCSV(try render(data, .csv))
        let fields = Set(csv.map { $0.count > 4 ? $0[4] : "" })
        XCTAssertTrue(fields.contains("test_metric_mean") && fields.contains("test_loss_mean"), "\(fields.sorted())")
        XCTAssertFalse(fields.contains("val_loss_mean"))
        let row = try XCTUnwrap(csv.first { $0.count > 5 && $0[0] == "configurations" && $0[2] == "gru" && $0[4] == "test_metric_mean" })
        assertClose(Double(row[5]), 40.2, tolerance: 1e-9)
        let json = try render(data, .json)
        XCTAssertTrue(json.contains("\"reportedOn\" : \"test\""), json)
        let html = try render(data, .html)
        XCTAssertTrue(html.contains("per epoch (selected on validation, reported on test: each run's epoch is chosen on these validation curves"), "tooltip")
        XCTAssertTrue(html.contains("Learning curves: validation nll_per_step per epoch (mean line, 95% t-interval band over seeds, min and max dotted; log scale where a panel spans more than two decades); selected on validation, reported on test"))
    }

    func testWithoutATestSplitTheReportReadsAsBefore() throws {
        let data = sweep(withTest: false)
        let report = ComparisonReport(data)
        XCTAssertNil(report.reportedOn)
        assertClose(report.configurations.first?.cells.first { $0.cell == "gru" }?.metric?.mean, 1.02)
        for format in ReportFormat.allCases {
            let output = try render(data, format).lowercased()
            XCTAssertFalse(output.contains("reported on test") || output.contains("test_metric") || output.contains("test loss")
                           || output.contains("reportedon"), "\(format)")
        }
    }
}
