// The verdict: a few sentences at the top of the report that answer the sweep's
// question from the numbers below them — which of GRU and LSTM did better, whether
// the difference is beyond seed noise, which is faster, and what that says about
// the seed's closing claim ("GRU: simple & faster, LSTM: powerful & flexible").

import Foundation

extension ComparisonReport {
    /// Significance level of the verdict's paired test.
    static let verdictLevel = 0.05
    /// Speed ratios within this distance of 1 count as "about as fast" (timings are noisy).
    static let sameSpeed = 0.05

    /// The verdict's sentences (empty when the sweep has no finished runs).
    func verdictParagraphs() -> [String] {
        var lines: [String] = []
        let label = metricLabel
        if let pair = paired.first(where: { Set([$0.cellA, $0.cellB]) == ["gru", "lstm"] }), pair.pairs > 0 {
            let gruIsA = pair.cellA == "gru"
            let gruBetter = gruIsA ? pair.aBetter : pair.bBetter
            let lstmBetter = gruIsA ? pair.bBetter : pair.aBetter
            let ties = pair.pairs - gruBetter - lstmBetter
            var line = (onTest ? "Selected on validation, reported on test: " : "") + "GRU vs LSTM on \(label): GRU better in \(gruBetter) and LSTM in \(lstmBetter) of \(pair.pairs) paired runs (same configuration and seed"
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
            if let interval = pair.medianDifferenceInterval {
                var effect = "Effect size: the median \(pair.cellA.uppercased()) − \(pair.cellB.uppercased()) difference in \(label) is \(formatNumber(interval.estimate, digits: 3)) "
                    + "(95% bootstrap interval \(formatNumber(interval.low, digits: 3)) to \(formatNumber(interval.high, digits: 3)) over the pairs"
                    + (interval.excludesZero ? ", excluding 0)" : ", including 0)")
                if let relative = pair.relativeEffect {
                    effect += "; relative to \(pair.cellB.uppercased()), \(signedPercent(relative.estimate)) (interval \(signedPercent(relative.low)) to \(signedPercent(relative.high)))"
                }
                lines.append(effect + ".")
            }
            let tested = configurations.filter { $0.adjustedPValue != nil && Set([$0.winner, $0.runnerUp]) == ["gru", "lstm"] }
            if !tested.isEmpty {
                let gruWins = tested.filter { $0.significant == true && $0.winner == "gru" }.count
                let lstmWins = tested.filter { $0.significant == true && $0.winner == "lstm" }.count
                lines.append("Per configuration (Welch's t-test over seeds, p-values Holm-adjusted over the \(configurations.filter { $0.adjustedPValue != nil }.count) configurations tested): "
                             + "GRU wins \(gruWins) and LSTM \(lstmWins) of \(tested.count) at the 5% level; "
                             + "\(tested.count - gruWins - lstmWins) are not settled by these seeds.")
            }
            // speedRatio: B's seconds per epoch / A's; above 1, A is faster.
            let gruSpeedup = pair.speedRatio.map { gruIsA ? $0 : 1 / $0 }
            if let gruSpeedup {
                let ratio = formatNumber(max(gruSpeedup, 1 / gruSpeedup), digits: 3)
                lines.append("Speed: " + (abs(gruSpeedup - 1) < Self.sameSpeed ? "GRU and LSTM train about as fast per epoch (ratio \(formatNumber(gruSpeedup, digits: 3)), median over the pairs)."
                    : gruSpeedup > 1 ? "GRU trains \(ratio)× as fast as LSTM per epoch (median over the pairs)."
                    : "LSTM trains \(ratio)× as fast as GRU per epoch (median over the pairs)."))
            }
            let sameSize = equalSize.comparisons.filter { Set([$0.cellA, $0.cellB]) == ["gru", "lstm"] }
            if !sameSize.isEmpty {
                let gruWins = sameSize.filter { $0.winner == "gru" }.count
                let lstmWins = sameSize.filter { $0.winner == "lstm" }.count
                let noisy = sameSize.filter { $0.withinNoise == true }.count
                lines.append("At nearly equal parameter count (within \(formatPercent(equalSize.tolerance))): GRU wins \(gruWins), LSTM \(lstmWins) of \(sameSize.count) comparisons"
                             + (noisy > 0 ? " (\(noisy) within seed noise)." : "."))
            }
            let faster = gruSpeedup.map { $0 > 1 + Self.sameSpeed }
            let lstmMoreAccurate = lstmBetter > gruBetter
                && ((pair.metricWilcoxon ?? pair.lossWilcoxon).map { $0.pValue < Self.verdictLevel } ?? false)
            lines.append("The seed's \"GRU: simple & faster, LSTM: powerful & flexible\" on this sweep: GRU faster — "
                         + (faster.map { $0 ? "supported" : "not supported" } ?? "not measured")
                         + "; LSTM more accurate — " + (lstmMoreAccurate ? "supported" : "not supported") + ".")
        } else {
            lines.append("The sweep has no finished GRU and LSTM runs with matching configuration and seed, so no paired verdict.")
        }
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
