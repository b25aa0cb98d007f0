// Fair comparisons by parameter budget: the `params` run field stands in for `hidden`, and
// each cell gets the hidden size whose parameter count comes nearest the budget.
import JSON
import SequenceModels
import Tasks

/// What a parameter budget counts.
public enum ParamsScope: String, Codable, Sendable, CaseIterable, Hashable {
    /// Every trainable parameter, the output head included (`runs.param_count`).
    case all
    /// The recurrent layers only (input and recurrent weights and biases), without the head:
    /// the count Chung et al. 2014 matched (~20k: tanh 100, GRU 46, LSTM 36 units).
    case recurrent
}

public enum ParameterBudget {
    /// Largest hidden size the search considers.
    public static let maximumHidden = 1 << 16

    /// The parameters of `model` that `scope` counts, read from its ``ParameterLayout``:
    /// every tensor for `all`; for `recurrent`, every tensor but the head's (`head.*`), so
    /// tensors a model gains later (more layers, more biases) are counted without change here.
    public static func count(_ model: ModelConfig, scope: ParamsScope) -> Int {
        let layout = ParameterLayout(model)
        switch scope {
        case .all: return layout.totalCount
        case .recurrent: return layout.tensors.filter { !$0.name.hasPrefix("head.") }.reduce(0) { $0 + $1.count }
        }
    }

    /// The hidden size in 1...``maximumHidden`` whose count (`model` with that hidden size)
    /// is nearest `budget`; between two equally near sizes, the smaller. The count grows
    /// with the hidden size, so a binary search finds the first size at or above the budget
    /// and the answer is it or the size below.
    public static func hiddenSize(budget: Int, scope: ParamsScope, model: ModelConfig) -> Int {
        func countAt(_ hidden: Int) -> Int {
            var sized = model
            sized.hiddenSize = hidden
            return count(sized, scope: scope)
        }
        var low = 1, high = maximumHidden
        if countAt(high) < budget { return high }
        while low < high {      // smallest hidden with countAt(hidden) >= budget
            let middle = (low + high) / 2
            if countAt(middle) >= budget { high = middle } else { low = middle + 1 }
        }
        guard low > 1 else { return 1 }
        return budget - countAt(low - 1) <= countAt(low) - budget ? low - 1 : low
    }

    /// The hidden size of a run configuration with a `params` budget on `task`.
    public static func hiddenSize(for config: RunConfig, task: any SequenceTask) -> Int {
        guard let budget = config.params else { return config.hidden }
        return hiddenSize(budget: budget, scope: config.paramsScope ?? .all,
                          model: Trainer.modelConfig(config, task: task))
    }
}
