// Lines `runner sweep --dry-run` prints about a plan's parameter budgets (the hidden size
// chosen per cell and its count) and its halving schedule (rungs, survivors, epochs).
import SequenceModels

public enum PlanDescription {
    /// One line per (budget, scope, cell, …) that the plan uses: the chosen hidden size and its
    /// parameter counts (in the budget's scope and in all).
    public static func budgetLines(_ setup: SweepSetup) -> [String] {
        struct Key: Hashable {
            var budget: Int
            var scope: ParamsScope
            var shape: ModelConfig
        }
        var seenKeys = Set<Key>()   // the line depends on these alone: each is written once
        var seen = Set<String>()
        var lines: [String] = []
        for entry in setup.entries {
            let config = entry.config
            guard let budget = config.params else { continue }
            let scope = config.paramsScope ?? .all
            let model = Trainer.modelConfig(config, task: setup.task)
            guard seenKeys.insert(Key(budget: budget, scope: scope, shape: modelShape(model))).inserted else { continue }
            let line = "params \(budget) (\(scope.rawValue)): \(config.cell.rawValue) hidden \(config.hidden): "
                + "\(ParameterBudget.count(model, scope: scope)) \(scope.rawValue) parameters"
                + (scope == .all ? "" : ", \(model.parameterCount) in all")
            if seen.insert(line).inserted { lines.append(line) }
        }
        return lines
    }

    /// The halving schedule: rungs, how many configurations reach each, and the most epochs
    /// the sweep can train against the full grid's.
    public static func halvingLines(_ setup: SweepSetup) -> [String] {
        guard let halving = setup.halving else { return [] }
        let schedule = HalvingSchedule(halving: halving, configurations: halving.configurations.map { $0.runs.count })
        let rungs = halving.rungEpochs.map(String.init).joined(separator: ", ")
        return [
            "halving: rungs at epochs \(rungs) of \(halving.epochs) (eta \(halving.rule.eta), monitor \(halving.rule.monitor.rawValue)); "
                + "configurations reaching each: \(schedule.survivors.map(String.init).joined(separator: " → "))",
            "halving: at most \(schedule.epochs) of the full grid's \(schedule.fullEpochs) epochs (\(String(format: "%.1f", 100 * Double(schedule.epochs) / Double(max(schedule.fullEpochs, 1))))%)",
        ]
    }
}

/// What successive halving trains when no run stops early: n configurations train to the
/// first rung, ⌈n/η⌉ to the second, …, and the last survivors to the end.
public struct HalvingSchedule: Sendable, Equatable {
    /// Configurations that train to each rung, then to the end (one more entry than rungs).
    public var survivors: [Int]
    /// Epochs of every run, and of the full grid without halving.
    public var epochs: Int
    public var fullEpochs: Int

    /// `configurations`: the number of seeds of each configuration (in any order: the
    /// schedule counts the most seeds first, an upper bound when seed counts differ).
    public init(halving: Halving, configurations: [Int]) {
        let seeds = configurations.sorted(by: >)
        var alive = seeds.count
        var survivors: [Int] = []
        var epochs = 0, previous = 0
        for rungEpoch in halving.rungEpochs + [halving.epochs] {
            survivors.append(alive)
            epochs += seeds.prefix(alive).reduce(0, +) * (rungEpoch - previous)
            previous = rungEpoch
            alive = (alive + halving.rule.eta - 1) / halving.rule.eta
        }
        self.survivors = survivors
        self.epochs = epochs
        self.fullEpochs = seeds.reduce(0, +) * halving.epochs
    }
}
