// The report's new numbers on sweeps built as values: per-configuration Welch tests with
// Holm-adjusted p-values and the verdict counting only adjusted wins; the paired median
// difference and relative effect with their bootstrap intervals; the learning curves'
// t-interval band and log axis.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class ConfidenceReportTests: XCTestCase {
    private let sweep = SweepInfo(id: 1, name: "grid", createdAt: "2026-11-27T10:00:00Z", task: "adding",
                                  metricName: "mse", metricHigherIsBetter: false, baselineLoss: 0.17, baselineMetric: 0.17)

    private func run(_ id: Int, cell: String, hidden: Int, seed: Int, curve: [Double]) -> SweepRun {
        SweepRun(id: Int64(id), planIndex: id,
                 config: ["cell": .string(cell), "hidden": .number(Double(hidden)), "seed": .number(Double(seed))],
                 cell: cell, hidden: hidden, lr: 0.01, seed: seed, status: .finished, paramCount: hidden * 10, epochsPlanned: curve.count,
                 epochs: curve.enumerated().map { EpochRecord(runId: 0, epoch: $0 + 1, valLoss: $1, valMetric: $1, seconds: 1, tokensPerSecond: 10) })
    }

    /// Four configurations, three seeds each. GRU's final mse is lower everywhere: by far at
    /// hidden 8 (Welch p ≈ 1e-5), moderately at 16, 32 and 64 (raw p 0.02 to 0.03, scipy).
    /// Holm multiplies the smallest p by 4, the next by 3, ...: only hidden 8 stays below 5%.
    private func grid() -> SweepData {
        let gaps = [8: 0.5, 16: 0.025, 32: 0.023, 64: 0.022]
        var runs: [SweepRun] = []
        for (hidden, gap) in gaps.sorted(by: { $0.key < $1.key }) {
            for seed in 1...3 {
                let noise = [0.0, 0.01, -0.01][seed - 1]
                let lstm = 1.0 + noise, gru = 1.0 - gap + noise * (seed == 2 ? 0.3 : 1.0)
                runs.append(run(runs.count + 1, cell: "gru", hidden: hidden, seed: seed, curve: [2, gru]))
                runs.append(run(runs.count + 1, cell: "lstm", hidden: hidden, seed: seed, curve: [2, lstm]))
            }
        }
        return SweepData(sweep: sweep, runs: runs)
    }

    func testPerConfigurationPValuesAreHolmAdjustedAndOnlyAdjustedWinsCount() throws {
        let report = ComparisonReport(grid(), options: ReportOptions(at: .final))
        XCTAssertEqual(report.configurations.map(\.winner), ["gru", "gru", "gru", "gru"])
        let raw = report.configurations.map { $0.test!.pValue }
        XCTAssertLessThan(raw[0], 1e-3)
        for p in raw.dropFirst() { XCTAssertLessThan(p, 0.05); XCTAssertGreaterThan(p, 0.0125, "a raw win that Holm must not keep") }
        let adjusted = report.configurations.map { $0.adjustedPValue! }
        for (value, expected) in zip(adjusted, holmAdjusted(raw)) { XCTAssertEqual(value, expected) }
        XCTAssertEqual(report.configurations.map(\.significant), [true, false, false, false])
        let gru = try XCTUnwrap(report.standings.first { $0.cell == "gru" })
        XCTAssertEqual(gru.wins, 4)
        XCTAssertEqual(gru.significantWins, 1)
        let verdict = report.verdictParagraphs().joined(separator: "\n")
        XCTAssertTrue(verdict.contains("GRU wins 1 and LSTM 0 of 4 at the 5% level; 3 are not settled"), verdict)
        // Each configuration's Welch test is the two samples' own.
        let first = try XCTUnwrap(welchTTest([0.5, 0.503, 0.49], [1.0, 1.01, 0.99]))
        XCTAssertEqual(report.configurations[0].test!.pValue, first.pValue, accuracy: 1e-12)
    }

    func testPairedMedianDifferenceAndRelativeEffectCarryBootstrapIntervals() throws {
        let data = grid()
        let report = ComparisonReport(data, options: ReportOptions(at: .final))
        let pair = try XCTUnwrap(report.paired.first)
        XCTAssertEqual([pair.cellA, pair.cellB], ["gru", "lstm"])
        // The same pairs, in the report's order (configuration, then seed), bootstrapped directly.
        var differences: [Double] = [], relative: [Double] = []
        for hidden in [8, 16, 32, 64] {
            for seed in 1...3 {
                let value = { (cell: String) in data.runs.first { $0.cell == cell && $0.hidden == hidden && $0.seed == seed }!.epochs.last!.valMetric! }
                differences.append(value("gru") - value("lstm"))
                relative.append((value("gru") - value("lstm")) / abs(value("lstm")))
            }
        }
        let expected = try XCTUnwrap(bootstrapMedians([differences, relative]))
        XCTAssertEqual(pair.medianDifferenceInterval, expected[0])
        XCTAssertEqual(pair.relativeEffect, expected[1])
        XCTAssertEqual(pair.medianDifference, median(differences))
        let interval = try XCTUnwrap(pair.medianDifferenceInterval)
        XCTAssertLessThan(interval.high, 0, "GRU lower in every pair: the interval excludes 0")
        XCTAssertLessThanOrEqual(interval.low, interval.estimate)
        XCTAssertEqual(ComparisonReport(data, options: ReportOptions(at: .final)).paired.first, pair, "reproducible: a fixed seed")
        let verdict = report.verdictParagraphs().joined(separator: "\n")
        XCTAssertTrue(verdict.contains("95% bootstrap interval \(formatNumber(interval.low, digits: 3)) to \(formatNumber(interval.high, digits: 3)) over the pairs, excluding 0"), verdict)
    }

    func testCurvesUseATIntervalBandAndALogAxisWhenValuesSpanDecades() throws {
        // Losses falling from 0.17 to 1e-4 (three decades): log axis. Three seeds: t-band.
        var runs: [SweepRun] = []
        for seed in 1...3 {
            let scale = [1.0, 1.2, 0.8][seed - 1]
            runs.append(run(seed, cell: "gru", hidden: 8, seed: seed, curve: [0.17, 0.01 * scale, 1e-4 * scale]))
            runs.append(run(10 + seed, cell: "lstm", hidden: 8, seed: seed, curve: [0.17, 0.02 * scale, 1e-3 * scale]))
        }
        let data = SweepData(sweep: sweep, runs: runs)
        let report = ComparisonReport(data)
        let panel = try XCTUnwrap(learningCurves(data, report).first)
        let point = panel.bands[0].points[2]
        let values = [1e-4, 1.2e-4, 0.8e-4]
        var table = TIntervalTable()
        XCTAssertEqual(point.meanInterval, tInterval(values, table: &table))
        XCTAssertEqual(point.low, 0.8e-4)
        XCTAssertEqual(point.high, 1.2e-4)
        let svg = svgPanel(panel, quantity: "mse", baseline: 0.17, cells: ["gru", "lstm"])
        XCTAssertTrue(svg.contains("validation mse (log scale)"))
        for tick in [1e-4, 1e-3, 1e-2, 1e-1] { XCTAssertTrue(svg.contains(">\(formatNumber(tick, digits: 3))</text>"), "decade tick \(tick)") }
        XCTAssertEqual(svg.components(separatedBy: "<polygon").count - 1, 2, "a t-band per cell")
        XCTAssertEqual(svg.components(separatedBy: "class=\"extreme\"").count - 1, 4, "min and max per cell")

        // Within two decades: linear axis.
        let narrow = runs.map { run -> SweepRun in
            var r = run
            r.epochs = r.epochs.map { var e = $0; e.valMetric = 1 + e.valMetric!; e.valLoss = e.valMetric; return e }
            return r
        }
        let linear = SweepData(sweep: sweep, runs: narrow)
        let linearSVG = svgPanel(learningCurves(linear, ComparisonReport(linear))[0], quantity: "mse", baseline: nil, cells: ["gru", "lstm"])
        XCTAssertFalse(linearSVG.contains("log scale"))
        XCTAssertFalse(needsLogScale([0.01, 0.5, 1]))
        XCTAssertTrue(needsLogScale([0.001, 0.5]))
        XCTAssertFalse(needsLogScale([-1, 1000]), "not all positive")
    }
}
