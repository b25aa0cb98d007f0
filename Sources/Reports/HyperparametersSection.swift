// Section 3 of the comparison, hyperparameters: the share of the ranking quantity's variance
// each axis explains (main effects), over all cells and per cell, and each cell's best
// learning rate per hidden size.
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// Main-effect variance shares: over all cells, then per cell when there are several.
    func variance() -> [VarianceAnalysis] {
        var variance: [VarianceAnalysis] = []
        let scopes: [(String, [RunOutcome])] = [("all cells", finished)]
            + (allCells.count > 1 ? allCells.map { cell in (cell, finished.filter { $0.run.cell == cell }) } : [])
        for (scope, runs) in scopes {
            let measured = runs.compactMap { outcome in outcome.value(rankedBy).map { (outcome, $0) } }
            guard measured.count >= 2 else { continue }
            let mean = measured.reduce(0) { $0 + $1.1 } / Double(measured.count)
            let total = measured.reduce(0) { $0 + ($1.1 - mean) * ($1.1 - mean) }
            var shares: [VarianceShare] = []
            for axis in axes where !(scope != "all cells" && axis == "cell") {
                let levels = Dictionary(grouping: measured) { $0.0.run.config[axis] ?? .null }
                guard levels.count >= 2, total > 0 else { continue }
                let between = levels.values.reduce(0.0) { sum, members in
                    let levelMean = members.reduce(0) { $0 + $1.1 } / Double(members.count)
                    return sum + Double(members.count) * (levelMean - mean) * (levelMean - mean)
                }
                shares.append(VarianceShare(axis: axis, levels: levels.count, share: between / total))
            }
            shares.sort { $0.share > $1.share }
            variance.append(VarianceAnalysis(
                scope: scope, runs: measured.count, totalSumOfSquares: total, shares: shares,
                remainder: total > 0 ? 1 - shares.reduce(0) { $0 + $1.share } : nil))
        }
        return variance
    }

    /// Per cell and hidden size: the learning rate with the best mean, and the runner-up.
    func bestLearningRates() -> [BestLearningRate] {
        var bestLearningRates: [BestLearningRate] = []
        for cell in allCells {
            let cellRuns = finished.filter { $0.run.cell == cell }
            for hidden in Set(cellRuns.map(\.run.hidden)).sorted() {
                let byRate = Dictionary(grouping: cellRuns.filter { $0.run.hidden == hidden }, by: \.run.lr)
                let rated = byRate.compactMap { lr, runs in SummaryStat(runs.compactMap { $0.value(rankedBy) }).map { (lr, $0) } }
                    .sorted { $0.1.mean != $1.1.mean ? better($0.1.mean, $1.1.mean) : $0.0 < $1.0 }
                guard let best = rated.first else { continue }
                let runnerUp = rated.count > 1 ? rated[1] : nil
                bestLearningRates.append(BestLearningRate(
                    cell: cell, hidden: hidden, lr: best.0, stat: best.1, learningRatesTried: rated.count,
                    runnerUpLr: runnerUp?.0, withinNoise: runnerUp.flatMap { withinNoise(best.1, $0.1) }))
            }
        }
        return bestLearningRates
    }
}
