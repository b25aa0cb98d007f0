// The verdict: a few sentences at the top of the report that answer the sweep's
// question from the numbers below them — for each GRU form in the sweep (the seed's `gru`,
// then PyTorch's `gru_reset_after`), which of it and LSTM did better, whether the difference
// is beyond seed noise, which is faster, and what that says about the seed's closing claim
// ("GRU: simple & faster, LSTM: powerful & flexible").

import Foundation

/// How the verdict names the cells of one GRU-vs-LSTM pair.
struct VerdictNames {
    /// The GRU form's cell name in the database.
    var cell: String
    /// Its name in the sentences: "GRU" when it is the seed's form and the sweep's only GRU form.
    var gru: String
    /// Its name where its pair's sentences begin (with the cell name when the form is qualified).
    var title: String

    /// The GRU forms the verdict compares with LSTM, in the order it reports them.
    static let gruCells = ["gru", "gru_reset_after"]

    /// The names of `cell` in a sweep with `sweepCells`: the seed's form is plain "GRU" unless
    /// PyTorch's form is also in the sweep; PyTorch's form is always named as such.
    init(cell: String, sweepCells: Set<String>) {
        self.cell = cell
        switch cell {
        case "gru" where !sweepCells.contains("gru_reset_after"):
            gru = "GRU"; title = "GRU"
        case "gru":
            gru = "GRU (seed form)"; title = "GRU (seed form, gru)"
        case "gru_reset_after":
            gru = "GRU (PyTorch form)"; title = "GRU (PyTorch form, gru_reset_after)"
        default:
            gru = cell.uppercased(); title = gru
        }
    }

    /// A cell of the pair as the sentences name it.
    func name(_ other: String) -> String { other == cell ? gru : other.uppercased() }
}

extension ComparisonReport {
    /// Significance level of the verdict's paired test.
    static let verdictLevel = 0.05
    /// Speed ratios within this distance of 1 count as "about as fast" (timings are noisy).
    static let sameSpeed = 0.05

    /// The verdict's sentences: per GRU form in the sweep, its paired comparison with LSTM
    /// (or a line saying there is none), then each cell's best configuration.
    func verdictParagraphs() -> [String] {
        var lines: [String] = []
        let sweepCells = Set(standings.map(\.cell))
        // Without LSTM (or without any GRU form) one line says there is nothing to pair.
        let forms = sweepCells.contains("lstm") ? VerdictNames.gruCells.filter(sweepCells.contains) : []
        var prefixed = false
        for form in forms {
            let names = VerdictNames(cell: form, sweepCells: sweepCells)
            if let pair = paired.first(where: { Set([$0.cellA, $0.cellB]) == [form, "lstm"] }), pair.pairs > 0 {
                lines += pairVerdict(pair, names: names, prefix: onTest && !prefixed ? "Selected on validation, reported on test: " : "")
                prefixed = true
            } else {
                lines.append(noPairLine(names.title))
            }
        }
        if forms.isEmpty { lines.append(noPairLine("GRU")) }
        let label = metricLabel
        for cell in standings.map(\.cell) {
            guard let best = bestConfiguration(of: cell) else { continue }
            var line = "Best \(cell): \(best.label), \(label) \(best.stat)"
            let compared = comparedBaseline(of: sweep, onTest: onTest)
            let baseline = rankedBy.isMetric ? compared.metric : compared.loss
            if let baseline, baseline != 0, let beats = best.result.beatsBaseline {
                let higherIsBetter = rankedBy.isMetric && sweep.metricHigherIsBetter
                let gain = (higherIsBetter ? best.mean - baseline : baseline - best.mean) / abs(baseline)
                line += beats ? ", \(formatPercent(gain)) better than the trivial baseline \(formatNumber(baseline))"
                    : ", NOT better than the trivial baseline \(formatNumber(baseline)): it learned nothing"
            }
            lines.append(line + ".")
        }
        if inProgress { lines.append("The sweep is still running: this verdict covers the finished runs only.") }
        return lines
    }

    /// The line for a GRU form present in the sweep without finished runs paired with LSTM.
    private func noPairLine(_ title: String) -> String {
        "The sweep has no finished \(title) and LSTM runs with matching configuration and seed, so no paired verdict."
    }

    /// The sentences of one GRU form against LSTM: paired wins with the Wilcoxon test, the effect
    /// size, Holm-adjusted wins per configuration, speed, equal parameter count, the seed's claim.
    private func pairVerdict(_ pair: PairedComparison, names: VerdictNames, prefix: String) -> [String] {
        var lines: [String] = []
        let label = metricLabel
        let gru = names.gru, cells: Set = [names.cell, "lstm"]
        let gruIsA = pair.cellA == names.cell
        let gruBetter = gruIsA ? pair.aBetter : pair.bBetter
        let lstmBetter = gruIsA ? pair.bBetter : pair.aBetter
        let ties = pair.pairs - gruBetter - lstmBetter
        var line = prefix + "\(names.title) vs LSTM on \(label): \(gru) better in \(gruBetter) and LSTM in \(lstmBetter) of \(pair.pairs) paired runs (same configuration and seed"
            + (ties > 0 ? "; \(ties) tied)" : ")")
        if let test = pair.metricWilcoxon ?? pair.lossWilcoxon {
            let significant = test.pValue < Self.verdictLevel
            line += "; Wilcoxon signed-rank p = \(formatNumber(test.pValue, digits: 2)): "
            line += significant ? "a difference beyond seed noise at the 5% level."
                : "not significant at the 5% level (could be seed noise; more seeds would tell)."
        } else {
            line += "."
        }
        lines.append(line)
        // The effect is A − B as the head-to-head table has it (A is the cell first in reading order).
        if let interval = pair.medianDifferenceInterval {
            var effect = "Effect size: the median \(names.name(pair.cellA)) − \(names.name(pair.cellB)) difference in \(label) is \(formatNumber(interval.estimate, digits: 3)) "
                + "(95% bootstrap interval \(formatNumber(interval.low, digits: 3)) to \(formatNumber(interval.high, digits: 3)) over the pairs"
                + (interval.excludesZero ? ", excluding 0)" : ", including 0)")
            if let relative = pair.relativeEffect {
                effect += "; relative to \(names.name(pair.cellB)), \(signedPercent(relative.estimate)) (interval \(signedPercent(relative.low)) to \(signedPercent(relative.high)))"
            }
            lines.append(effect + ".")
        }
        // A configuration's test is of its winner against its runner-up: with more than two cells,
        // only the configurations where this pair placed first and second count here.
        let tested = configurations.filter { $0.adjustedPValue != nil && Set([$0.winner, $0.runnerUp]) == cells }
        if !tested.isEmpty {
            let gruWins = tested.filter { $0.significant == true && $0.winner == names.cell }.count
            let lstmWins = tested.filter { $0.significant == true && $0.winner == "lstm" }.count
            let among = standings.count > 2 ? " configurations where they placed first and second," : ""
            lines.append("Per configuration (Welch's t-test over seeds, p-values Holm-adjusted over the \(configurations.filter { $0.adjustedPValue != nil }.count) configurations tested): "
                         + "\(gru) wins \(gruWins) and LSTM \(lstmWins) of \(tested.count)\(among) at the 5% level; "
                         + "\(tested.count - gruWins - lstmWins) are not settled by these seeds.")
        }
        // speedRatio: B's seconds per epoch / A's; above 1, A is faster.
        let gruSpeedup = pair.speedRatio.map { gruIsA ? $0 : 1 / $0 }
        if let gruSpeedup {
            let ratio = formatNumber(max(gruSpeedup, 1 / gruSpeedup), digits: 3)
            lines.append("Speed: " + (abs(gruSpeedup - 1) < Self.sameSpeed ? "\(gru) and LSTM train about as fast per epoch (ratio \(formatNumber(gruSpeedup, digits: 3)), median over the pairs)."
                : gruSpeedup > 1 ? "\(gru) trains \(ratio)× as fast as LSTM per epoch (median over the pairs)."
                : "LSTM trains \(ratio)× as fast as \(gru) per epoch (median over the pairs)."))
        }
        let sameSize = equalSize.comparisons.filter { Set([$0.cellA, $0.cellB]) == cells }
        if !sameSize.isEmpty {
            let gruWins = sameSize.filter { $0.winner == names.cell }.count
            let lstmWins = sameSize.filter { $0.winner == "lstm" }.count
            let noisy = sameSize.filter { $0.withinNoise == true }.count
            lines.append("At nearly equal parameter count (within \(formatPercent(equalSize.tolerance))): \(gru) wins \(gruWins), LSTM \(lstmWins) of \(sameSize.count) comparisons"
                         + (noisy > 0 ? " (\(noisy) within seed noise)." : "."))
        }
        let faster = gruSpeedup.map { $0 > 1 + Self.sameSpeed }
        let lstmMoreAccurate = lstmBetter > gruBetter
            && ((pair.metricWilcoxon ?? pair.lossWilcoxon).map { $0.pValue < Self.verdictLevel } ?? false)
        lines.append("The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: \(gru) faster — "
                     + (faster.map { $0 ? "supported" : "not supported" } ?? "not measured")
                     + "; LSTM more accurate — " + (lstmMoreAccurate ? "supported" : "not supported") + ".")
        return lines
    }

    /// A fraction as a signed percentage: -0.853 → "-85.3%".
    private func signedPercent(_ fraction: Double) -> String {
        (fraction < 0 ? "-" : "+") + formatPercent(abs(fraction))
    }

    /// The configuration where `cell` has its best mean ranking quantity.
    private func bestConfiguration(of cell: String) -> (label: String, stat: String, mean: Double, result: CellResult)? {
        let higherIsBetter = rankedBy.isMetric && sweep.metricHigherIsBetter
        var best: (label: String, mean: Double, stat: SummaryStat, result: CellResult)?
        for configuration in configurations {
            guard let result = configuration.cells.first(where: { $0.cell == cell }),
                  let stat = result.stat(rankedBy) else { continue }
            if best == nil || (higherIsBetter ? stat.mean > best!.mean : stat.mean < best!.mean) {
                best = (configuration.label, stat.mean, stat, result)
            }
        }
        guard let best else { return nil }
        let text = formatNumber(best.stat.mean) + (best.stat.sd.map { " ± " + formatNumber($0, digits: 2) } ?? "") + " (n=\(best.stat.n))"
        return (best.label, text, best.mean, best.result)
    }
}
