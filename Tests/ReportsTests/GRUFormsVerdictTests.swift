// The verdict per GRU form, on sweeps built as values: PyTorch's gru_reset_after against LSTM
// gets the paired verdict the seed's gru gets, a sweep with both forms gets both, and the plain
// gru-vs-lstm sweep reads exactly as before.
//
// Numbers: the known sweep's (ReportFixtures.knownSweep), finished runs only, in 64ths of accuracy:
//   hidden 8:  gru 48 50 52 (mean 50)   lstm 40 44 48 (mean 44)
//   hidden 16: gru 56 57 58 (mean 57)   lstm 58 56 60 (mean 58)
// gru 1 s per epoch, lstm 1.5 s. The three-cell sweep adds gru_reset_after
//   hidden 8:  44 46 48 (mean 46)       hidden 16: 60 61 62 (mean 61), 1.2 s per epoch.
import Foundation
import XCTest
@testable import Reports
import ResultsStore

final class GRUFormsVerdictTests: XCTestCase {
    private let sweep = SweepInfo(id: 1, name: "forms", createdAt: "2026-11-27T10:00:00Z", task: "adding",
                                  metricName: "accuracy", metricHigherIsBetter: true, baselineLoss: 0.75, baselineMetric: 0.5)

    /// Runs of `cell`: per hidden size, the accuracies (in 64ths) of seeds 1, 2, 3, as the known
    /// sweep's epochs (epoch 2 the best), `seconds` per epoch, `params` per hidden size.
    private func runs(_ cell: String, _ accuracy64: [Int: [Int]], seconds: Double, params: [Int: Int], from id: Int) -> [SweepRun] {
        var runs: [SweepRun] = []
        for hidden in [8, 16] {
            for (seedIndex, sixtyFourths) in accuracy64[hidden]!.enumerated() {
                let accuracy = Double(sixtyFourths) / 64, number = id + runs.count
                let epochs = [(0.9375, 0.25), (1 - accuracy, accuracy), (1 - accuracy + 2.0 / 64, accuracy - 8.0 / 64)]
                    .enumerated().map { index, values in
                        EpochRecord(runId: 0, epoch: index + 1, valLoss: values.0, valMetric: values.1,
                                    seconds: seconds, tokensPerSecond: 1000 / seconds)
                    }
                runs.append(SweepRun(id: Int64(number), planIndex: number,
                                     config: ["cell": .string(cell), "hidden": .number(Double(hidden)), "lr": .number(0.01),
                                              "seed": .number(Double(seedIndex + 1)), "batch": .number(32)],
                                     cell: cell, hidden: hidden, lr: 0.01, seed: seedIndex + 1, status: .finished,
                                     paramCount: params[hidden], epochsPlanned: 3, epochs: epochs))
            }
        }
        return runs
    }

    private let gruAccuracy = [8: [48, 50, 52], 16: [56, 57, 58]]
    private let lstmAccuracy = [8: [40, 44, 48], 16: [58, 56, 60]]
    private let lstmRuns: (GRUFormsVerdictTests) -> [SweepRun] = { test in
        test.runs("lstm", test.lstmAccuracy, seconds: 1.5, params: [8: 352, 16: 1216], from: 100)
    }

    func testPlainGRUAndLSTMSweepReadsExactlyAsBefore() throws {
        let data = SweepData(sweep: sweep, runs: runs("gru", gruAccuracy, seconds: 1, params: [8: 264, 16: 912], from: 1) + lstmRuns(self))
        let report = ComparisonReport(data)
        // The known sweep's golden verdict (Golden/known-best.txt), less its "still running" line.
        XCTAssertEqual(report.verdictParagraphs(), [
            "GRU vs LSTM on accuracy: GRU better in 4 and LSTM in 2 of 6 paired runs (same configuration and seed); Wilcoxon signed-rank p = 0.31: not significant at the 5% level (could be seed noise; more seeds would tell).",
            "Effect size: the median GRU − LSTM difference in accuracy is 0.0391 (95% bootstrap interval -0.0312 to 0.109 over the pairs, including 0); relative to LSTM, +5.1% (interval -3.4% to +16.8%).",
            "Per configuration (Welch's t-test over seeds, p-values Holm-adjusted over the 2 configurations tested): GRU wins 0 and LSTM 0 of 2 at the 5% level; 2 are not settled by these seeds.",
            "Speed: GRU trains 1.5× as fast as LSTM per epoch (median over the pairs).",
            "The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: GRU faster — supported; LSTM more accurate — not supported.",
            "Best gru: hidden=16, accuracy 0.8906 ± 0.016 (n=3), 78.1% better than the trivial baseline 0.5.",
            "Best lstm: hidden=16, accuracy 0.9062 ± 0.031 (n=3), 81.2% better than the trivial baseline 0.5.",
        ])
    }

    func testPyTorchGRUAndLSTMSweepGetsAPairedVerdict() throws {
        // gru_reset_after h8 has LSTM h8's 352 parameters: one comparison at equal size, which it wins (50 vs 44).
        let data = SweepData(sweep: sweep, runs: runs("gru_reset_after", gruAccuracy, seconds: 1, params: [8: 352, 16: 912], from: 1)
                             + lstmRuns(self))
        let report = ComparisonReport(data)
        let lines = report.verdictParagraphs()
        let text = lines.joined(separator: "\n")
        XCTAssertFalse(text.contains("no paired verdict"), text)
        // The pair is (lstm, gru_reset_after) in reading order: the effect is LSTM − GRU, the known −2.5/64.
        let pair = try XCTUnwrap(report.paired.first { $0.cellA == "lstm" && $0.cellB == "gru_reset_after" })
        let interval = try XCTUnwrap(pair.medianDifferenceInterval)
        XCTAssertEqual(interval.estimate, -2.5 / 64)
        XCTAssertEqual(lines.count, 8, text)
        XCTAssertEqual(lines[0], "GRU (PyTorch form, gru_reset_after) vs LSTM on accuracy: GRU (PyTorch form) better in 4 and LSTM in 2 of 6 paired runs (same configuration and seed); Wilcoxon signed-rank p = 0.31: not significant at the 5% level (could be seed noise; more seeds would tell).")
        XCTAssertEqual(lines[1], "Effect size: the median LSTM − GRU (PyTorch form) difference in accuracy is -0.0391 (95% bootstrap interval "
                       + "\(formatNumber(interval.low, digits: 3)) to \(formatNumber(interval.high, digits: 3)) over the pairs, including 0); relative to GRU (PyTorch form), -"
                       + "\(formatPercent(abs(pair.relativeEffect!.estimate))) (interval -\(formatPercent(abs(pair.relativeEffect!.low))) to +\(formatPercent(pair.relativeEffect!.high))).")
        XCTAssertLessThan(interval.low, 0)
        XCTAssertGreaterThan(interval.high, 0)
        XCTAssertEqual(lines[2], "Per configuration (Welch's t-test over seeds, p-values Holm-adjusted over the 2 configurations tested): GRU (PyTorch form) wins 0 and LSTM 0 of 2 at the 5% level; 2 are not settled by these seeds.")
        XCTAssertEqual(lines[3], "Speed: GRU (PyTorch form) trains 1.5× as fast as LSTM per epoch (median over the pairs).")
        XCTAssertEqual(lines[4], "At nearly equal parameter count (within 10.0%): GRU (PyTorch form) wins 1, LSTM 0 of 1 comparisons.")
        XCTAssertEqual(lines[5], "The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: GRU (PyTorch form) faster — supported; LSTM more accurate — not supported.")
        XCTAssertEqual(lines[6], "Best lstm: hidden=16, accuracy 0.9062 ± 0.031 (n=3), 81.2% better than the trivial baseline 0.5.")
        XCTAssertEqual(lines[7], "Best gru_reset_after: hidden=16, accuracy 0.8906 ± 0.016 (n=3), 78.1% better than the trivial baseline 0.5.")

        // Text, markdown and html carry the verdict; json and csv carry the pair's numbers behind it.
        for format in [ReportFormat.text, .markdown, .html] {
            let rendered = try ReportRunner.render(report, of: data, format: format)
            XCTAssertTrue(rendered.contains("GRU (PyTorch form, gru_reset_after) vs LSTM on accuracy: GRU (PyTorch form) better in 4 and LSTM in 2"), "\(format)")
            XCTAssertTrue(rendered.contains("GRU (PyTorch form) trains 1.5× as fast as LSTM"), "\(format)")
        }
        let json = try ReportRunner.render(report, of: data, format: .json)
        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: Data(json.utf8))
        XCTAssertEqual(decoded.paired.first { $0.cellA == "lstm" && $0.cellB == "gru_reset_after" }, pair)
        let csv = parseCSV(try ReportRunner.render(report, of: data, format: .csv))
        XCTAssertTrue(csv.contains(["paired", "", "", "lstm vs gru_reset_after", "pairs", "6"]), "the paired table has the pair")
        XCTAssertTrue(csv.contains(["paired", "", "", "lstm vs gru_reset_after", "b_better", "4"]), "GRU (PyTorch form) better in 4")
    }

    func testThreeCellSweepGetsAVerdictPerGRUForm() throws {
        let data = SweepData(sweep: sweep, runs: runs("gru", gruAccuracy, seconds: 1, params: [8: 264, 16: 912], from: 1)
                             + runs("gru_reset_after", [8: [44, 46, 48], 16: [60, 61, 62]], seconds: 1.2, params: [8: 264, 16: 912], from: 50)
                             + lstmRuns(self))
        let report = ComparisonReport(data)
        let lines = report.verdictParagraphs()
        let text = lines.joined(separator: "\n")
        let seedForm = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("GRU (seed form, gru) vs LSTM on accuracy: ") }, text)
        let pyTorchForm = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("GRU (PyTorch form, gru_reset_after) vs LSTM on accuracy: ") }, text)
        XCTAssertLessThan(seedForm, pyTorchForm, "the seed's form first")
        // The seed's form: the known pairs, named as the seed's form.
        XCTAssertEqual(lines[seedForm], "GRU (seed form, gru) vs LSTM on accuracy: GRU (seed form) better in 4 and LSTM in 2 of 6 paired runs (same configuration and seed); Wilcoxon signed-rank p = 0.31: not significant at the 5% level (could be seed noise; more seeds would tell).")
        XCTAssertTrue(lines[seedForm + 1].hasPrefix("Effect size: the median GRU (seed form) − LSTM difference in accuracy is 0.0391 (95% bootstrap interval -0.0312 to 0.109"), text)
        // Per configuration, gru and lstm are never first and second (h8: gru, gru_reset_after; h16:
        // gru_reset_after, lstm), so the seed's form has no such line; PyTorch's has one configuration.
        let seedBlock = lines[seedForm..<pyTorchForm]
        XCTAssertFalse(seedBlock.contains { $0.hasPrefix("Per configuration") }, text)
        XCTAssertTrue(seedBlock.contains("Speed: GRU (seed form) trains 1.5× as fast as LSTM per epoch (median over the pairs)."), text)
        XCTAssertTrue(seedBlock.contains("The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: GRU (seed form) faster — supported; LSTM more accurate — not supported."), text)
        // PyTorch's form against LSTM: differences 4 2 0 / 2 5 2 in 64ths: better in 5, one tie.
        XCTAssertTrue(lines[pyTorchForm].contains(": GRU (PyTorch form) better in 5 and LSTM in 0 of 6 paired runs (same configuration and seed; 1 tied); Wilcoxon signed-rank p = "), text)
        let pair = try XCTUnwrap(report.paired.first { $0.cellA == "lstm" && $0.cellB == "gru_reset_after" })
        XCTAssertEqual(pair.medianDifferenceInterval?.estimate, -2 / 64)
        let pyTorchBlock = lines[pyTorchForm...]
        XCTAssertTrue(pyTorchBlock.contains { $0.hasPrefix("Effect size: the median LSTM − GRU (PyTorch form) difference in accuracy is -0.0312 ") }, text)
        let h16 = try XCTUnwrap(report.configurations.first { $0.label == "hidden=16" })
        XCTAssertEqual(h16.winner, "gru_reset_after")
        XCTAssertEqual(h16.runnerUp, "lstm")
        XCTAssertEqual(h16.significant, false, "3 of 64 ahead over 3 seeds (sd 1 and 2) does not survive Holm")
        XCTAssertTrue(pyTorchBlock.contains("Per configuration (Welch's t-test over seeds, p-values Holm-adjusted over the 2 configurations tested): "
                                            + "GRU (PyTorch form) wins 0 and LSTM 0 of 1 configurations where they placed first and second, at the 5% level; 1 are not settled by these seeds."), text)
        XCTAssertTrue(pyTorchBlock.contains("Speed: GRU (PyTorch form) trains 1.25× as fast as LSTM per epoch (median over the pairs)."), text)
        XCTAssertTrue(pyTorchBlock.contains("The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: GRU (PyTorch form) faster — supported; LSTM more accurate — not supported."), text)
        // Then each cell's best configuration, in reading order.
        XCTAssertEqual(lines.filter { $0.hasPrefix("Best ") }.map { String($0.prefix(while: { $0 != ":" })) },
                       ["Best gru", "Best lstm", "Best gru_reset_after"])
        XCTAssertTrue(renderMarkdown(report.document()).contains("GRU (PyTorch form) better in 5 and LSTM in 0 of 6"))
    }

    func testAGRUFormWithoutPairsSaysSoBesideTheOther() throws {
        // gru_reset_after ran but every run failed: the seed's form keeps its verdict.
        var failed = runs("gru_reset_after", gruAccuracy, seconds: 1, params: [8: 264, 16: 912], from: 50)
        for index in failed.indices { failed[index].status = .failed }
        let data = SweepData(sweep: sweep, runs: runs("gru", gruAccuracy, seconds: 1, params: [8: 264, 16: 912], from: 1) + failed + lstmRuns(self))
        let lines = ComparisonReport(data).verdictParagraphs()
        XCTAssertTrue(lines[0].hasPrefix("GRU (seed form, gru) vs LSTM on accuracy: GRU (seed form) better in 4 and LSTM in 2 of 6"), "\(lines)")
        XCTAssertTrue(lines.contains("The sweep has no finished GRU (PyTorch form, gru_reset_after) and LSTM runs with matching configuration and seed, so no paired verdict."), "\(lines)")
    }

    func testOnATestSplitTheVerdictSaysSoOnce() throws {
        // The three-cell sweep with test numbers equal to the validation ones, ranked on test.
        var all = runs("gru", gruAccuracy, seconds: 1, params: [8: 264, 16: 912], from: 1)
            + runs("gru_reset_after", [8: [44, 46, 48], 16: [60, 61, 62]], seconds: 1.2, params: [8: 264, 16: 912], from: 50)
            + lstmRuns(self)
        for index in all.indices {
            all[index].epochs = all[index].epochs.map { epoch in
                var epoch = epoch
                epoch.testLoss = epoch.valLoss
                epoch.testMetric = epoch.valMetric
                return epoch
            }
        }
        let lines = ComparisonReport(SweepData(sweep: sweep, runs: all)).verdictParagraphs()
        XCTAssertTrue(lines[0].hasPrefix("Selected on validation, reported on test: GRU (seed form, gru) vs LSTM on test accuracy: GRU (seed form) better in 4"), "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("Selected on validation") }.count, 1, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("GRU (PyTorch form, gru_reset_after) vs LSTM on test accuracy: GRU (PyTorch form) better in 5") }, "\(lines)")
    }
}
