// Synchronous successive halving (Jamieson & Talwalkar 2016; Li et al. 2017's inner loop):
// the spec's rule, its rungs, and the decisions as a pure function of recorded results.
import Foundation
import ResultsStore

/// `"halving": {"min_epochs": r, "eta": η, "monitor": "val_loss" | "val_metric"}`.
public struct HalvingRule: Sendable, Equatable {
    public var minEpochs: Int
    public var eta: Int
    public var monitor: MonitoredValue

    public init(minEpochs: Int, eta: Int, monitor: MonitoredValue = .valLoss) {
        self.minEpochs = minEpochs
        self.eta = eta
        self.monitor = monitor
    }

    public static let fieldNames = ["min_epochs", "eta", "monitor"]

    /// The rung epochs r, rη, rη², … strictly below `epochs`.
    public func rungs(epochs: Int) -> [Int] {
        var rungs: [Int] = []
        var epoch = minEpochs
        while epoch < epochs {
            rungs.append(epoch)
            epoch = epoch.multipliedReportingOverflow(by: eta).overflow ? epochs : epoch * eta
        }
        return rungs
    }
}

/// Where a configuration stands: still training towards a rung (or to the end), or pruned.
public enum ConfigurationStanding: Sendable, Equatable {
    /// Not yet ranked at rung `rung` (1-based), having been kept at every rung before it.
    case towards(rung: Int)
    /// Kept at every rung: trains to the last epoch.
    case throughAllRungs
    case pruned(rung: Int)
}

/// Successive halving over one plan.
///
/// A configuration is a run configuration without its seed; its runs are its seeds. At rung
/// k (epoch e_k), the configurations that were kept at every earlier rung and have no
/// decision at k yet form a cohort. The cohort is decided only when (1) no configuration of
/// the plan still waits for a decision at an earlier rung, and (2) every run of every cohort
/// configuration has recorded e_k epochs or has ended (finished early, diverged, failed).
/// Its score is the mean of its runs' monitored values at e_k, summed in plan order; a run
/// that stopped early (early stopping) counts with its last recorded value; a run that
/// diverged or failed before e_k, or a missing value, makes the score nil, which ranks
/// last. Ranking: best score first (lower, or higher for a metric that goes up), ties by
/// configuration hash; the first ⌈n/η⌉ are kept, the rest pruned. So a decision depends
/// on the recorded numbers alone, never on which run finished first.
///
/// Synchronous, not ASHA: asynchronous promotion ranks against whoever has reached a rung so
/// far, so its choices follow the order runs finish in. Waiting for the whole cohort makes the
/// decision reproducible; its cost is workers idle at a barrier while a rung's last runs train.
public struct Halving: Sendable {
    public let rule: HalvingRule
    public let epochs: Int
    public let rungEpochs: [Int]
    public let higherIsBetter: Bool
    /// Each configuration's hash, JSON and runs (config hashes in plan order), in plan order.
    let configurations: [(hash: String, json: String, runs: [String])]
    let configurationOfRun: [String: String]

    public init(rule: HalvingRule, entries: [PlanEntry], epochs: Int, metricHigherIsBetter: Bool) {
        self.rule = rule
        self.epochs = epochs
        self.rungEpochs = rule.rungs(epochs: epochs)
        self.higherIsBetter = rule.monitor.higherIsBetter(metricHigherIsBetter: metricHigherIsBetter)
        var order: [String] = []
        var byHash: [String: (json: String, runs: [String])] = [:]
        var ofRun: [String: String] = [:]
        for entry in entries {
            let json = entry.config.configurationJSONText   // encoded once: the hash is of these bytes
            let hash = ConfigHash.of(canonicalJSON: json)
            if byHash[hash] == nil {
                order.append(hash)
                byHash[hash] = (json, [])
            }
            byHash[hash]!.runs.append(entry.configHash)
            ofRun[entry.configHash] = hash
        }
        configurations = order.map { ($0, byHash[$0]!.json, byHash[$0]!.runs) }
        configurationOfRun = ofRun
    }

    /// The configuration (seedless hash) of a run.
    public func configuration(ofRun configHash: String) -> String? { configurationOfRun[configHash] }

    /// Each configuration's standing given the decisions so far.
    public func standings(_ decisions: [HalvingDecisionRecord]) -> [String: ConfigurationStanding] {
        var byKey: [DecisionKey: HalvingDecisionRecord] = [:]
        for decision in decisions { byKey[DecisionKey(decision)] = decision }
        var result: [String: ConfigurationStanding] = [:]
        for configuration in configurations {
            var standing = ConfigurationStanding.throughAllRungs
            for rung in rungEpochs.indices.map({ $0 + 1 }) {
                guard let decision = byKey[DecisionKey(rung: rung, configuration: configuration.hash)] else { standing = .towards(rung: rung); break }
                if !decision.kept { standing = .pruned(rung: rung); break }
            }
            result[configuration.hash] = standing
        }
        return result
    }

    /// How many epochs a run may have now: the epoch of its configuration's next undecided
    /// rung, or all `epochs`; nil when its configuration was pruned.
    public func epochLimit(ofRun configHash: String, standings: [String: ConfigurationStanding]) -> Int? {
        guard let configuration = configurationOfRun[configHash] else { return nil }
        switch standings[configuration] ?? .towards(rung: 1) {
        case .towards(let rung): return rungEpochs[rung - 1]
        case .throughAllRungs: return epochs
        case .pruned: return nil
        }
    }

    /// Every decision the snapshot allows, rung after rung, and the runs of pruned
    /// configurations that are not yet marked (including runs added to a configuration
    /// after it was pruned). Empty when nothing is to be decided.
    public func decide(_ snapshot: HalvingSnapshot, sweepId: Int64, now: String = ResultsDatabase.timestamp()) -> HalvingOutcome {
        let runsByHash = Dictionary(snapshot.runs.map { ($0.configHash, $0) }, uniquingKeysWith: { a, _ in a })
        var decisions = snapshot.decisions
        var outcome = HalvingOutcome()
        while let next = decideNextCohort(runsByHash: runsByHash, decisions: decisions, sweepId: sweepId, now: now) {
            decisions += next
            outcome.decisions += next
        }
        outcome.prunings = prunings(runsByHash: runsByHash, decisions: decisions)
        return outcome
    }

    /// The runs to mark pruned given `decisions` (for a database that received decisions
    /// taken elsewhere, e.g. a shard of a Slurm chain).
    public func prunings(_ snapshot: HalvingSnapshot) -> [RunPruning] {
        prunings(runsByHash: Dictionary(snapshot.runs.map { ($0.configHash, $0) }, uniquingKeysWith: { a, _ in a }),
                 decisions: snapshot.decisions)
    }

    private func prunings(runsByHash: [String: HalvingRunState], decisions: [HalvingDecisionRecord]) -> [RunPruning] {
        let standings = standings(decisions)
        // The first decision per (rung, configuration), looked up once per pruned configuration.
        let firstDecision = Dictionary(decisions.map { (DecisionKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        var result: [RunPruning] = []
        for configuration in configurations {
            guard case .pruned(let rung) = standings[configuration.hash],
                  let decision = firstDecision[DecisionKey(rung: rung, configuration: configuration.hash)] else { continue }
            let score = decision.score.map { "\($0)" } ?? "none (a seed diverged or failed)"
            let reason = "pruned at rung \(rung) (epoch \(decision.epoch)): rank \(decision.rank) of \(decision.cohortSize), \(rule.monitor.rawValue) \(score)"
            for hash in configuration.runs {
                guard let run = runsByHash[hash], !run.status.isTerminal else { continue }
                result.append(RunPruning(runId: run.runId, rung: rung, stopEpoch: run.epochsDone, reason: reason))
            }
        }
        return result
    }

    /// The lowest rung's cohort, ranked, when it can be decided.
    private func decideNextCohort(runsByHash: [String: HalvingRunState], decisions: [HalvingDecisionRecord],
                                  sweepId: Int64, now: String) -> [HalvingDecisionRecord]? {
        let standings = standings(decisions)
        let waiting = configurations.compactMap { configuration -> (rung: Int, configuration: (hash: String, json: String, runs: [String]))? in
            if case .towards(let rung) = standings[configuration.hash] { return (rung, configuration) }
            return nil
        }
        guard let rung = waiting.map(\.rung).min() else { return nil }
        let epoch = rungEpochs[rung - 1]
        let cohort = waiting.filter { $0.rung == rung }.map(\.configuration)
        var scored: [(hash: String, json: String, score: Double?, seeds: Int)] = []
        for configuration in cohort {
            var sum = 0.0, valid = true
            for hash in configuration.runs {
                guard let run = runsByHash[hash] else { return nil }       // not registered yet: wait
                switch value(of: run, atEpoch: epoch) {
                case .notYet: return nil
                case .value(let v): sum += v
                case .none: valid = false
                }
            }
            scored.append((configuration.hash, configuration.json, valid ? sum / Double(configuration.runs.count) : nil,
                           configuration.runs.count))
        }
        scored.sort { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where x != y: return higherIsBetter ? x > y : x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.hash < b.hash
            }
        }
        let keep = (scored.count + rule.eta - 1) / rule.eta
        let cohortNumber = (decisions.filter { $0.rung == rung }.map(\.cohort).max() ?? 0) + 1
        return scored.enumerated().map { index, entry in
            HalvingDecisionRecord(sweepId: sweepId, rung: rung, epoch: epoch, configuration: entry.hash,
                                  configurationJSON: entry.json, cohort: cohortNumber, cohortSize: scored.count,
                                  score: entry.score, rank: index + 1, kept: index < keep, seeds: entry.seeds, decidedAt: now)
        }
    }

    /// A decision's place: its rung and configuration.
    private struct DecisionKey: Hashable {
        var rung: Int
        var configuration: String
        init(rung: Int, configuration: String) { self.rung = rung; self.configuration = configuration }
        init(_ decision: HalvingDecisionRecord) { self.init(rung: decision.rung, configuration: decision.configuration) }
    }

    private enum RunValue { case notYet, value(Double), none }

    /// A run's monitored value at `epoch`, or why there is none.
    private func value(of run: HalvingRunState, atEpoch epoch: Int) -> RunValue {
        let monitored = { (e: HalvingEpoch) -> RunValue in
            self.rule.monitor.value(valLoss: e.valLoss, valMetric: e.valMetric).map { $0.isFinite ? .value($0) : .none } ?? .none
        }
        if run.epochsDone >= epoch {
            guard let recorded = run.epochs.first(where: { $0.epoch == epoch }) else { return .none }
            return monitored(recorded)
        }
        switch run.status {
        case .finished: return run.epochs.last.map(monitored) ?? .none     // stopped early: its last value
        case .diverged, .failed, .pruned: return .none
        default: return .notYet
        }
    }
}

extension HalvingOutcome {
    /// The rungs these decisions decide, lowest first: each with its epoch and how many
    /// configurations it ranked and kept (what `runner sweep` and `runner decide` print).
    public var decidedRungs: [(rung: Int, epoch: Int, kept: Int, ranked: Int)] {
        var byRung: [Int: (epoch: Int, kept: Int, ranked: Int)] = [:]
        for decision in decisions {
            var tally = byRung[decision.rung] ?? (decision.epoch, 0, 0)
            tally.ranked += 1
            if decision.kept { tally.kept += 1 }
            byRung[decision.rung] = tally
        }
        return byRung.keys.sorted().map { rung in
            let tally = byRung[rung]!
            return (rung, tally.epoch, tally.kept, tally.ranked)
        }
    }
}
