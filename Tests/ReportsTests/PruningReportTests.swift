// The report of pruned and budgeted sweeps built as values: pruned runs kept out of the means
// and of "did not finish", the rungs and compute saved, and cells compared at equal budget.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class PruningReportTests: XCTestCase {
    private let sweep = SweepInfo(id: 1, name: "pruned", createdAt: "2026-12-01T10:00:00Z", task: "adding",
                                  metricName: "mse", metricHigherIsBetter: false, baselineLoss: 0.17, baselineMetric: 0.17)

    private func run(_ id: Int, cell: String, lr: Double, seed: Int, losses: [Double], status: RunStatus = .finished,
                     stopEpoch: Int? = nil, prunedRung: Int? = nil, extra: [String: ConfigValue] = [:], hidden: Int = 8,
                     params: Int? = nil) -> SweepRun {
        var config: [String: ConfigValue] = ["cell": .string(cell), "hidden": .number(Double(hidden)), "lr": .number(lr),
                                             "seed": .number(Double(seed))]
        config.merge(extra) { $1 }
        return SweepRun(id: Int64(id), planIndex: id, config: config, cell: cell, hidden: hidden, lr: lr, seed: seed,
                        status: status, paramCount: params, epochsPlanned: 4,
                        epochs: losses.enumerated().map { EpochRecord(runId: 0, epoch: $0 + 1, valLoss: $1, valMetric: $1, seconds: 1, tokensPerSecond: 10) },
                        stopEpoch: stopEpoch, prunedRung: prunedRung)
    }

    private func decision(rung: Int, configuration: String, json: String, rank: Int, kept: Bool, score: Double) -> HalvingDecisionRecord {
        HalvingDecisionRecord(sweepId: 1, rung: rung, epoch: rung, configuration: configuration, configurationJSON: json,
                              cohort: 1, cohortSize: 2, score: score, rank: rank, kept: kept, seeds: 1, decidedAt: "t")
    }

    func testPrunedRunsAreCountedApartAndTheRungsAndComputeSavedAreReported() throws {
        let runs = [
            run(1, cell: "gru", lr: 0.01, seed: 1, losses: [0.5, 0.2, 0.1, 0.05]),
            run(2, cell: "lstm", lr: 0.01, seed: 1, losses: [0.6], status: .pruned, stopEpoch: 1, prunedRung: 1),
            run(3, cell: "gru", lr: 0.1, seed: 1, losses: [0.4, 0.3], status: .finished, stopEpoch: 2),
        ]
        let decisions = [
            decision(rung: 1, configuration: "a", json: #"{"cell":"gru","hidden":8,"lr":0.01}"#, rank: 1, kept: true, score: 0.5),
            decision(rung: 1, configuration: "b", json: #"{"cell":"lstm","hidden":8,"lr":0.01}"#, rank: 2, kept: false, score: 0.6),
        ]
        let report = ComparisonReport(SweepData(sweep: sweep, runs: runs, halvingDecisions: decisions))
        let pruning = try XCTUnwrap(report.pruning)
        XCTAssertEqual(pruning.prunedRuns, 1)
        XCTAssertEqual(pruning.earlyStoppedRuns, 1)
        XCTAssertEqual(pruning.epochsTrained, 7)
        XCTAssertEqual(pruning.fullGridEpochs, 12)
        XCTAssertEqual(pruning.rungs, [RungSummary(rung: 1, epoch: 1, configurations: 2, kept: 1, prunedRuns: 1,
                                                   best: "cell=gru, lr=0.01", bestScore: 0.5)])
        // The pruned lstm run is not in the means, nor among the runs that did not finish.
        let lstm = try XCTUnwrap(report.configurations.first { $0.label == "lr=0.01" }?.cells.first { $0.cell == "lstm" })
        XCTAssertEqual(lstm.finished, 0)
        XCTAssertEqual(lstm.pruned, 1)
        XCTAssertEqual(lstm.otherUnfinished, 0)
        XCTAssertEqual(report.unfinishedRuns, [])
        let text = try ReportRunner.render(report, of: SweepData(sweep: sweep, runs: runs, halvingDecisions: decisions), format: .text)
        XCTAssertTrue(text.contains("Epochs trained: 7 of the full grid's 12 (58.3%, 5 saved); 1 run(s) pruned by successive halving, 1 ended by early stopping."), text)
        XCTAssertTrue(text.contains("Every run finished or was pruned."), text)
        XCTAssertTrue(text.contains("+1 pruned"), text)
        // Without pruning nothing changes: no section, no field.
        let plain = ComparisonReport(SweepData(sweep: sweep, runs: [runs[0]]))
        XCTAssertNil(plain.pruning)
        XCTAssertFalse(try ReportRunner.render(plain, of: SweepData(sweep: sweep, runs: [runs[0]]), format: .text).contains("Pruning"))
    }

    func testCellsOfOneBudgetShareAConfigurationAndAreComparedAtThatBudget() throws {
        let budget: [String: ConfigValue] = ["params": .number(2000), "params_scope": .string("recurrent")]
        let bigger: [String: ConfigValue] = ["params": .number(8000), "params_scope": .string("recurrent")]
        let runs = [
            run(1, cell: "gru", lr: 0.01, seed: 1, losses: [0.1], extra: budget, hidden: 24, params: 2017),
            run(2, cell: "lstm", lr: 0.01, seed: 1, losses: [0.2], extra: budget, hidden: 21, params: 2038),
            run(3, cell: "gru", lr: 0.01, seed: 1, losses: [0.05], extra: bigger, hidden: 50, params: 8001),
            run(4, cell: "lstm", lr: 0.01, seed: 1, losses: [0.04], extra: bigger, hidden: 43, params: 7955),
        ]
        let report = ComparisonReport(SweepData(sweep: sweep, runs: runs))
        XCTAssertEqual(report.configurationAxes, ["params"], "hidden follows from the budget and the cell")
        let budgets = try XCTUnwrap(report.equalBudget)
        XCTAssertEqual(budgets.map(\.budget), [2000, 8000])
        XCTAssertEqual(budgets.map(\.scope), ["recurrent", "recurrent"])
        XCTAssertEqual(budgets[0].cells.map(\.hidden), [24, 21])
        XCTAssertEqual(budgets[0].cells.map(\.paramCount), [2017, 2038])
        XCTAssertEqual(budgets.map(\.winner), ["gru", "lstm"])
        let text = try ReportRunner.render(report, of: SweepData(sweep: sweep, runs: runs), format: .text)
        XCTAssertTrue(text.contains("At equal parameter budget"), text)
        XCTAssertNil(ComparisonReport(SweepData(sweep: sweep, runs: [run(1, cell: "gru", lr: 0.01, seed: 1, losses: [0.1])])).equalBudget)
    }
}
