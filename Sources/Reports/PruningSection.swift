// The pruning part of the comparison: what successive halving decided at each rung, which
// runs it pruned, which early stopping ended, and the compute saved against the full grid.
import Foundation
import ResultsStore

/// One rung of successive halving, over all its cohorts.
public struct RungSummary: Sendable, Equatable, Codable {
    public var rung: Int
    public var epoch: Int
    /// Configurations ranked at the rung, and how many were kept.
    public var configurations: Int
    public var kept: Int
    /// Runs pruned at the rung.
    public var prunedRuns: Int
    /// The best-ranked configuration of the rung (of its first cohort) and its score.
    public var best: String?
    public var bestScore: Double?
}

public struct PruningSummary: Sendable, Equatable, Codable {
    public var rungs: [RungSummary]
    public var prunedRuns: Int
    /// Finished runs that early stopping ended before their planned epochs.
    public var earlyStoppedRuns: Int
    /// Epochs recorded, and epochs of the full grid (every run to its planned epochs).
    public var epochsTrained: Int
    public var fullGridEpochs: Int
}

extension ComparisonInputs {
    /// Nil when no run was pruned or stopped early and there are no decisions.
    func pruning() -> PruningSummary? {
        let pruned = data.runs.filter { $0.status == .pruned }
        let early = data.runs.filter { $0.status == .finished && $0.stopEpoch != nil }
        guard !pruned.isEmpty || !early.isEmpty || !data.halvingDecisions.isEmpty else { return nil }
        let labels = configurationLabels()
        let rungs = Set(data.halvingDecisions.map(\.rung)).sorted().map { rung -> RungSummary in
            let ranked = data.halvingDecisions.filter { $0.rung == rung }
            let first = ranked.filter { $0.cohort == 1 }.min { $0.rank < $1.rank }
            return RungSummary(rung: rung, epoch: ranked[0].epoch, configurations: ranked.count,
                               kept: ranked.filter(\.kept).count, prunedRuns: pruned.filter { $0.prunedRung == rung }.count,
                               best: first.map { labels[$0.configuration] ?? String($0.configuration.prefix(12)) },
                               bestScore: first?.score)
        }
        return PruningSummary(rungs: rungs, prunedRuns: pruned.count, earlyStoppedRuns: early.count,
                              epochsTrained: data.runs.reduce(0) { $0 + $1.epochs.count },
                              fullGridEpochs: data.runs.reduce(0) { $0 + $1.epochsPlanned })
    }

    /// "cell=gru, hidden=32, lr=0.01" for each configuration hash (the seedless config hash
    /// that halving decisions name), from the decisions' own configuration JSON.
    private func configurationLabels() -> [String: String] {
        var labels: [String: String] = [:]
        let shown = ["cell"] + configurationAxes
        for decision in data.halvingDecisions where labels[decision.configuration] == nil {
            guard let config = try? parseRunConfig(decision.configurationJSON) else { continue }
            labels[decision.configuration] = shown.map { "\($0)=\((config[$0] ?? .null).description)" }.joined(separator: ", ")
        }
        return labels
    }
}
