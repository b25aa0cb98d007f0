// Section 1 of the comparison: per configuration (every grid axis but cell and seed), each
// cell's statistics over its finished seeds, the winner, the margin and whether it is within noise,
// and Welch's test of winner against runner-up with p-values adjusted over the configurations.
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// Family-wise level of the per-configuration tests (after Holm's adjustment).
    static let configurationLevel = 0.05

    /// One result per configuration in key order, and each configuration's cells by name.
    func configurations() -> (results: [ConfigurationResult], cellsByKey: [[ConfigValue]: [String: CellResult]]) {
        var configurations: [ConfigurationResult] = []
        var cellResultsByKey: [[ConfigValue]: [String: CellResult]] = [:]
        for key in configurationKeys {
            let group = byConfiguration[key]!
            let cells = Set(group.map(\.run.cell)).sorted(by: cellOrder)
            var results: [CellResult] = []
            for cell in cells {
                let runs = group.filter { $0.run.cell == cell }
                let done = runs.filter { $0.run.status == .finished }
                let diverged = runs.filter { $0.run.status == .diverged }.count
                let pruned = runs.filter { $0.run.status == .pruned }.count
                let valLoss = SummaryStat(done.compactMap(\.valLoss))
                let metric = SummaryStat(done.compactMap(\.metric))
                let testLoss = SummaryStat(done.compactMap(\.testLoss))
                let testMetric = SummaryStat(done.compactMap(\.testMetric))
                // Judged on the split the cells are ranked on, against that split's baseline.
                let comparedLoss = reportedOnTest ? testLoss : valLoss
                let comparedMetric = reportedOnTest ? testMetric : metric
                var beatsBaseline: Bool?
                if let baseline = comparedBaselineMetric, let comparedMetric {
                    beatsBaseline = higherIsBetter ? comparedMetric.mean > baseline : comparedMetric.mean < baseline
                } else if comparedBaselineMetric == nil, let baseline = comparedBaselineLoss, let comparedLoss {
                    beatsBaseline = comparedLoss.mean < baseline
                }
                results.append(CellResult(
                    cell: cell, runs: runs.count, finished: done.count, diverged: diverged,
                    otherUnfinished: runs.count - done.count - diverged - pruned, pruned: pruned > 0 ? pruned : nil,
                    valLoss: valLoss, metric: metric, testLoss: testLoss, testMetric: testMetric,
                    bestEpoch: SummaryStat(done.compactMap { $0.bestEpoch.map(Double.init) }),
                    secondsPerEpoch: SummaryStat(done.compactMap(\.secondsPerEpoch)),
                    tokensPerSecond: SummaryStat(done.compactMap(\.tokensPerSecond)),
                    paramCount: runs.compactMap(\.run.paramCount).max(),
                    beatsBaseline: beatsBaseline))
            }
            cellResultsByKey[key] = Dictionary(uniqueKeysWithValues: results.map { ($0.cell, $0) })
            func rankingStat(_ result: CellResult) -> SummaryStat? { result.stat(rankedBy) }
            // Ties go to the lower mean loss of the same split.
            let tieLoss: RankingQuantity = rankedBy.onTest ? .testLoss : .valLoss
            let competing = results.filter { rankingStat($0) != nil }.sorted { a, b in
                let x = rankingStat(a)!.mean, y = rankingStat(b)!.mean
                if x != y { return better(x, y) }
                return (a.stat(tieLoss)?.mean ?? .infinity) < (b.stat(tieLoss)?.mean ?? .infinity)
            }
            var configuration = ConfigurationResult(
                label: label(key, axes: configurationAxes),
                settings: zip(configurationAxes, key).map { AxisSetting(axis: $0, value: $1.description) },
                cells: results, winner: nil, runnerUp: nil, relativeDifference: nil, withinNoise: nil)
            if competing.count >= 2 {
                let winner = rankingStat(competing[0])!, runnerUp = rankingStat(competing[1])!
                configuration.winner = competing[0].cell
                configuration.runnerUp = competing[1].cell
                configuration.relativeDifference = runnerUp.mean == 0 ? nil
                    : abs(winner.mean - runnerUp.mean) / abs(runnerUp.mean)
                configuration.withinNoise = withinNoise(winner, runnerUp)
                let seeds = { (cell: String) in group.filter { $0.run.cell == cell && $0.run.status == .finished }.compactMap { $0.value(rankedBy) } }
                configuration.test = welchTTest(seeds(competing[0].cell), seeds(competing[1].cell))
            }
            configurations.append(configuration)
        }
        // Holm-Bonferroni over the configurations that have a test.
        let tested = configurations.indices.filter { configurations[$0].test != nil }
        for (index, adjusted) in zip(tested, holmAdjusted(tested.map { configurations[$0].test!.pValue })) {
            configurations[index].adjustedPValue = adjusted
            configurations[index].significant = adjusted < Self.configurationLevel
        }
        return (configurations, cellResultsByKey)
    }
}
