// What a plan computes once per distinct model shape rather than once per run: parameter
// counts, hidden sizes for a budget and memory estimates. A plan's runs mostly differ in
// seeds, learning rates and other fields that change no shape, so a 54,000-run plan has a
// handful of shapes.
import SequenceModels
import Tasks

/// The fields of a ``ModelConfig`` that its ``ParameterLayout`` reads (cell, input, hidden,
/// output, layers, head): the seed, forget-gate bias and dropout are cleared, so configurations
/// that differ only in them share one key.
func modelShape(_ model: ModelConfig) -> ModelConfig {
    var shape = model
    shape.seed = 0
    shape.forgetBias = 0
    shape.dropout = 0
    return shape
}

/// Values computed once per key: the lookup-or-compute the memos below share.
struct Memo<Key: Hashable, Value> {
    private var values: [Key: Value] = [:]

    mutating func value(for key: Key, _ compute: () -> Value) -> Value {
        if let value = values[key] { return value }
        let value = compute()
        values[key] = value
        return value
    }
}

/// Parameter counts of models, each shape counted once.
struct ParameterCountMemo {
    private var counts = Memo<ModelConfig, Int>()

    mutating func count(_ model: ModelConfig) -> Int {
        let shape = modelShape(model)
        return counts.value(for: shape) { shape.parameterCount }
    }
}

/// ``ParameterBudget/hiddenSize(for:task:)`` for many configurations, each (shape, budget,
/// scope) searched once.
struct HiddenSizeMemo {
    private struct Key: Hashable {
        var shape: ModelConfig
        var budget: Int
        var scope: ParamsScope
    }
    private var sizes = Memo<Key, Int>()

    mutating func hiddenSize(for config: RunConfig, task: any SequenceTask) -> Int {
        guard let budget = config.params else { return config.hidden }
        let model = Trainer.modelConfig(config, task: task)
        let key = Key(shape: modelShape(model), budget: budget, scope: config.paramsScope ?? .all)
        return sizes.value(for: key) { ParameterBudget.hiddenSize(budget: budget, scope: key.scope, model: model) }
    }
}

/// Memory refusals (``MemoryEstimate/refusal(limit:)``) for many configurations on one task,
/// each (shape, optimizer, batch) estimated once: the estimate reads nothing else.
struct MemoryRefusalMemo {
    private struct Key: Hashable {
        var shape: ModelConfig
        var optimizer: OptimizerKind
        var batch: Int
    }
    private var refusals = Memo<Key, String?>()
    let task: any SequenceTask
    let steps: Int
    let limit: Int

    init(task: any SequenceTask, limit: Int) {
        self.task = task
        self.steps = task.maxSequenceSteps
        self.limit = limit
    }

    mutating func refusal(_ config: RunConfig) -> String? {
        let model = Trainer.modelConfig(config, task: task)
        let key = Key(shape: modelShape(model), optimizer: config.optimizer, batch: config.batch)
        let (steps, limit) = (self.steps, self.limit)   // the closure must not read self while refusals changes
        return refusals.value(for: key) {
            MemoryEstimate(model: model, optimizer: config.optimizer, steps: steps, batch: config.batch).runRefusal(limit: limit)
        }
    }
}
