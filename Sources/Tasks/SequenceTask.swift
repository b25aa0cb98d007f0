// The interface every sequence task offers the trainer: sizes, head, metric,
// trivial baseline, and deterministic epoch batching of its train and validation data.
import SequenceModels

/// What a model that learned nothing scores on a task, so a report can say
/// whether a run beat it. `loss` is in the unit of the model's loss (mean
/// cross-entropy in nats for softmax heads, mean squared error for linear
/// heads); `metric` is in the unit of the task's metric.
public struct TaskBaseline: Sendable, Equatable, Codable {
    public var loss: Double?
    public var metric: Double?
    /// One line saying which predictor the baseline is, for reports.
    public var explanation: String

    public init(loss: Double?, metric: Double?, explanation: String) {
        self.loss = loss
        self.metric = metric
        self.explanation = explanation
    }
}

/// Accumulates a task's metric over the validation batches of an epoch.
/// `outputs` is what `model.evaluate(batch)` returns, shape (T, B, V) with
/// V = the task's `outputSize`: softmax probabilities for softmax heads,
/// raw values for linear heads.
public protocol TaskMetric: Sendable {
    mutating func add(batch: Batch, outputs: [Float])
    /// The metric over everything added so far; NaN before anything was added.
    var value: Double { get }
    /// Secondary metrics of the task by name (empty for most tasks).
    var details: [String: Double] { get }
}

extension TaskMetric {
    public var details: [String: Double] { [:] }
}

/// A sequence task: data generated (or read) deterministically from its
/// parameters, the head and metric a model is judged by, and a trivial baseline.
///
/// Batching contract (implemented once, in the extension below):
/// - `trainBatches(batchSize:epoch:shuffleSeed:)` visits every training example
///   once per epoch in an order that depends only on (data, epoch, shuffleSeed),
///   so a run resumed at epoch e sees exactly the batches an uninterrupted run
///   would. The short last batch is dropped, so every training step averages
///   over `batchSize` examples; if there are fewer examples than `batchSize`,
///   the epoch is one batch of all of them.
/// - `validationBatches(batchSize:)` visits every validation example exactly
///   once, in data order; the last batch may be short.
public protocol SequenceTask: Sendable {
    /// The task's name as written in specs ("adding", "copy", "reber", "charlm").
    var name: String { get }
    var inputSize: Int { get }
    var outputSize: Int { get }
    var head: HeadKind { get }
    /// Name of the validation metric, as stored in `sweeps.metric_name`.
    var metricName: String { get }
    var metricHigherIsBetter: Bool { get }
    var baseline: TaskBaseline { get }

    /// Number of training examples (sequences, or windows for charlm).
    var trainExampleCount: Int { get }
    /// Number of validation examples (sequences, or windows for charlm).
    var validationExampleCount: Int { get }
    /// Builds one training batch from the given example indices, in that order.
    func makeTrainBatch(examples: [Int]) -> Batch
    /// Builds one validation batch from the given example indices, in that order.
    func makeValidationBatch(examples: [Int]) -> Batch

    /// A fresh accumulator of the task's metric.
    func makeMetric() -> any TaskMetric

    /// The character vocabulary, for tasks over text (charlm); nil otherwise.
    var characterVocabulary: CharVocabulary? { get }

    /// The most time steps a batch of this task has (T of the model's (T, B) workspace).
    var maxSequenceSteps: Int { get }
}

extension SequenceTask {
    public var characterVocabulary: CharVocabulary? { nil }

    /// For tasks whose sequences all have one length: the length of the first training example.
    public var maxSequenceSteps: Int { trainExampleCount > 0 ? makeTrainBatch(examples: [0]).steps : 1 }

    /// The training batches of one epoch, built lazily (one batch in memory at a time
    /// when iterated). Deterministic in (data, epoch, shuffleSeed).
    public func trainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList {
        precondition(batchSize > 0, "batch size must be positive")
        let order = epochOrder(count: trainExampleCount, epoch: epoch, shuffleSeed: shuffleSeed)
        var plan: [[Int]] = []
        if order.count <= batchSize {
            plan = order.isEmpty ? [] : [order]
        } else {
            let full = order.count / batchSize
            plan.reserveCapacity(full)
            for i in 0..<full { plan.append(Array(order[i * batchSize ..< (i + 1) * batchSize])) }
        }
        return BatchList(task: self, split: .train, batchExamples: plan)
    }

    /// The validation batches: every validation example once, in data order,
    /// the last batch possibly short.
    public func validationBatches(batchSize: Int) -> BatchList {
        precondition(batchSize > 0, "batch size must be positive")
        let count = validationExampleCount
        var plan: [[Int]] = []
        var start = 0
        while start < count {
            let end = min(start + batchSize, count)
            plan.append(Array(start..<end))
            start = end
        }
        return BatchList(task: self, split: .validation, batchExamples: plan)
    }

    /// Tokens a batch counts for tokens/s: every position the cell runs over,
    /// `steps × batchSize` (padding included), whether or not it carries a target.
    public func tokenCount(of batch: Batch) -> Int { batch.steps * batch.batchSize }
}

/// The order in which an epoch visits `count` training examples: a Fisher-Yates
/// shuffle seeded from (shuffleSeed, epoch) alone.
public func epochOrder(count: Int, epoch: Int, shuffleSeed: UInt64) -> [Int] {
    var order = Array(0..<count)
    var rng = Xoshiro256(seed: mixSeed(shuffleSeed, UInt64(bitPattern: Int64(epoch))))
    rng.shuffle(&order)
    return order
}

/// Combines two seeds into one (a SplitMix64 finaliser over a mix), so that
/// derived streams (train vs validation data, epochs) are independent.
func mixSeed(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// The batches of one split, each built on demand from its example indices.
public struct BatchList: RandomAccessCollection, Sendable {
    public enum Split: Sendable { case train, validation }

    public let task: any SequenceTask
    public let split: Split
    /// The example indices of each batch.
    public let batchExamples: [[Int]]

    public var startIndex: Int { 0 }
    public var endIndex: Int { batchExamples.count }

    public subscript(position: Int) -> Batch {
        switch split {
        case .train: return task.makeTrainBatch(examples: batchExamples[position])
        case .validation: return task.makeValidationBatch(examples: batchExamples[position])
        }
    }
}

/// Index of the largest of `values[offset ..< offset + count]` relative to
/// `offset`; the first one on ties.
@inline(__always)
func argmax(_ values: [Float], offset: Int, count: Int) -> Int {
    var best = 0
    var bestValue = values[offset]
    for i in 1..<count where values[offset + i] > bestValue {
        best = i
        bestValue = values[offset + i]
    }
    return best
}
