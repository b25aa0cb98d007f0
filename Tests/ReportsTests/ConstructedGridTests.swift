// Tests of the report on sweeps built as values: variance shares on a balanced grid with known
// main effects, best learning rates, the comparison at nearly equal parameter count.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class ConstructedGridTests: XCTestCase {
    private let sweep = SweepInfo(id: 1, name: "grid", createdAt: "2026-11-27T10:00:00Z", task: "adding",
                                  metricName: "accuracy", metricHigherIsBetter: true, baselineLoss: nil, baselineMetric: nil)

    private func run(_ id: Int, cell: String, hidden: Int, lr: Double, seed: Int, metric: Double, params: Int? = nil) -> SweepRun {
        SweepRun(id: Int64(id), planIndex: id,
                 config: ["cell": .string(cell), "hidden": .number(Double(hidden)), "lr": .number(lr),
                          "seed": .number(Double(seed)), "batch": .number(32)],
                 cell: cell, hidden: hidden, lr: lr, seed: seed, status: .finished, paramCount: params, epochsPlanned: 1,
                 epochs: [EpochRecord(runId: 0, epoch: 1, valLoss: 1 - metric / 100, valMetric: metric, seconds: 1, tokensPerSecond: 10)])
    }

    func testVarianceSharesOfABalancedGridAreTheMainEffects() throws {
        // y = 10 + cell (gru +1, lstm −1) + hidden (8: −2, 16: +2) + lr (0.01: +0.25, 0.1: −0.25)
        //       + seed (1: +0.5, 2: −0.5), 16 runs, no interaction. Each effect ±e over the balanced
        // grid contributes 16e² to the total: cell 16, hidden 64, lr 1, seed 4; total 85.
        var runs: [SweepRun] = []
        for cell in ["gru", "lstm"] { for hidden in [8, 16] { for lr in [0.01, 0.1] { for seed in [1, 2] {
            let y = 10 + (cell == "gru" ? 1.0 : -1) + (hidden == 8 ? -2.0 : 2) + (lr == 0.01 ? 0.25 : -0.25) + (seed == 1 ? 0.5 : -0.5)
            runs.append(run(runs.count + 1, cell: cell, hidden: hidden, lr: lr, seed: seed, metric: y))
        } } } }
        let report = ComparisonReport(SweepData(sweep: sweep, runs: runs))
        let all = try XCTUnwrap(report.variance.first { $0.scope == "all cells" })
        XCTAssertEqual(all.shares.map(\.axis), ["hidden", "cell", "seed", "lr"], "largest share first")
        assertClose(all.totalSumOfSquares, 85)
        assertClose(all.shares[0].share, 64.0 / 85)
        assertClose(all.shares[1].share, 16.0 / 85)
        assertClose(all.shares[2].share, 4.0 / 85)
        assertClose(all.shares[3].share, 1.0 / 85)
        assertClose(all.remainder, 0)
        // Within one cell the cell axis is gone: hidden 32, lr 0.5, seed 2 of total 34.5.
        let gru = try XCTUnwrap(report.variance.first { $0.scope == "gru" })
        XCTAssertEqual(gru.shares.map(\.axis), ["hidden", "seed", "lr"])
        assertClose(gru.shares[0].share, 32 / 34.5)

        // Best learning rate per cell and hidden size: 0.01 everywhere (+0.5 over 0.1), and the
        // seed spread (sd 0.707) makes that lead within noise.
        XCTAssertEqual(report.bestLearningRates.count, 4)
        for best in report.bestLearningRates {
            XCTAssertEqual(best.lr, 0.01)
            XCTAssertEqual(best.runnerUpLr, 0.1)
            XCTAssertEqual(best.learningRatesTried, 2)
            XCTAssertEqual(best.withinNoise, true)
        }
        let gru8 = try XCTUnwrap(report.bestLearningRates.first { $0.cell == "gru" && $0.hidden == 8 })
        assertClose(gru8.stat.mean, 10 + 1 - 2 + 0.25)
    }

    func testEqualSizeComparisonPairsConfigurationsWithinTolerance() throws {
        // gru h16 has 912 parameters, lstm h14 952: |40|/952 = 4.2% ≤ 10%. gru h8 (264) vs
        // lstm h8 (352) differ by 25% and are left out.
        var runs: [SweepRun] = []
        let specs: [(String, Int, Int, [Double])] = [
            ("gru", 8, 264, [60, 62]), ("gru", 16, 912, [80, 82]),
            ("lstm", 8, 352, [70, 72]), ("lstm", 14, 952, [90, 92]),
        ]
        for (cell, hidden, params, metrics) in specs {
            for (seed, metric) in metrics.enumerated() {
                runs.append(run(runs.count + 1, cell: cell, hidden: hidden, lr: 0.01, seed: seed + 1, metric: metric, params: params))
            }
        }
        let report = ComparisonReport(SweepData(sweep: sweep, runs: runs))
        XCTAssertEqual(report.equalSize.comparisons.count, 1)
        let comparison = try XCTUnwrap(report.equalSize.comparisons.first)
        XCTAssertEqual(comparison.cellA, "gru")
        XCTAssertEqual(comparison.hiddenA, 16)
        XCTAssertEqual(comparison.hiddenB, 14)
        assertClose(comparison.relativeParamDifference, 40.0 / 952)
        XCTAssertEqual(comparison.winner, "lstm")
        XCTAssertEqual(comparison.withinNoise, false)
        XCTAssertTrue(report.equalSize.closestOutsideTolerance.isEmpty)
    }

    func testLowerIsBetterMetricPicksTheSmallestMean() throws {
        var lowerSweep = sweep
        lowerSweep.metricHigherIsBetter = false
        let runs = [
            run(1, cell: "gru", hidden: 8, lr: 0.01, seed: 1, metric: 5), run(2, cell: "gru", hidden: 8, lr: 0.01, seed: 2, metric: 6),
            run(3, cell: "lstm", hidden: 8, lr: 0.01, seed: 1, metric: 3), run(4, cell: "lstm", hidden: 8, lr: 0.01, seed: 2, metric: 4),
        ]
        let report = ComparisonReport(SweepData(sweep: lowerSweep, runs: runs))
        XCTAssertEqual(report.configurations.map(\.label), ["all runs"])
        XCTAssertEqual(report.configurations[0].winner, "lstm")
        XCTAssertEqual(report.paired[0].bBetter, 2)
    }

    func testConfigJSONIsFlattenedWithTaskKeys() throws {
        let config = try parseRunConfig(#"{"cell":"gru","hidden":64,"lr":0.003,"clip_value":null,"nesterov":true,"task":{"name":"adding","length":50}}"#)
        XCTAssertEqual(config["cell"], .string("gru"))
        XCTAssertEqual(config["hidden"], .number(64))
        XCTAssertEqual(config["clip_value"], .null)
        XCTAssertEqual(config["nesterov"], .bool(true))
        XCTAssertEqual(config["task.name"], .string("adding"))
        XCTAssertEqual(config["task.length"], .number(50))
        XCTAssertEqual(ConfigValue.number(0.003).description, "0.003")
        XCTAssertThrowsError(try parseRunConfig("[1, 2]"))
    }
}

final class EdgeCaseReportTests: XCTestCase {
    private let sweep = SweepInfo(id: 1, name: "edge", createdAt: "2026-11-27T10:00:00Z", task: "copy",
                                  metricName: "accuracy", metricHigherIsBetter: true, baselineLoss: 2.0, baselineMetric: nil)

    func testAnEmptySweepRendersInEveryFormat() throws {
        let data = SweepData(sweep: sweep, runs: [])
        let report = ComparisonReport(data)
        XCTAssertTrue(report.configurations.isEmpty)
        XCTAssertFalse(report.inProgress)
        for format in ReportFormat.allCases {
            XCTAssertFalse(try ReportRunner.render(report, of: data, format: format).isEmpty, "\(format)")
        }
        XCTAssertTrue(try ReportRunner.render(report, of: data, format: .text).contains("Runs: none"))
        XCTAssertEqual(try ReportRunner.render(report, of: data, format: .html).components(separatedBy: "<svg").count - 1, 0)
    }

    func testOneCellWithoutMetricsRanksByLossAndComparesToTheLossBaseline() throws {
        // No run recorded a metric: cells are ranked by validation loss, the baseline is the loss 2.0.
        // Seed 1: losses 2.5, 2.0 (best 2.0); seed 2: 2.5, 3.0 (best 2.5, at epoch 1); mean 2.25.
        let runs = (1...2).map { seed in
            SweepRun(id: Int64(seed), planIndex: seed, config: ["cell": .string("lstm"), "seed": .number(Double(seed))],
                     cell: "lstm", hidden: 32, lr: 0.01, seed: seed, status: .finished, paramCount: nil, epochsPlanned: 2,
                     epochs: [EpochRecord(runId: 0, epoch: 1, valLoss: 2.5, valMetric: nil, seconds: nil, tokensPerSecond: nil),
                              EpochRecord(runId: 0, epoch: 2, valLoss: 1.0 + Double(seed), valMetric: nil, seconds: nil, tokensPerSecond: nil)])
        }
        let report = ComparisonReport(SweepData(sweep: sweep, runs: runs))
        XCTAssertEqual(report.rankedBy, .valLoss)
        XCTAssertEqual(report.axes, ["seed"])
        XCTAssertEqual(report.configurations.count, 1)
        let lstm = report.configurations[0].cells[0]
        XCTAssertEqual(lstm.valLoss?.mean, 2.25)
        XCTAssertEqual(lstm.bestEpoch?.mean, 1.5)
        XCTAssertEqual(lstm.beatsBaseline, false, "mean val loss 2.25 is worse than the baseline 2.0")
        XCTAssertNil(report.configurations[0].winner, "one cell has nobody to beat")
        XCTAssertTrue(report.paired.isEmpty)
        // Target = the only cell's mean best loss 2.25: seed 1 reaches it at epoch 2, seed 2 never.
        XCTAssertEqual(report.timeToTarget.first?.targetLoss, 2.25)
        XCTAssertEqual(report.timeToTarget.first?.cells.first?.reached, 1)
        XCTAssertEqual(report.timeToTarget.first?.cells.first?.epochs?.mean, 2)
        XCTAssertNil(report.timeToTarget.first?.cells.first?.seconds, "no seconds recorded")
    }

    func testThreeCellsPutGRUVersusLSTMFirstAndInterruptedRunsAreNoted() throws {
        var runs: [SweepRun] = []
        for (index, cell) in ["lstm", "rnn", "gru"].enumerated() {
            for seed in 1...2 {
                runs.append(SweepRun(id: Int64(runs.count + 1), planIndex: runs.count,
                                     config: ["cell": .string(cell), "seed": .number(Double(seed))],
                                     cell: cell, hidden: 16, lr: 0.01, seed: seed, status: .finished, paramCount: 100 * (index + 1),
                                     epochsPlanned: 1,
                                     epochs: [EpochRecord(runId: 0, epoch: 1, valLoss: 1, valMetric: Double(index + seed), seconds: 1, tokensPerSecond: 5)]))
            }
        }
        runs.append(SweepRun(id: 99, planIndex: 99, config: ["cell": .string("gru"), "seed": .number(3)], cell: "gru", hidden: 16,
                             lr: 0.01, seed: 3, status: .interrupted, paramCount: nil, epochsPlanned: 1, epochs: []))
        let data = SweepData(sweep: sweep, runs: runs)
        let report = ComparisonReport(data)
        XCTAssertEqual(report.standings.map(\.cell), ["rnn", "gru", "lstm"])
        XCTAssertEqual(report.paired.map { "\($0.cellA) vs \($0.cellB)" }, ["gru vs lstm", "rnn vs gru", "rnn vs lstm"])
        XCTAssertFalse(report.inProgress, "an interrupted run is not running")
        XCTAssertEqual(report.unfinishedRuns.map(\.runId), [99])
        let text = try ReportRunner.render(report, of: data, format: .text)
        XCTAssertTrue(text.contains("NOTE: 1 run(s) were interrupted"), text)
        XCTAssertFalse(text.contains("still running"))
        let html = try ReportRunner.render(report, of: data, format: .html)
        XCTAssertTrue(html.contains("stroke=\"#7f7f7f\""), "rnn's colour")
    }
}
