// Section 2 of the comparison, head to head: each cell's wins and mean rank over the
// configurations, and every pair of cells compared run against run on the same configuration
// and seed (sign counts, median difference and relative effect with bootstrap intervals,
// Wilcoxon signed-rank tests, speed ratio).
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// Per cell: configurations ranked in, wins, mean rank, median speed.
    func standings(_ configurations: [ConfigurationResult]) -> [CellStanding] {
        var rankSums: [String: (sum: Double, count: Int)] = [:]
        var wins: [String: Int] = [:], significantWins: [String: Int] = [:]
        for configuration in configurations {
            if let winner = configuration.winner {
                wins[winner, default: 0] += 1
                if configuration.significant == true { significantWins[winner, default: 0] += 1 }
            }
            let competing = configuration.cells.compactMap { result -> (String, Double)? in
                guard let stat = result.stat(rankedBy) else { return nil }
                return (result.cell, orientedLowerIsBetter(stat.mean))
            }
            guard competing.count >= 2 else { continue }
            for (entry, rank) in zip(competing, averageRanks(competing.map(\.1))) {
                rankSums[entry.0, default: (0, 0)].sum += rank
                rankSums[entry.0, default: (0, 0)].count += 1
            }
        }
        return allCells.map { cell -> CellStanding in
            let runs = finished.filter { $0.run.cell == cell }
            let ranks = rankSums[cell]
            return CellStanding(
                cell: cell, configurations: ranks?.count ?? 0, wins: wins[cell] ?? 0, significantWins: significantWins[cell] ?? 0,
                meanRank: ranks.map { $0.sum / Double($0.count) },
                medianSecondsPerEpoch: median(runs.compactMap(\.secondsPerEpoch)),
                medianTokensPerSecond: median(runs.compactMap(\.tokensPerSecond)),
                finishedRuns: runs.count)
        }
    }

    /// Per pair of cells (GRU vs LSTM first): the runs paired on configuration and seed.
    func paired() -> [PairedComparison] {
        struct PairKey: Hashable { var configuration: [ConfigValue]; var seed: Int }
        var finishedByCell: [String: [PairKey: RunOutcome]] = [:]
        for outcome in finished {
            finishedByCell[outcome.run.cell, default: [:]][PairKey(configuration: outcome.configurationKey, seed: outcome.run.seed)] = outcome
        }
        var paired: [PairedComparison] = []
        for (cellA, cellB) in cellPairs {
            let runsA = finishedByCell[cellA] ?? [:], runsB = finishedByCell[cellB] ?? [:]
            let matches = runsA.keys.filter { runsB[$0] != nil }.sorted { Self.keyOrder($0.configuration, $1.configuration) || ($0.configuration == $1.configuration && $0.seed < $1.seed) }
            let pairs = matches.map { (runsA[$0]!, runsB[$0]!) }
            let rankingPairs = pairs.compactMap { a, b -> (Double, Double)? in
                guard let x = a.value(rankedBy), let y = b.value(rankedBy) else { return nil }
                return (x, y)
            }
            guard !rankingPairs.isEmpty else { continue }
            // The Wilcoxon tests are on the split the cells are ranked on.
            let metricDifferences = pairedDifferences(pairs, reportedOnTest ? .testMetric : .metric)
            let lossDifferences = pairedDifferences(pairs, reportedOnTest ? .testLoss : .valLoss)
            let speed = pairs.compactMap { a, b -> Double? in
                guard let x = a.secondsPerEpoch, let y = b.secondsPerEpoch, x > 0 else { return nil }
                return y / x
            }
            let differences = rankingPairs.map { $0.0 - $0.1 }
            let relative = rankingPairs.filter { $0.1 != 0 }.map { ($0.0 - $0.1) / abs($0.1) }
            // One bootstrap for both when no pair has B = 0 (the usual case): the same resamples.
            let intervals = relative.count == differences.count ? bootstrapMedians([differences, relative])
                : bootstrapMedians([differences]).map { $0 + (bootstrapMedians([relative]) ?? []) }
            paired.append(PairedComparison(
                cellA: cellA, cellB: cellB, pairs: rankingPairs.count,
                aBetter: rankingPairs.filter { better($0.0, $0.1) }.count,
                bBetter: rankingPairs.filter { better($0.1, $0.0) }.count,
                medianDifference: median(differences),
                medianDifferenceInterval: intervals?.first,
                relativeEffect: (intervals?.count ?? 0) > 1 ? intervals![1] : nil,
                metricTest: reportedOnTest || metricDifferences.isEmpty ? nil : wilcoxonSignedRank(metricDifferences),
                valLossTest: reportedOnTest || lossDifferences.isEmpty ? nil : wilcoxonSignedRank(lossDifferences),
                testMetricWilcoxon: !reportedOnTest || metricDifferences.isEmpty ? nil : wilcoxonSignedRank(metricDifferences),
                testLossWilcoxon: !reportedOnTest || lossDifferences.isEmpty ? nil : wilcoxonSignedRank(lossDifferences),
                speedRatio: median(speed)))
        }
        return paired
    }

    /// A − B of `quantity` over the pairs where both have it.
    private func pairedDifferences(_ pairs: [(RunOutcome, RunOutcome)], _ quantity: RankingQuantity) -> [Double] {
        pairs.compactMap { a, b in a.value(quantity).flatMap { x in b.value(quantity).map { x - $0 } } }
    }
}
