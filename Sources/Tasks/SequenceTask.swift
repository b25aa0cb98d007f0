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
    /// The same predictor scored on the test split; nil without one.
    public var testLoss: Double?
    public var testMetric: Double?

    public init(loss: Double?, metric: Double?, explanation: String, testLoss: Double? = nil, testMetric: Double? = nil) {
        self.loss = loss
        self.metric = metric
        self.explanation = explanation
        self.testLoss = testLoss
        self.testMetric = testMetric
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
    /// Number of test examples; 0 when the task has no test split.
    var testExampleCount: Int { get }
    /// Builds one test batch from the given example indices, in that order.
    func makeTestBatch(examples: [Int]) -> Batch

    /// A fresh accumulator of the task's metric.
    func makeMetric() -> any TaskMetric

    /// The batches of an epoch and of the held-out splits (default implementations below;
    /// stateful tasks lay out contiguous windows whose state carries from batch to batch).
    func trainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList
    func validationBatches(batchSize: Int) -> BatchList
    func testBatches(batchSize: Int) -> BatchList

    /// The character vocabulary, for tasks over text (charlm); nil otherwise.
    var characterVocabulary: CharVocabulary? { get }

    /// The most time steps a batch of this task has (T of the model's (T, B) workspace).
    var maxSequenceSteps: Int { get }
}

extension SequenceTask {
    public var characterVocabulary: CharVocabulary? { nil }
    public var testExampleCount: Int { 0 }
    public func makeTestBatch(examples: [Int]) -> Batch { preconditionFailure("\(name) has no test split") }

    /// For tasks whose sequences all have one length: the length of the first training example.
    public var maxSequenceSteps: Int { trainExampleCount > 0 ? makeTrainBatch(examples: [0]).steps : 1 }

    /// The training batches of one epoch, built lazily (one batch in memory at a time
    /// when iterated). Deterministic in (data, epoch, shuffleSeed).
    public func trainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList {
        statelessTrainBatches(batchSize: batchSize, epoch: epoch, shuffleSeed: shuffleSeed)
    }

    /// The shuffled training examples of an epoch in batches of `batchSize` (see the contract above).
    func statelessTrainBatches(batchSize: Int, epoch: Int, shuffleSeed: UInt64) -> BatchList {
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
    public func validationBatches(batchSize: Int) -> BatchList { statelessHeldOutBatches(.validation, batchSize: batchSize) }

    /// The test batches, like the validation ones; empty when the task has no test split.
    public func testBatches(batchSize: Int) -> BatchList { statelessHeldOutBatches(.test, batchSize: batchSize) }

    /// Every example of a held-out split once, in data order, in batches of `batchSize`.
    func statelessHeldOutBatches(_ split: BatchList.Split, batchSize: Int) -> BatchList {
        precondition(batchSize > 0, "batch size must be positive")
        let count = split == .test ? testExampleCount : validationExampleCount
        var plan: [[Int]] = []
        var start = 0
        while start < count {
            let end = min(start + batchSize, count)
            plan.append(Array(start..<end))
            start = end
        }
        return BatchList(task: self, split: split, batchExamples: plan)
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
    public enum Split: Sendable { case train, validation, test }

    public let task: any SequenceTask
    public let split: Split
    /// The example indices of each batch.
    public let batchExamples: [[Int]]
    /// Stateful truncated BPTT: `continuesState[i]` is true when batch i starts from the
    /// recurrent state batch i − 1 ended in (gradients cut at the edge); false: from zeros.
    public let continuesState: [Bool]
    /// Builds batch i when the task lays its batches out itself (stateful windows).
    let builder: (@Sendable (Int) -> Batch)?

    public init(task: any SequenceTask, split: Split, batchExamples: [[Int]]) {
        self.task = task
        self.split = split
        self.batchExamples = batchExamples
        continuesState = [Bool](repeating: false, count: batchExamples.count)
        builder = nil
    }

    /// Batches built by `builder`, each continuing the previous one's state where `continuesState` says.
    init(task: any SequenceTask, split: Split, batchExamples: [[Int]], continuesState: [Bool],
         builder: @escaping @Sendable (Int) -> Batch) {
        precondition(continuesState.count == batchExamples.count)
        self.task = task
        self.split = split
        self.batchExamples = batchExamples
        self.continuesState = continuesState
        self.builder = builder
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { batchExamples.count }

    public subscript(position: Int) -> Batch {
        if let builder { return builder(position) }
        switch split {
        case .train: return task.makeTrainBatch(examples: batchExamples[position])
        case .validation: return task.makeValidationBatch(examples: batchExamples[position])
        case .test: return task.makeTestBatch(examples: batchExamples[position])
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
