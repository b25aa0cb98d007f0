// The plan of a sweep: its runs, expanded from a spec (grid product or random samples),
// each with its canonical config JSON and hash, in a deterministic order.
import Foundation
import JSON
import ResultsStore
import SequenceModels
import Tasks

/// One run of the plan.
public struct PlanEntry: Sendable, Equatable {
    /// Position in the plan (0-based).
    public var index: Int
    public var config: RunConfig
    /// Canonical JSON of the configuration (`runs.config_json`).
    public var configJSON: String
    /// SHA-256 hex of `configJSON` (`runs.config_hash`).
    public var configHash: String

    public init(index: Int, config: RunConfig) {
        self.index = index
        self.config = config
        self.configJSON = config.canonicalJSONText
        self.configHash = ConfigHash.of(canonicalJSON: configJSON)
    }

    /// The first 16 hex digits of the config hash as an unsigned integer: what shards split on.
    public var shardKey: UInt64 { UInt64(configHash.prefix(16), radix: 16)! }

    /// The shard (0-based) of `count` that this run belongs to: `shardKey` modulo `count`.
    public func shard(of count: Int) -> Int { Int(shardKey % UInt64(count)) }

    /// The row the store inserts for this entry.
    public func plannedRun(paramCount: Int? = nil) -> PlannedRun {
        PlannedRun(planIndex: index, configHash: configHash, configJSON: configJSON, task: config.task.name,
                   cell: config.cell.rawValue, hidden: config.hidden, lr: config.lr, seed: config.seed,
                   epochsPlanned: config.epochs, paramCount: paramCount)
    }
}

/// The runs of a spec.
///
/// Without `random`: the Cartesian product of the grid axes over the spec's base
/// configuration, axes in ``RunField`` order (cell slowest, ..., forget_bias fastest), each
/// axis's values in the order listed. With `random`: `samples` draws from a
/// ``Xoshiro256`` seeded with `search_seed`, each draw setting the random fields in
/// ``RunField`` order, and each draw combined with every grid combination (draw-major).
/// A draw that repeats an earlier configuration is dropped (same hash), so a random plan
/// may hold fewer than `samples` × grid runs.
public struct Plan: Sendable, Equatable {
    public var entries: [PlanEntry]

    /// The most runs a sweep may plan (a spec above it is refused at validation, before the
    /// plan is expanded): samples × the product of the grid axes' lengths.
    public static let maximumRuns = 1_000_000

    /// With `random.sampler: "sobol"`, sample s takes point s of a ``SobolSequence`` with one
    /// dimension per random field (in ``RunField`` order), scrambled from `search_seed`, and
    /// maps coordinate u to the field's distribution as a single uniform draw would be.
    ///
    /// Configurations with a `params` budget get their hidden size from
    /// ``ParameterBudget/hiddenSize(for:task:)``, which needs the `task` (its input and output
    /// sizes); a spec without budgets needs none.
    public init(spec: Spec, task: (any SequenceTask)? = nil) {
        var configs: [RunConfig] = []
        if let random = spec.random {
            var rng = Xoshiro256(seed: random.searchSeed)
            let sobol = random.sampler == .sobol && !random.fields.isEmpty
                ? SobolSequence(dimensions: random.fields.count, scrambleSeed: random.searchSeed).points(random.samples) : nil
            for sample in 0..<random.samples {
                var sampled = spec.base
                for (dimension, randomField) in random.fields.enumerated() {
                    let value = sobol.map { Plan.value(randomField, at: $0[sample][dimension]) }
                        ?? Plan.draw(randomField, rng: &rng)
                    sampled.set(randomField.field, to: value)
                }
                configs += Plan.gridCombinations(spec.grid, over: sampled)
            }
        } else {
            configs = Plan.gridCombinations(spec.grid, over: spec.base)
        }
        if configs.contains(where: { $0.params != nil }) {
            guard let task else { preconditionFailure("a plan with parameter budgets needs its task") }
            var sizes = HiddenSizeMemo()
            configs = configs.map { config in
                var sized = config
                sized.hidden = sizes.hiddenSize(for: config, task: task)
                return sized
            }
        }
        var seen = Set<String>()
        var entries: [PlanEntry] = []
        for config in configs {
            let entry = PlanEntry(index: entries.count, config: config)
            if seen.insert(entry.configHash).inserted { entries.append(entry) }
        }
        self.entries = entries
    }

    /// Shard `index` of `count` (0-based): the entries whose config hash, read as a number
    /// (``PlanEntry/shardKey``: its first 16 hex digits, an unsigned 64-bit integer), is
    /// `index` modulo `count`. The split depends on each run's configuration alone, never on
    /// its plan position, so every task of a job array computes the same partition without
    /// talking to the others, every run lands in exactly one shard, and a run keeps its shard
    /// when the grid grows. Shards are balanced only statistically (SHA-256 is uniform).
    public func shard(_ index: Int, of count: Int) -> [PlanEntry] {
        precondition(count > 0 && index >= 0 && index < count, "shard \(index) of \(count)")
        return entries.filter { $0.shard(of: count) == index }
    }

    static func gridCombinations(_ grid: [GridAxis], over base: RunConfig) -> [RunConfig] {
        var configs = [base]
        for axis in grid {
            configs = configs.flatMap { config in
                axis.values.map { value -> RunConfig in
                    var next = config
                    next.set(axis.field, to: value)
                    return next
                }
            }
        }
        return configs
    }

    /// The value of a random field at quantile `u` in [0, 1) (a Sobol coordinate).
    static func value(_ randomField: RandomField, at u: Double) -> RunFieldValue {
        switch randomField.distribution {
        case .logUniform(let low, let high):
            return .real(exp(log(low) + (log(high) - log(low)) * u))
        case .uniform(let low, let high):
            return .real(low + (high - low) * u)
        case .intUniform(let low, let high):
            let value = low + min(Int(u * Double(high - low + 1)), high - low)
            return randomField.field.kind == .integer ? .integer(value) : .real(Double(value))
        case .choice(let values):
            return values[min(Int(u * Double(values.count)), values.count - 1)]
        }
    }

    /// One value of a random field. The number of generator steps per distribution is fixed
    /// (one, or a rejection loop inside `nextInt`), so draws are reproducible everywhere.
    static func draw(_ randomField: RandomField, rng: inout Xoshiro256) -> RunFieldValue {
        switch randomField.distribution {
        case .logUniform(let low, let high):
            return .real(exp(log(low) + (log(high) - log(low)) * rng.nextDouble()))
        case .uniform(let low, let high):
            return .real(low + (high - low) * rng.nextDouble())
        case .intUniform(let low, let high):
            let value = low + rng.nextInt(below: high - low + 1)
            return randomField.field.kind == .integer ? .integer(value) : .real(Double(value))
        case .choice(let values):
            return values[rng.nextInt(below: values.count)]
        }
    }
}

extension Sequence where Element == PlanEntry {
    /// The config hashes of these entries: the runs a worker may claim for them.
    public var configHashes: Set<String> { Set(map(\.configHash)) }
}
