// Sweeps with a test split: every run's epoch is chosen on validation, the report shows
// validation and test numbers at that epoch, each under its own name, and compares the cells
// on test, in every format, verdict and plot tooltips included; the same sweep without test
// numbers reads as before.
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
        XCTAssertEqual(report.rankedBy, .testMetric)
        let gru = try XCTUnwrap(report.configurations.first?.cells.first { $0.cell == "gru" })
        // Epoch 2 (best validation loss): validation 1 + 0.01·seed (mean 1.02) under the validation
        // names; test metric 40 + 0.1·seed (mean 40.2) and test loss 20.2 under the test names.
        assertClose(gru.valLoss?.mean, 1.02)
        assertClose(gru.metric?.mean, 1.02)
        assertClose(gru.testMetric?.mean, 40.2)
        assertClose(gru.testLoss?.mean, 20.2)
        XCTAssertEqual(gru.bestEpoch?.mean, 2)
        let lstm = try XCTUnwrap(report.configurations.first?.cells.first { $0.cell == "lstm" })
        assertClose(lstm.metric?.mean, 2.02)
        assertClose(lstm.testMetric?.mean, 41.2)
        // Judged against the test split's baseline (41): GRU's 40.2 beats it, LSTM's 41.2 does not
        // (against the validation baseline 9 both would).
        XCTAssertEqual(gru.beatsBaseline, true)
        XCTAssertEqual(lstm.beatsBaseline, false)
        let pair = try XCTUnwrap(report.paired.first)
        XCTAssertNil(pair.metricTest, "no validation-named test holds test numbers")
        XCTAssertNil(pair.valLossTest)
        XCTAssertEqual(pair.testMetricWilcoxon?.n, 3)
        XCTAssertEqual(pair.testLossWilcoxon?.n, 3)
        assertClose(pair.medianDifference, -1, tolerance: 1e-9)

        let text = try render(data, .text)
        XCTAssertTrue(text.contains("selected on validation, reported on test"), text)
        XCTAssertTrue(text.contains("Selected on validation, reported on test: GRU vs LSTM on test nll_per_step: GRU better in 3 and LSTM in 0 of 3"), text)
        XCTAssertTrue(text.contains("Wilcoxon on test nll_per_step"), text)
        XCTAssertTrue(text.contains("Best gru: all runs, test nll_per_step 40.2 ± 0.1 (n=3), 2.0% better than the trivial baseline 41."), text)
        let header = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("configuration") && $0.contains("val loss") })
        for column in ["val loss", "nll_per_step", "test loss", "test nll_per_step"] { XCTAssertTrue(header.contains(column), "\(header)") }
        let markdown = try render(data, .markdown)
        XCTAssertTrue(markdown.contains("selected on validation, reported on test"))
        XCTAssertTrue(markdown.contains("| val loss | nll_per_step | test loss | test nll_per_step |"), markdown)

        let csv = parseCSV(try render(data, .csv))
        func configurationValue(_ cell: String, _ field: String) -> Double? {
            csv.first { $0.count > 5 && $0[0] == "configurations" && $0[2] == cell && $0[4] == field }.flatMap { Double($0[5]) }
        }
        assertClose(configurationValue("gru", "val_loss_mean"), 1.02, tolerance: 1e-9)
        assertClose(configurationValue("gru", "metric_mean"), 1.02, tolerance: 1e-9)
        assertClose(configurationValue("gru", "test_loss_mean"), 20.2, tolerance: 1e-9)
        assertClose(configurationValue("gru", "test_metric_mean"), 40.2, tolerance: 1e-9)
        let pairedFields = Set(csv.filter { $0.count > 4 && $0[0] == "paired" }.map { $0[4] })
        XCTAssertTrue(pairedFields.contains("test_metric_wilcoxon_p_value") && pairedFields.contains("test_loss_wilcoxon_p_value"), "\(pairedFields.sorted())")
        XCTAssertFalse(pairedFields.contains("metric_wilcoxon_p_value") || pairedFields.contains("val_loss_wilcoxon_p_value"))

        let json = try render(data, .json)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["reportedOn"] as? String, "test")
        XCTAssertEqual(object["rankedBy"] as? String, "test_metric")
        let cells = try XCTUnwrap(((object["configurations"] as? [[String: Any]])?.first?["cells"]) as? [[String: Any]])
        let gruJSON = try XCTUnwrap(cells.first { $0["cell"] as? String == "gru" })
        func mean(_ key: String) -> Double? { (gruJSON[key] as? [String: Any])?["mean"] as? Double }
        assertClose(mean("valLoss"), 1.02)
        assertClose(mean("metric"), 1.02)
        assertClose(mean("testLoss"), 20.2)
        assertClose(mean("testMetric"), 40.2)
        let pairJSON = try XCTUnwrap((object["paired"] as? [[String: Any]])?.first)
        XCTAssertNotNil(pairJSON["testMetricWilcoxon"])
        XCTAssertNotNil(pairJSON["testLossWilcoxon"])
        XCTAssertNil(pairJSON["metricTest"])
        XCTAssertNil(pairJSON["valLossTest"])
        XCTAssertEqual(try JSONDecoder().decode(ComparisonReport.self, from: Data(json.utf8)), report, "the json reads back as the report")

        let html = try render(data, .html)
        XCTAssertTrue(html.contains("per epoch (selected on validation, reported on test: each run's epoch is chosen on these validation curves"), "tooltip")
        XCTAssertTrue(html.contains("Learning curves: validation nll_per_step per epoch (mean line, 95% t-interval band over seeds, min and max dotted; log scale where a panel spans more than two decades); selected on validation, reported on test"))
    }

    func testBudgetAndOtherTablesNameTheTestQuantity() throws {
        var data = sweep(withTest: true)
        for i in data.runs.indices { data.runs[i].config["params"] = .number(100) }
        let report = ComparisonReport(data)
        let budget = try XCTUnwrap(report.equalBudget?.first)
        assertClose(budget.cells.first { $0.cell == "gru" }?.stat?.mean, 40.2)
        let csv = parseCSV(try render(data, .csv))
        let budgetFields = Set(csv.filter { $0.count > 4 && $0[0] == "equal_budget" }.map { $0[4] })
        XCTAssertTrue(budgetFields.contains("test_metric_mean"), "\(budgetFields.sorted())")
        XCTAssertFalse(budgetFields.contains("metric_mean"))
        let text = try render(data, .text)
        XCTAssertTrue(text.split(separator: "\n").contains { $0.hasPrefix("budget ") && $0.contains(" test nll_per_step ") }, text)
    }

    func testWithoutATestSplitTheReportReadsAsBefore() throws {
        let data = sweep(withTest: false)
        let report = ComparisonReport(data)
        XCTAssertNil(report.reportedOn)
        assertClose(report.configurations.first?.cells.first { $0.cell == "gru" }?.metric?.mean, 1.02)
        for format in ReportFormat.allCases {
            let output = try render(data, format).lowercased()
            XCTAssertFalse(output.contains("reported on test") || output.contains("test_metric") || output.contains("test loss")
                           || output.contains("reportedon") || output.contains("testloss") || output.contains("testmetric"), "\(format)")
        }
    }
}
