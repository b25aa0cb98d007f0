// Tests of the comparison report over a database with known numbers (see knownSweep):
// means, standard deviations, winners, seed-noise marks, the paired test, unfinished runs.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class ComparisonReportTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var databasePath: String!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
        databasePath = folder.path("results.db")
        try writeDatabase(at: databasePath, sweeps: [knownSweep()])
    }

    // XCTest keeps every test case object to the end of the process, so the folder goes here.
    override func tearDown() { folder = nil }

    private func report(_ options: ReportOptions = ReportOptions()) throws -> ComparisonReport {
        ComparisonReport(try SweepLoader.load(databasePath: databasePath, sweepName: "known"), options: options)
    }

    private func cell(_ report: ComparisonReport, _ configuration: String, _ cell: String) throws -> CellResult {
        let found = try XCTUnwrap(report.configurations.first { $0.label == configuration }, "no configuration \(configuration)")
        return try XCTUnwrap(found.cells.first { $0.cell == cell }, "no cell \(cell) in \(configuration)")
    }

    func testAxesAndConfigurationsComeFromTheVaryingConfigKeys() throws {
        let report = try report()
        XCTAssertEqual(report.axes, ["cell", "hidden", "seed"])
        XCTAssertEqual(report.configurationAxes, ["hidden"])
        XCTAssertEqual(report.configurations.map(\.label), ["hidden=8", "hidden=16"])
        XCTAssertEqual(report.rankedBy, .metric)
    }

    func testCellMeansAndStandardDeviationsAtTheBestEpoch() throws {
        let report = try report()
        let expected: [(String, String, Double, Double)] = [
            ("hidden=8", "gru", 50, 2), ("hidden=8", "lstm", 44, 4),
            ("hidden=16", "gru", 57, 1), ("hidden=16", "lstm", 58, 2),
        ]
        for (configuration, name, mean64, sd64) in expected {
            let result = try cell(report, configuration, name)
            XCTAssertEqual(result.finished, 3, "\(configuration) \(name)")
            assertClose(result.metric?.mean, mean64 / 64, "\(configuration) \(name) metric mean")
            assertClose(result.metric?.sd, sd64 / 64, "\(configuration) \(name) metric sd")
            assertClose(result.valLoss?.mean, 1 - mean64 / 64, "\(configuration) \(name) val loss mean")
            assertClose(result.valLoss?.sd, sd64 / 64, "\(configuration) \(name) val loss sd")
            XCTAssertEqual(result.bestEpoch, SummaryStat(mean: 2, sd: 0, n: 3))
            assertClose(result.secondsPerEpoch?.mean, name == "gru" ? 1 : 1.5)
            assertClose(result.tokensPerSecond?.mean, name == "gru" ? 1000 : 600)
            XCTAssertEqual(result.beatsBaseline, true)
        }
        XCTAssertEqual(try cell(report, "hidden=8", "gru").paramCount, 264)
        XCTAssertEqual(try cell(report, "hidden=16", "lstm").paramCount, 1216)
    }

    func testAtFinalReadsTheLastEpoch() throws {
        let report = try report(ReportOptions(at: .final))
        let result = try cell(report, "hidden=8", "gru")
        assertClose(result.metric?.mean, (50.0 - 8) / 64)
        assertClose(result.valLoss?.mean, 1 - 50.0 / 64 + 2.0 / 64)
        XCTAssertEqual(result.bestEpoch?.mean, 2, "the best epoch stays the lowest-loss epoch")
    }

    func testWinnersRelativeDifferenceAndSeedNoise() throws {
        let report = try report()
        let small = report.configurations[0], large = report.configurations[1]
        // hidden 8: gru 50/64 vs lstm 44/64; |6| > √(2² + 4²) = 4.47 (in 64ths): a real lead.
        XCTAssertEqual(small.winner, "gru")
        XCTAssertEqual(small.runnerUp, "lstm")
        assertClose(small.relativeDifference, 6.0 / 44)
        XCTAssertEqual(small.withinNoise, false)
        // hidden 16: lstm 58/64 vs gru 57/64; |1| < √(1² + 2²) = 2.24: within seed noise.
        XCTAssertEqual(large.winner, "lstm")
        assertClose(large.relativeDifference, 1.0 / 57)
        XCTAssertEqual(large.withinNoise, true)
    }

    func testStandingsCountWinsRanksAndSpeed() throws {
        let report = try report()
        XCTAssertEqual(report.standings.map(\.cell), ["gru", "lstm"])
        for standing in report.standings {
            XCTAssertEqual(standing.wins, 1)
            XCTAssertEqual(standing.configurations, 2)
            XCTAssertEqual(standing.meanRank, 1.5)
        }
        XCTAssertEqual(report.standings[0].medianSecondsPerEpoch, 1)
        XCTAssertEqual(report.standings[1].medianSecondsPerEpoch, 1.5)
        XCTAssertEqual(report.standings[0].finishedRuns, 6)
    }

    func testPairedWilcoxonOnHandComputedCase() throws {
        // Pairs (hidden, seed), d = accuracy(gru) − accuracy(lstm) in 64ths:
        //   h8: 48−40 = 8, 50−44 = 6, 52−48 = 4;  h16: 56−58 = −2, 57−56 = 1, 58−60 = −2.
        // |d| ranks: 1→1, 2 and 2→2.5 each, 4→4, 6→5, 8→6.  W+ = 6+5+4+1 = 16, W− = 2.5+2.5 = 5.
        // Exact: doubled ranks {2, 5, 5, 8, 10, 12} (sum 42), doubled W− = 10. Sign patterns with
        // doubled W− ≤ 10: {}, {2}, {5}, {5'}, {8}, {10}, {2,5}, {2,5'}, {2,8}, {5,5'} → 10 of 64;
        // two-sided p = 2 · 10/64 = 0.3125.
        let report = try report()
        let pair = try XCTUnwrap(report.paired.first)
        XCTAssertEqual(pair.cellA, "gru")
        XCTAssertEqual(pair.cellB, "lstm")
        XCTAssertEqual(pair.pairs, 6)
        XCTAssertEqual(pair.aBetter, 4)
        XCTAssertEqual(pair.bBetter, 2)
        let test = try XCTUnwrap(pair.metricTest)
        XCTAssertEqual(test.n, 6)
        XCTAssertEqual(test.wPlus, 16)
        XCTAssertEqual(test.wMinus, 5)
        XCTAssertEqual(test.statistic, 5)
        XCTAssertEqual(test.method, .exact)
        assertClose(test.pValue, 0.3125)
        // The val-loss differences are the negated accuracy differences: W+ and W− swap.
        XCTAssertEqual(pair.valLossTest?.wPlus, 5)
        assertClose(pair.valLossTest?.pValue, 0.3125)
        assertClose(pair.speedRatio, 1.5)
    }

    func testTimeToTargetUsesTheWorseCellsBestLoss() throws {
        // hidden 8: mean best val loss gru 14/64, lstm 20/64 → target 20/64, set by lstm.
        // gru runs reach it at epoch 2 (2 s); lstm seeds with best loss 20/64 and 16/64 do at
        // epoch 2 (3 s), the seed with 24/64 never does.
        let report = try report()
        let target = try XCTUnwrap(report.timeToTarget.first { $0.configuration == "hidden=8" })
        assertClose(target.targetLoss, 20.0 / 64)
        XCTAssertEqual(target.targetFrom, "lstm")
        let gru = try XCTUnwrap(target.cells.first { $0.cell == "gru" })
        let lstm = try XCTUnwrap(target.cells.first { $0.cell == "lstm" })
        XCTAssertEqual(gru.reached, 3)
        XCTAssertEqual(gru.epochs?.mean, 2)
        XCTAssertEqual(gru.seconds?.mean, 2)
        XCTAssertEqual(lstm.runs, 3)
        XCTAssertEqual(lstm.reached, 2)
        XCTAssertEqual(lstm.seconds?.mean, 3)

        let flagged = try self.report(ReportOptions(targetLoss: 0.9375))
        XCTAssertEqual(flagged.timeToTarget[0].targetFrom, "flag")
        XCTAssertEqual(flagged.timeToTarget[0].cells.map(\.reached), [3, 3])
        XCTAssertEqual(flagged.timeToTarget[0].cells[0].epochs?.mean, 1)
    }

    func testEqualSizeShowsTheClosestPairWhenNoneIsWithinTolerance() throws {
        // gru 264/912 vs lstm 352/1216: the closest pairs differ by 25%, outside 10%.
        let report = try report()
        XCTAssertTrue(report.equalSize.comparisons.isEmpty)
        let closest = try XCTUnwrap(report.equalSize.closestOutsideTolerance.first)
        assertClose(closest.relativeParamDifference, 0.25)
        XCTAssertFalse(closest.withinTolerance)
    }

    func testUnfinishedRunsAreCountedListedAndAnInProgressSweepSaysSo() throws {
        let report = try report()
        XCTAssertTrue(report.inProgress)
        XCTAssertEqual(report.totalRuns, 15)
        XCTAssertEqual(report.statusCounts, [
            StatusCount(status: .pending, count: 1), StatusCount(status: .finished, count: 12),
            StatusCount(status: .failed, count: 1), StatusCount(status: .diverged, count: 1),
        ])
        XCTAssertEqual(report.unfinishedRuns.map(\.status), [.pending, .failed, .diverged])
        let failed = report.unfinishedRuns[1]
        XCTAssertEqual(failed.cell, "gru")
        XCTAssertEqual(failed.configuration, "hidden=16")
        XCTAssertEqual(failed.error, "model threw\nat step 3")
        XCTAssertEqual(report.unfinishedRuns[2].epochsDone, 2)
        let lstmSmall = try cell(report, "hidden=8", "lstm")
        XCTAssertEqual(lstmSmall.runs, 4)
        XCTAssertEqual(lstmSmall.diverged, 1)
        XCTAssertEqual(lstmSmall.metric?.n, 3, "the diverged run is not in the mean")
    }

    func testVarianceAndBestLearningRateOnTheKnownSweep() throws {
        // accuracy in 64ths over the 12 finished runs: mean 52.5; total SS = 484/64².
        // cell levels: gru mean 53.5, lstm 51 (n = 6 each): SS = 6·1² + 6·1.5²... computed below.
        let report = try report()
        let values: [Double] = [48, 50, 52, 56, 57, 58, 40, 44, 48, 58, 56, 60].map { $0 / 64 }
        let mean = values.reduce(0, +) / 12
        let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let gruMean = values[0..<6].reduce(0, +) / 6, lstmMean = values[6...].reduce(0, +) / 6
        let cellShare = 6 * ((gruMean - mean) * (gruMean - mean) + (lstmMean - mean) * (lstmMean - mean)) / total
        let all = try XCTUnwrap(report.variance.first)
        XCTAssertEqual(all.scope, "all cells")
        XCTAssertEqual(all.runs, 12)
        assertClose(all.totalSumOfSquares, total)
        assertClose(all.shares.first { $0.axis == "cell" }?.share, cellShare)
        XCTAssertEqual(report.bestLearningRates.count, 4)
        XCTAssertEqual(report.bestLearningRates.map(\.lr), [0.01, 0.01, 0.01, 0.01])
    }
}
