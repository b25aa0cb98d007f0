// The GRU-vs-LSTM comparison of one sweep, computed from plain values (no database): per
// configuration tables, head to head with a paired test, hyperparameter effects, unfinished runs.
import Foundation
import ResultsStore

/// Which epoch of a run the report reads.
public enum ReportPoint: String, Sendable, Codable, CaseIterable {
    /// The epoch with the lowest validation loss (early stopping on the loss; the task metric
    /// is read at that same epoch, never selected on itself).
    case best
    /// The last recorded epoch.
    case final
}

/// The quantity cells are ranked by.
public enum RankingQuantity: String, Sendable, Codable {
    /// The task metric (direction from `sweeps.metric_higher_is_better`).
    case metric
    /// Validation loss (lower is better), used when no run recorded a metric.
    case valLoss = "val_loss"
}

/// Settings of the report that are not in the database.
public struct ReportOptions: Sendable, Equatable {
    public var at: ReportPoint
    /// Validation loss that "time to target" measures against; `nil`: per configuration, the
    /// mean best validation loss of the worse of GRU and LSTM (of all cells if not both ran).
    public var targetLoss: Double?
    /// Largest relative difference |pA − pB| / max(pA, pB) of parameter counts that counts as
    /// "nearly equal size".
    public var equalSizeTolerance: Double

    public init(at: ReportPoint = .best, targetLoss: Double? = nil, equalSizeTolerance: Double = 0.10) {
        self.at = at
        self.targetLoss = targetLoss
        self.equalSizeTolerance = equalSizeTolerance
    }
}

/// One grid axis and its value in a configuration.
public struct AxisSetting: Sendable, Equatable, Codable {
    public var axis: String
    public var value: String
}

/// One cell in one configuration: statistics over its finished runs (seeds).
public struct CellResult: Sendable, Equatable, Codable {
    public var cell: String
    /// Runs of this cell and configuration, any status.
    public var runs: Int
    /// Finished runs: the n of the statistics.
    public var finished: Int
    /// Runs marked diverged.
    public var diverged: Int
    /// Runs neither finished nor diverged (failed, interrupted, pending, running).
    public var otherUnfinished: Int
    public var valLoss: SummaryStat?
    public var metric: SummaryStat?
    /// Epoch of the lowest validation loss.
    public var bestEpoch: SummaryStat?
    public var secondsPerEpoch: SummaryStat?
    public var tokensPerSecond: SummaryStat?
    public var paramCount: Int?
    /// Whether the mean is better than the trivial baseline (metric if the sweep has a
    /// baseline metric, else validation loss); `nil` without a baseline.
    public var beatsBaseline: Bool?
}

/// One configuration (all grid axes but cell and seed) with its cells side by side.
public struct ConfigurationResult: Sendable, Equatable, Codable {
    public var label: String
    public var settings: [AxisSetting]
    public var cells: [CellResult]
    /// The cell with the best mean of the ranking quantity (ties: lower mean validation loss).
    public var winner: String?
    public var runnerUp: String?
    /// |winner − runner-up| / |runner-up| of the ranking quantity's means.
    public var relativeDifference: Double?
    /// True when |winner − runner-up| < √(sd_winner² + sd_runnerUp²): the difference is
    /// within seed noise. `nil` when either has fewer than 2 seeds.
    public var withinNoise: Bool?
}

/// Head to head, per cell over all configurations.
public struct CellStanding: Sendable, Equatable, Codable {
    public var cell: String
    /// Configurations where the cell was ranked (it and at least one other cell have a value).
    public var configurations: Int
    public var wins: Int
    /// Mean over those configurations of the cell's rank (1 = best, ties share the average rank).
    public var meanRank: Double?
    /// Median over finished runs of seconds per epoch.
    public var medianSecondsPerEpoch: Double?
    public var medianTokensPerSecond: Double?
    public var finishedRuns: Int
}

/// Cell A against cell B over runs matched on (configuration, seed), both finished.
public struct PairedComparison: Sendable, Equatable, Codable {
    public var cellA: String
    public var cellB: String
    public var pairs: Int
    /// Pairs where A's ranking quantity is better than B's, and the reverse.
    public var aBetter: Int
    public var bBetter: Int
    /// Median of (A − B) of the ranking quantity.
    public var medianDifference: Double?
    /// Wilcoxon signed-rank test on d = metric(A) − metric(B) (`nil` without metrics).
    public var metricTest: WilcoxonResult?
    /// Wilcoxon signed-rank test on d = valLoss(A) − valLoss(B).
    public var valLossTest: WilcoxonResult?
    /// Median over pairs of secondsPerEpoch(B) / secondsPerEpoch(A): above 1, A is faster.
    public var speedRatio: Double?
}

/// A configuration of cell A against one of cell B that shares every other setting but the
/// hidden size, with parameter counts compared (Chung et al. 2014 compared at equal size).
public struct EqualSizeComparison: Sendable, Equatable, Codable {
    public var cellA: String
    public var cellB: String
    /// Settings the two share (all configuration axes but hidden).
    public var sharedSettings: String
    public var hiddenA: Int
    public var hiddenB: Int
    public var paramsA: Int
    public var paramsB: Int
    /// |paramsA − paramsB| / max(paramsA, paramsB).
    public var relativeParamDifference: Double
    public var withinTolerance: Bool
    public var statA: SummaryStat?
    public var statB: SummaryStat?
    public var winner: String?
    public var withinNoise: Bool?
}

public struct EqualSizeSection: Sendable, Equatable, Codable {
    public var tolerance: Double
    /// Pairs of configurations within the tolerance.
    public var comparisons: [EqualSizeComparison]
    /// For each pair of cells with no configuration pair within the tolerance, the closest pair.
    public var closestOutsideTolerance: [EqualSizeComparison]
}

public struct CellTimeToTarget: Sendable, Equatable, Codable {
    public var cell: String
    public var runs: Int
    /// Runs whose validation loss reached the target at some epoch.
    public var reached: Int
    /// First epoch with val loss ≤ target, over the runs that reached it.
    public var epochs: SummaryStat?
    /// Training seconds summed up to that epoch, over the runs that reached it.
    public var seconds: SummaryStat?
}

public struct TimeToTarget: Sendable, Equatable, Codable {
    public var configuration: String
    public var targetLoss: Double
    /// "flag" when given on the command line, else the cell whose mean best val loss set it.
    public var targetFrom: String
    public var cells: [CellTimeToTarget]
}

public struct VarianceShare: Sendable, Equatable, Codable {
    public var axis: String
    public var levels: Int
    /// Between-level sum of squares / total sum of squares.
    public var share: Double
}

/// Main-effect variance decomposition of the ranking quantity over finished runs.
public struct VarianceAnalysis: Sendable, Equatable, Codable {
    /// "all cells" or one cell's name.
    public var scope: String
    public var runs: Int
    public var totalSumOfSquares: Double
    /// Axes with at least two levels in the scope, largest share first.
    public var shares: [VarianceShare]
    /// 1 − Σ shares: interactions and seed noise (exact only for a balanced grid).
    public var remainder: Double?
}

public struct BestLearningRate: Sendable, Equatable, Codable {
    public var cell: String
    public var hidden: Int
    public var lr: Double
    /// The ranking quantity at this learning rate, over seeds and any other axes.
    public var stat: SummaryStat
    public var learningRatesTried: Int
    public var runnerUpLr: Double?
    public var withinNoise: Bool?
}

public struct StatusCount: Sendable, Equatable, Codable {
    public var status: RunStatus
    public var count: Int
}

/// A run that did not finish, listed so that nothing is dropped silently.
public struct UnfinishedRun: Sendable, Equatable, Codable {
    public var runId: Int64
    public var planIndex: Int
    public var configuration: String
    public var cell: String
    public var seed: Int
    public var status: RunStatus
    public var epochsDone: Int
    public var epochsPlanned: Int
    public var error: String?
}

/// The whole comparison of one sweep.
public struct ComparisonReport: Sendable, Equatable, Codable {
    public var sweep: SweepInfo
    public var at: ReportPoint
    public var rankedBy: RankingQuantity
    /// Config keys whose values differ between the sweep's runs.
    public var axes: [String]
    /// The axes that make a configuration (all but cell and seed).
    public var configurationAxes: [String]
    public var totalRuns: Int
    public var statusCounts: [StatusCount]
    /// Runs are still pending or running.
    public var inProgress: Bool
    public var configurations: [ConfigurationResult]
    public var standings: [CellStanding]
    public var paired: [PairedComparison]
    public var equalSize: EqualSizeSection
    public var timeToTarget: [TimeToTarget]
    public var variance: [VarianceAnalysis]
    public var bestLearningRates: [BestLearningRate]
    public var unfinishedRuns: [UnfinishedRun]
}

// MARK: - Computing the report

/// What the report reads from one run.
struct RunOutcome {
    var run: SweepRun
    var configurationKey: [ConfigValue]
    /// Validation loss and metric at the report point.
    var valLoss: Double?
    var metric: Double?
    var bestEpoch: Int?
    var bestValLoss: Double?
    var secondsPerEpoch: Double?
    var tokensPerSecond: Double?

    init(run: SweepRun, configurationKey: [ConfigValue], at point: ReportPoint) {
        self.run = run
        self.configurationKey = configurationKey
        let best = run.epochs.filter { ($0.valLoss ?? .nan).isFinite }.min { $0.valLoss! < $1.valLoss! }
        bestEpoch = best?.epoch
        bestValLoss = best?.valLoss
        let read: RunEpoch?
        switch point {
        case .best: read = best
        case .final: read = run.epochs.last
        }
        valLoss = read?.valLoss.flatMap { $0.isFinite ? $0 : nil }
        metric = read?.valMetric.flatMap { $0.isFinite ? $0 : nil }
        secondsPerEpoch = SummaryStat(run.epochs.compactMap(\.seconds))?.mean
        tokensPerSecond = SummaryStat(run.epochs.compactMap(\.tokensPerSecond))?.mean
    }

    func value(_ quantity: RankingQuantity) -> Double? {
        quantity == .metric ? metric : valLoss
    }
}

/// Cells in reading order: rnn, gru, lstm, then others by name.
func cellOrder(_ a: String, _ b: String) -> Bool {
    let known = ["rnn", "gru", "lstm"]
    switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
    case let (x?, y?): return x < y
    case (_?, nil): return true
    case (nil, _?): return false
    default: return a < b
    }
}

/// Axes in reading order: model and training fields first, then the task's, then the rest.
func axisOrder(_ a: String, _ b: String) -> Bool {
    let known = ["cell", "hidden", "lr", "lr_schedule", "batch", "epochs", "optimizer", "momentum", "rmsprop_momentum",
                 "weight_decay", "clip_norm", "clip_value", "forget_bias", "seed"]
    switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
    case let (x?, y?): return x < y
    case (_?, nil): return true
    case (nil, _?): return false
    default: return a < b
    }
}

extension ComparisonReport {
    /// Computes the comparison of `data` (pure: same input, same report).
    public init(_ data: SweepData, options: ReportOptions = ReportOptions()) {
        let sweep = data.sweep
        let higherIsBetter = sweep.metricHigherIsBetter

        // Axes: keys whose value differs between runs (a missing key reads as null).
        let keys = Set(data.runs.flatMap { $0.config.keys })
        let axes = keys.filter { key in
            Set(data.runs.map { $0.config[key] ?? .null }).count > 1
        }.sorted(by: axisOrder)
        let configurationAxes = axes.filter { $0 != "cell" && $0 != "seed" }

        let outcomes = data.runs.map { run in
            RunOutcome(run: run, configurationKey: configurationAxes.map { run.config[$0] ?? .null }, at: options.at)
        }
        let finished = outcomes.filter { $0.run.status == .finished }
        let rankedBy: RankingQuantity = finished.contains { $0.metric != nil } ? .metric : .valLoss
        /// Whether mean `a` is better than mean `b` of the ranking quantity.
        func better(_ a: Double, _ b: Double) -> Bool {
            rankedBy == .metric && higherIsBetter ? a > b : a < b
        }
        func orientedLowerIsBetter(_ value: Double) -> Double {
            rankedBy == .metric && higherIsBetter ? -value : value
        }
        func withinNoise(_ a: SummaryStat, _ b: SummaryStat) -> Bool? {
            guard let sdA = a.sd, let sdB = b.sd else { return nil }
            return abs(a.mean - b.mean) < (sdA * sdA + sdB * sdB).squareRoot()
        }
        func label(_ key: [ConfigValue], axes names: [String]) -> String {
            configurationLabel(key, axes: names)
        }
        func keyOrder(_ a: [ConfigValue], _ b: [ConfigValue]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return ConfigValue.ascending(x, y) }
            return false
        }

        // 1. Per configuration.
        let byConfiguration = Dictionary(grouping: outcomes, by: \.configurationKey)
        let configurationKeys = byConfiguration.keys.sorted(by: keyOrder)
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
                let valLoss = SummaryStat(done.compactMap(\.valLoss))
                let metric = SummaryStat(done.compactMap(\.metric))
                var beatsBaseline: Bool?
                if let baseline = sweep.baselineMetric, let metric {
                    beatsBaseline = higherIsBetter ? metric.mean > baseline : metric.mean < baseline
                } else if sweep.baselineMetric == nil, let baseline = sweep.baselineLoss, let valLoss {
                    beatsBaseline = valLoss.mean < baseline
                }
                results.append(CellResult(
                    cell: cell, runs: runs.count, finished: done.count, diverged: diverged,
                    otherUnfinished: runs.count - done.count - diverged,
                    valLoss: valLoss, metric: metric,
                    bestEpoch: SummaryStat(done.compactMap { $0.bestEpoch.map(Double.init) }),
                    secondsPerEpoch: SummaryStat(done.compactMap(\.secondsPerEpoch)),
                    tokensPerSecond: SummaryStat(done.compactMap(\.tokensPerSecond)),
                    paramCount: runs.compactMap(\.run.paramCount).max(),
                    beatsBaseline: beatsBaseline))
            }
            cellResultsByKey[key] = Dictionary(uniqueKeysWithValues: results.map { ($0.cell, $0) })
            func rankingStat(_ result: CellResult) -> SummaryStat? {
                rankedBy == .metric ? result.metric : result.valLoss
            }
            let competing = results.filter { rankingStat($0) != nil }.sorted { a, b in
                let x = rankingStat(a)!.mean, y = rankingStat(b)!.mean
                if x != y { return better(x, y) }
                return (a.valLoss?.mean ?? .infinity) < (b.valLoss?.mean ?? .infinity)
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
            }
            configurations.append(configuration)
        }

        // 2. Head to head: standings.
        let allCells = Set(data.runs.map(\.cell)).sorted(by: cellOrder)
        var rankSums: [String: (sum: Double, count: Int)] = [:]
        var wins: [String: Int] = [:]
        for configuration in configurations {
            if let winner = configuration.winner { wins[winner, default: 0] += 1 }
            let competing = configuration.cells.compactMap { result -> (String, Double)? in
                guard let stat = rankedBy == .metric ? result.metric : result.valLoss else { return nil }
                return (result.cell, orientedLowerIsBetter(stat.mean))
            }
            guard competing.count >= 2 else { continue }
            for (entry, rank) in zip(competing, averageRanks(competing.map(\.1))) {
                rankSums[entry.0, default: (0, 0)].sum += rank
                rankSums[entry.0, default: (0, 0)].count += 1
            }
        }
        let standings = allCells.map { cell -> CellStanding in
            let runs = finished.filter { $0.run.cell == cell }
            let ranks = rankSums[cell]
            return CellStanding(
                cell: cell, configurations: ranks?.count ?? 0, wins: wins[cell] ?? 0,
                meanRank: ranks.map { $0.sum / Double($0.count) },
                medianSecondsPerEpoch: median(runs.compactMap(\.secondsPerEpoch)),
                medianTokensPerSecond: median(runs.compactMap(\.tokensPerSecond)),
                finishedRuns: runs.count)
        }

        // Head to head: paired over (configuration, seed).
        var cellPairs: [(String, String)] = []
        for (i, a) in allCells.enumerated() { for b in allCells[(i + 1)...] { cellPairs.append((a, b)) } }
        // GRU vs LSTM, the question of the report, comes first.
        cellPairs = cellPairs.filter { $0 == ("gru", "lstm") } + cellPairs.filter { $0 != ("gru", "lstm") }
        struct PairKey: Hashable { var configuration: [ConfigValue]; var seed: Int }
        var finishedByCell: [String: [PairKey: RunOutcome]] = [:]
        for outcome in finished {
            finishedByCell[outcome.run.cell, default: [:]][PairKey(configuration: outcome.configurationKey, seed: outcome.run.seed)] = outcome
        }
        var paired: [PairedComparison] = []
        for (cellA, cellB) in cellPairs {
            let runsA = finishedByCell[cellA] ?? [:], runsB = finishedByCell[cellB] ?? [:]
            let matches = runsA.keys.filter { runsB[$0] != nil }.sorted { keyOrder($0.configuration, $1.configuration) || ($0.configuration == $1.configuration && $0.seed < $1.seed) }
            let pairs = matches.map { (runsA[$0]!, runsB[$0]!) }
            let rankingPairs = pairs.compactMap { a, b -> (Double, Double)? in
                guard let x = a.value(rankedBy), let y = b.value(rankedBy) else { return nil }
                return (x, y)
            }
            guard !rankingPairs.isEmpty else { continue }
            let metricDifferences = pairs.compactMap { a, b in a.metric.flatMap { x in b.metric.map { x - $0 } } }
            let lossDifferences = pairs.compactMap { a, b in a.valLoss.flatMap { x in b.valLoss.map { x - $0 } } }
            let speed = pairs.compactMap { a, b -> Double? in
                guard let x = a.secondsPerEpoch, let y = b.secondsPerEpoch, x > 0 else { return nil }
                return y / x
            }
            paired.append(PairedComparison(
                cellA: cellA, cellB: cellB, pairs: rankingPairs.count,
                aBetter: rankingPairs.filter { better($0.0, $0.1) }.count,
                bBetter: rankingPairs.filter { better($0.1, $0.0) }.count,
                medianDifference: median(rankingPairs.map { $0.0 - $0.1 }),
                metricTest: metricDifferences.isEmpty ? nil : wilcoxonSignedRank(metricDifferences),
                valLossTest: lossDifferences.isEmpty ? nil : wilcoxonSignedRank(lossDifferences),
                speedRatio: median(speed)))
        }

        // Head to head at nearly equal parameter count.
        let hiddenIndex = configurationAxes.firstIndex(of: "hidden")
        var equalComparisons: [EqualSizeComparison] = []
        var closest: [EqualSizeComparison] = []
        for (cellA, cellB) in cellPairs {
            var candidates: [EqualSizeComparison] = []
            for keyA in configurationKeys {
                guard let resultA = cellResultsByKey[keyA]?[cellA], let paramsA = resultA.paramCount else { continue }
                var shared = keyA
                if let hiddenIndex { shared.remove(at: hiddenIndex) }
                for keyB in configurationKeys {
                    var sharedB = keyB
                    if let hiddenIndex { sharedB.remove(at: hiddenIndex) }
                    guard sharedB == shared, let resultB = cellResultsByKey[keyB]?[cellB],
                          let paramsB = resultB.paramCount, max(paramsA, paramsB) > 0 else { continue }
                    let difference = Double(abs(paramsA - paramsB)) / Double(max(paramsA, paramsB))
                    let statA = rankedBy == .metric ? resultA.metric : resultA.valLoss
                    let statB = rankedBy == .metric ? resultB.metric : resultB.valLoss
                    var winner: String?
                    var noise: Bool?
                    if let statA, let statB, statA.mean != statB.mean {
                        winner = better(statA.mean, statB.mean) ? cellA : cellB
                        noise = withinNoise(statA, statB)
                    }
                    let sharedAxes = configurationAxes.filter { $0 != "hidden" }
                    candidates.append(EqualSizeComparison(
                        cellA: cellA, cellB: cellB, sharedSettings: label(shared, axes: sharedAxes),
                        hiddenA: byConfiguration[keyA]!.first!.run.hidden,
                        hiddenB: byConfiguration[keyB]!.first!.run.hidden,
                        paramsA: paramsA, paramsB: paramsB, relativeParamDifference: difference,
                        withinTolerance: difference <= options.equalSizeTolerance,
                        statA: statA, statB: statB, winner: winner, withinNoise: noise))
                }
            }
            let within = candidates.filter(\.withinTolerance)
            if within.isEmpty {
                if let nearest = candidates.min(by: { $0.relativeParamDifference < $1.relativeParamDifference }) {
                    closest.append(nearest)
                }
            } else {
                equalComparisons += within
            }
        }

        // Epochs and seconds to reach a target loss.
        var timeToTarget: [TimeToTarget] = []
        for (key, configuration) in zip(configurationKeys, configurations) {
            let results = configuration.cells
            let contenders = results.filter { $0.cell == "gru" || $0.cell == "lstm" }
            let targetCells = contenders.count == 2 ? contenders : results
            let group = byConfiguration[key]!.filter { $0.run.status == .finished }
            var target = options.targetLoss
            var targetFrom = "flag"
            if target == nil {
                let bestLosses = targetCells.compactMap { result -> (String, Double)? in
                    SummaryStat(group.filter { $0.run.cell == result.cell }.compactMap(\.bestValLoss)).map { (result.cell, $0.mean) }
                }
                guard let worse = bestLosses.max(by: { $0.1 < $1.1 }) else { continue }
                target = worse.1
                targetFrom = worse.0
            }
            let targetLoss = target!
            let cells = results.map { result -> CellTimeToTarget in
                let runs = group.filter { $0.run.cell == result.cell }
                var epochs: [Double] = [], seconds: [Double] = []
                for outcome in runs {
                    var elapsed: Double? = 0
                    for record in outcome.run.epochs {
                        if let spent = record.seconds { elapsed? += spent } else { elapsed = nil }
                        if let loss = record.valLoss, loss.isFinite, loss <= targetLoss {
                            epochs.append(Double(record.epoch))
                            if let elapsed { seconds.append(elapsed) }
                            break
                        }
                    }
                }
                return CellTimeToTarget(cell: result.cell, runs: runs.count, reached: epochs.count,
                                        epochs: SummaryStat(epochs), seconds: SummaryStat(seconds))
            }
            timeToTarget.append(TimeToTarget(configuration: configuration.label, targetLoss: targetLoss,
                                             targetFrom: targetFrom, cells: cells))
        }

        // 3. Hyperparameters: main-effect variance shares, best learning rate.
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

        // 4. Runs that did not finish.
        let statusCounts = RunStatus.allCases.compactMap { status -> StatusCount? in
            let count = data.runs.filter { $0.status == status }.count
            return count > 0 ? StatusCount(status: status, count: count) : nil
        }
        let statusRank = Dictionary(uniqueKeysWithValues: RunStatus.allCases.enumerated().map { ($1, $0) })
        let unfinished = outcomes.filter { $0.run.status != .finished }
            .sorted { (statusRank[$0.run.status]!, $0.run.planIndex) < (statusRank[$1.run.status]!, $1.run.planIndex) }
            .map { outcome in
                UnfinishedRun(runId: outcome.run.id, planIndex: outcome.run.planIndex,
                              configuration: label(outcome.configurationKey, axes: configurationAxes),
                              cell: outcome.run.cell, seed: outcome.run.seed, status: outcome.run.status,
                              epochsDone: outcome.run.epochs.count, epochsPlanned: outcome.run.epochsPlanned,
                              error: outcome.run.error)
            }

        self.init(
            sweep: sweep, at: options.at, rankedBy: rankedBy, axes: axes, configurationAxes: configurationAxes,
            totalRuns: data.runs.count, statusCounts: statusCounts,
            inProgress: data.runs.contains { $0.status == .pending || $0.status == .running },
            configurations: configurations, standings: standings, paired: paired,
            equalSize: EqualSizeSection(tolerance: options.equalSizeTolerance, comparisons: equalComparisons,
                                        closestOutsideTolerance: closest),
            timeToTarget: timeToTarget, variance: variance, bestLearningRates: bestLearningRates,
            unfinishedRuns: unfinished)
    }
}
