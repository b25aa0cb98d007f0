// A report over 500 runs × 50 epochs (25,000 epoch rows), and over 1,000 runs (50,000 rows,
// with the bootstrap of 500 pairs), stays correct; the time it takes is printed (a
// measurement, not a timed assertion).
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class ReportScaleTests: XCTestCase {
    /// Validation loss of the generated runs: a parabola with its minimum at epoch 30, shifted by
    /// cell, hidden size, learning rate and seed. The metric is 1 − loss.
    private func valLoss(cell: String, hidden: Int, lrIndex: Int, seed: Int, epoch: Int) -> Double {
        let shift = (cell == "gru" ? 0.02 : 0.0) + 0.01 * Double(hidden) / 128 + 0.003 * Double(lrIndex) + 0.0005 * Double(seed)
        return 0.1 + shift + Double((epoch - 30) * (epoch - 30)) / 1000
    }

    func testReportOverFiveHundredRunsOfFiftyEpochs() throws {
        let hiddenSizes = [8, 16, 32, 64, 128], rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
        var runs: [FixtureRun] = []
        for cell in ["gru", "lstm"] {
            for hidden in hiddenSizes {
                for (lrIndex, lr) in rates.enumerated() {
                    for seed in 1...10 {
                        let epochs = (1...50).map { epoch -> FixtureEpoch in
                            let loss = valLoss(cell: cell, hidden: hidden, lrIndex: lrIndex, seed: seed, epoch: epoch)
                            return FixtureEpoch(valLoss: loss, metric: 1 - loss, seconds: cell == "gru" ? 0.5 : 0.6, tokensPerSecond: 1000)
                        }
                        runs.append(FixtureRun(cell: cell, hidden: hidden, lr: lr, seed: seed, paramCount: hidden * 100,
                                               epochsPlanned: 50, epochs: epochs))
                    }
                }
            }
        }
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [FixtureSweep(name: "large", runs: runs)])

        let start = Date()
        let data = try SweepLoader.load(databasePath: path, sweepName: nil)
        let loaded = Date()
        let report = ComparisonReport(data)
        let computed = Date()
        let text = try ReportRunner.render(report, of: data, format: .text)
        let html = try ReportRunner.render(report, of: data, format: .html)
        let rendered = Date()
        print(String(format: "report over %d runs, %d epoch rows: load %.3f s, compute %.3f s, render text+html %.3f s, total %.3f s",
                     data.runs.count, data.runs.map(\.epochs.count).reduce(0, +), loaded.timeIntervalSince(start),
                     computed.timeIntervalSince(loaded), rendered.timeIntervalSince(computed), rendered.timeIntervalSince(start)))

        XCTAssertEqual(data.runs.count, 500)
        XCTAssertEqual(data.runs.map(\.epochs.count).reduce(0, +), 25_000)
        XCTAssertEqual(report.configurationAxes, ["hidden", "lr"])
        XCTAssertEqual(report.configurations.count, 25)
        for configuration in report.configurations {
            XCTAssertEqual(configuration.cells.map(\.cell), ["gru", "lstm"])
            XCTAssertEqual(configuration.cells.map { $0.metric?.n }, [10, 10])
            XCTAssertEqual(configuration.winner, "lstm", "lstm's loss is 0.02 lower everywhere")
            XCTAssertEqual(configuration.cells.map { $0.bestEpoch?.mean }, [30, 30])
        }
        let target = report.configurations.first { $0.label == "hidden=32 lr=0.001" }!
        let expected = (1...10).map { 1 - valLoss(cell: "gru", hidden: 32, lrIndex: 2, seed: $0, epoch: 30) }.reduce(0, +) / 10
        assertClose(target.cells[0].metric?.mean, expected, tolerance: 1e-12)
        XCTAssertEqual(report.paired.first?.pairs, 250)
        XCTAssertEqual(report.paired.first?.bBetter, 250)
        XCTAssertEqual(report.paired.first?.metricTest?.method, .normal)
        assertClose(report.paired.first?.speedRatio, 1.2, tolerance: 1e-12)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 25)
        XCTAssertTrue(text.contains("hidden=128 lr=0.01"))
    }

    /// 1,000 runs × 50 epochs: the paired bootstrap resamples 500 GRU-LSTM pairs 10,000 times.
    func testReportOverFiftyThousandEpochRowsWithTheBootstrap() throws {
        var runs: [SweepRun] = []
        for cell in ["gru", "lstm"] {
            for hidden in [8, 16, 32, 64, 128] {
                for (lrIndex, lr) in [1e-4, 3e-4, 1e-3, 3e-3, 1e-2].enumerated() {
                    for seed in 1...20 {
                        let epochs = (1...50).map { epoch -> EpochRecord in
                            let loss = valLoss(cell: cell, hidden: hidden, lrIndex: lrIndex, seed: seed % 10, epoch: epoch)
                            return EpochRecord(runId: 0, epoch: epoch, valLoss: loss, valMetric: 1 - loss, seconds: cell == "gru" ? 0.5 : 0.6, tokensPerSecond: 1000)
                        }
                        runs.append(SweepRun(id: Int64(runs.count + 1), planIndex: runs.count,
                                             config: ["cell": .string(cell), "hidden": .number(Double(hidden)), "lr": .number(lr), "seed": .number(Double(seed))],
                                             cell: cell, hidden: hidden, lr: lr, seed: seed, status: .finished, paramCount: hidden * 100,
                                             epochsPlanned: 50, epochs: epochs))
                    }
                }
            }
        }
        let data = SweepData(sweep: SweepInfo(id: 1, name: "large", createdAt: "2026-11-27T10:00:00Z", task: "adding", metricName: "accuracy",
                                              metricHigherIsBetter: true, baselineLoss: nil, baselineMetric: nil), runs: runs)
        let start = Date()
        let report = ComparisonReport(data)
        let computed = Date()
        let text = try ReportRunner.render(report, of: data, format: .text)
        let html = try ReportRunner.render(report, of: data, format: .html)
        let rendered = Date()
        print(String(format: "report over %d runs, %d epoch rows with the bootstrap (%d pairs × 10,000 resamples): compute %.3f s, render text+html %.3f s",
                     data.runs.count, data.runs.map(\.epochs.count).reduce(0, +), report.paired.first?.pairs ?? 0,
                     computed.timeIntervalSince(start), rendered.timeIntervalSince(computed)))
        XCTAssertEqual(data.runs.map(\.epochs.count).reduce(0, +), 50_000)
        let pair = try XCTUnwrap(report.paired.first)
        XCTAssertEqual(pair.pairs, 500)
        // GRU's loss is 0.02 higher in every pair, so its accuracy is 0.02 lower: every resample's median too.
        let interval = try XCTUnwrap(pair.medianDifferenceInterval)
        assertClose(interval.low, -0.02, tolerance: 1e-12)
        assertClose(interval.high, -0.02, tolerance: 1e-12)
        XCTAssertEqual(report.configurations.count, 25)
        XCTAssertTrue(report.configurations.allSatisfy { $0.significant == true }, "0.02 apart with a small seed spread: every adjusted win holds")
        XCTAssertTrue(text.contains("wins (Holm)"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 25)
    }
}
