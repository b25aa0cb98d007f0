// Everything a sweep needs before its scheduler starts: the validated spec,
// the task built from it, the plan (or one shard of it), and its rows in the database.

import Foundation
import ResultsStore
import SequenceModels
import Tasks

public struct SweepSetup: Sendable {
    public let spec: Spec
    public let task: any SequenceTask
    /// The runs this process works on: the whole plan, or one shard of it.
    public var entries: [PlanEntry]
    /// Every run of the plan (equal to `entries` without a shard).
    public let planEntries: [PlanEntry]
    /// The spec's successive halving over the whole plan, nil without `halving`. Built once
    /// here: it encodes and hashes every run's seedless configuration.
    public let halving: Halving?

    init(spec: Spec, task: any SequenceTask, entries: [PlanEntry], planEntries: [PlanEntry]) {
        self.spec = spec
        self.task = task
        self.entries = entries
        self.planEntries = planEntries
        self.halving = spec.halving.map { Halving(rule: $0, entries: planEntries, epochs: spec.base.epochs,
                                                  metricHigherIsBetter: task.metricHigherIsBetter) }
    }

    /// Reads and validates the spec (task parameters included) and builds the task, once:
    /// the task the validation builds is the one the sweep trains on (for charlm the corpus
    /// is read once; a generated task, adding, copy or reber, makes its examples on first use,
    /// when the sweep trains, so that validation and `--dry-run` generate no data). Then checks that every run of the plan fits in `memoryLimit` bytes
    /// (``MemoryEstimate``). Throws `SpecError` listing every problem found; nothing is
    /// written anywhere.
    public static func load(specPath: String, shard: (index: Int, count: Int)? = nil,
                            memoryLimit: Int = MemoryEstimate.defaultLimit) throws -> SweepSetup {
        let specDirectory = URL(fileURLWithPath: specPath).deletingLastPathComponent()
        var builtTask: (any SequenceTask)?
        let spec = try Spec.load(path: specPath) { name, parameters in
            do {
                builtTask = try TaskFactory.make(name: name, parameters: parameters, specDirectory: specDirectory)
                return []
            } catch let error as TaskParameterError {
                return error.problems
            } catch {
                return [TaskProblem(path: "task", message: "\(error)")]
            }
        }
        guard let task = builtTask else {
            // Spec.load validates the task block of every spec it accepts, so this is unreachable.
            throw SpecError(file: specPath, problems: [SpecProblem(path: "task", message: "the task was not built")])
        }
        let plan = Plan(spec: spec, task: task)
        var estimates = MemoryRefusalMemo(task: task, limit: memoryLimit)
        let tooLarge = plan.entries.compactMap { entry -> SpecProblem? in
            estimates.refusal(entry.config).map {
                SpecProblem(path: "plan run \(entry.index) (\(entry.config.label))", message: $0)
            }
        }
        if !tooLarge.isEmpty {
            let shown = Array(tooLarge.prefix(maxListedProblems))
            let more = tooLarge.count > shown.count
                ? [SpecProblem(path: "plan", message: "and \(tooLarge.count - shown.count) more runs too large for memory or for a checkpoint")] : []
            throw SpecError(file: specPath, problems: shown + more)
        }
        let entries = shard.map { plan.shard($0.index, of: $0.count) } ?? plan.entries
        return SweepSetup(spec: spec, task: task, entries: entries, planEntries: plan.entries)
    }

    /// At most this many runs are listed one per line when they are refused.
    static let maxListedProblems = 10

    /// The parameter count of an entry's model on this task.
    public func parameterCount(_ entry: PlanEntry) -> Int {
        Trainer.modelConfig(entry.config, task: task).parameterCount
    }

    /// ``parameterCount(_:)`` of each entry, in order (each model shape counted once).
    public func parameterCounts(_ entries: [PlanEntry]) -> [Int] {
        var counts = ParameterCountMemo()
        return entries.map { counts.count(Trainer.modelConfig($0.config, task: task)) }
    }

    /// `--retry-failed`: sets this process's failed runs back to `interrupted` so that they
    /// continue from their last checkpoint, except runs of configurations that halving pruned
    /// (they stay failed: nothing may train them further). Returns how many.
    @discardableResult
    public func retryFailedRuns(in database: ResultsDatabase, sweepId: Int64) throws -> Int {
        var hashes = entries.configHashes
        if let halving {
            let standings = halving.standings(try database.halvingDecisions(sweepId: sweepId))
            hashes = hashes.filter { halving.epochLimit(ofRun: $0, standings: standings) != nil }
        }
        return try database.retryFailedRuns(sweepId: sweepId, configHashes: hashes)
    }

    /// Creates (or finds) the sweep and inserts the plan's runs; existing runs are kept.
    ///
    /// Throws ``HalvingRuleChanged`` (and changes nothing) when the sweep already has halving
    /// decisions taken under another `halving` rule (or the spec drops `halving`), unless
    /// `fresh`: its pruned runs and kept runs would otherwise come from one rule and its later
    /// rungs from another, a result no spec describes.
    public func register(in database: ResultsDatabase, fresh: Bool) throws -> SweepRecord {
        let description = SweepDescription(name: spec.name, specJSON: spec.sourceJSON, task: task.name,
                                           metricName: task.metricName, metricHigherIsBetter: task.metricHigherIsBetter,
                                           baselineLoss: task.baseline.loss, baselineMetric: task.baseline.metric,
                                           baselineTestLoss: task.baseline.testLoss, baselineTestMetric: task.baseline.testMetric)
        // Checked in the transaction that replaces the recorded spec: a rung another process
        // decides meanwhile is seen.
        let sweep = try database.createOrGetSweep(description, fresh: fresh) { recordedSpec, decided in
            if decided { try HalvingRuleChanged.check(recordedSpecJSON: recordedSpec, given: spec.halving, moment: .registering) }
        }
        _ = try database.insertPlan(sweepId: sweep.id!, runs: zip(entries, parameterCounts(entries)).map { $0.plannedRun(paramCount: $1) })
        return sweep
    }
}

/// A sweep with halving decisions rerun with another `halving` rule (see ``SweepSetup/register(in:fresh:)``),
/// or a decision about to be taken under another rule than the sweep's recorded spec gives.
public struct HalvingRuleChanged: Error, CustomStringConvertible {
    /// Registering a spec on a sweep with decisions, or deciding a rung.
    public enum Moment: Sendable { case registering, deciding }
    public let name: String, recorded: String, given: String
    public var moment: Moment = .registering

    /// Throws when a sweep's recorded spec (its `sweeps.spec_json`) gives another `halving`
    /// rule than `given`. A recorded spec this runner cannot read is not checked.
    public static func check(recordedSpecJSON: String, given: HalvingRule?, moment: Moment) throws {
        guard let recorded = try? Spec.parse(recordedSpecJSON) else { return }
        if recorded.halving != given {
            throw HalvingRuleChanged(name: recorded.name, recorded: summary(recorded.halving), given: summary(given), moment: moment)
        }
    }

    /// `"halving": {"min_epochs": 1, "eta": 2, "monitor": "val_loss"}`, or `no "halving"`.
    static func summary(_ rule: HalvingRule?) -> String {
        guard let rule else { return "no \"halving\"" }
        return "\"halving\": {\"min_epochs\": \(rule.minEpochs), \"eta\": \(rule.eta), \"monitor\": \"\(rule.monitor.rawValue)\"}"
    }

    public var description: String {
        switch moment {
        case .registering:
            return "sweep '\(name)' in this database was pruned with \(recorded), but the spec gives \(given); nothing was changed: "
                + "give the spec another \"name\", another --db, or --fresh to replace that sweep's runs"
        case .deciding:
            return "sweep '\(name)' in this database is registered with \(recorded), but this spec gives \(given); "
                + "no rung was decided: decide with the spec the sweep is registered with"
        }
    }
}
