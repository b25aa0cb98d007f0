// The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): sum the two
// marked values of a sequence, a many-to-one regression over a long gap.
import SequenceModels

/// Each sequence has `length` steps with two input channels: channel 0 a value
/// uniform in [0, 1), channel 1 a marker that is 1 at exactly two steps, one
/// in the first half `0 ..< length/2` and one in the second `length/2 ..< length`.
/// The target, at the last step only (mask 1 there, 0 elsewhere), is the sum of
/// the two marked values, in [0, 2). Linear head of width 1, metric MSE.
/// Baseline: always predicting 1 has expected MSE Var(U1 + U2) = 2/12 = 1/6.
public struct AddingTask: SequenceTask {
    /// One sequence: its values and the steps of its two markers.
    public struct Example: Sendable, Equatable {
        public var values: [Float]
        public var firstMarker: Int
        public var secondMarker: Int
        public var target: Float { values[firstMarker] + values[secondMarker] }
    }

    /// The three splits' examples.
    struct Splits: Sendable {
        var train: [Example], validation: [Example], test: [Example]
    }

    public let length: Int
    public let dataSeed: UInt64
    public let trainExampleCount: Int
    public let validationExampleCount: Int
    public let testExampleCount: Int
    /// Generated on first use (``GeneratedData``): building the task generates nothing.
    let splits: GeneratedData<Splits>

    public var trainExamples: [Example] { splits.value.train }
    public var validationExamples: [Example] { splits.value.validation }
    /// The test split: `testSize` sequences (default `valSize`) from their own stream of `dataSeed`.
    public var testExamples: [Example] { splits.value.test }

    public init(length: Int, trainSize: Int, valSize: Int, testSize: Int? = nil, dataSeed: UInt64) {
        precondition(length >= 2 && trainSize > 0 && valSize > 0 && (testSize ?? 1) >= 0, "invalid adding parameters")
        self.length = length
        self.dataSeed = dataSeed
        trainExampleCount = trainSize
        validationExampleCount = valSize
        testExampleCount = testSize ?? valSize
        let testCount = testExampleCount
        splits = GeneratedData {
            Splits(train: AddingTask.generate(count: trainSize, length: length, seed: mixSeed(dataSeed, 1)),
                   validation: AddingTask.generate(count: valSize, length: length, seed: mixSeed(dataSeed, 2)),
                   test: AddingTask.generate(count: testCount, length: length, seed: mixSeed(dataSeed, 3)))
        }
    }

    static func generate(count: Int, length: Int, seed: UInt64) -> [Example] {
        var rng = Xoshiro256(seed: seed)
        let half = length / 2
        return (0..<count).map { _ in
            let values = (0..<length).map { _ in Float(rng.nextDouble()) }
            let first = rng.nextInt(below: half)
            let second = half + rng.nextInt(below: length - half)
            return Example(values: values, firstMarker: first, secondMarker: second)
        }
    }

    public var name: String { "adding" }
    public var inputSize: Int { 2 }
    public var outputSize: Int { 1 }
    public var head: HeadKind { .linear }
    public var metricName: String { "mse" }
    public var metricHigherIsBetter: Bool { false }
    /// Every sequence has `length` steps.
    public var maxSequenceSteps: Int { length }
    public var baseline: TaskBaseline {
        TaskBaseline(loss: 1.0 / 6.0, metric: 1.0 / 6.0,
                     explanation: "always predicting 1: expected MSE 1/6",
                     testLoss: testExampleCount == 0 ? nil : 1.0 / 6.0, testMetric: testExampleCount == 0 ? nil : 1.0 / 6.0)
    }

    public func makeTrainBatch(examples: [Int]) -> Batch { let data = trainExamples; return makeBatch(examples.map { data[$0] }) }
    public func makeValidationBatch(examples: [Int]) -> Batch { let data = validationExamples; return makeBatch(examples.map { data[$0] }) }
    public func makeTestBatch(examples: [Int]) -> Batch { let data = testExamples; return makeBatch(examples.map { data[$0] }) }

    func makeBatch(_ examples: [Example]) -> Batch {
        let batchSize = examples.count
        var inputs = [Float](repeating: 0, count: length * batchSize * 2)
        var targets = [Float](repeating: 0, count: length * batchSize)
        var mask = [Float](repeating: 0, count: length * batchSize)
        for (b, example) in examples.enumerated() {
            for t in 0..<length {
                inputs[(t * batchSize + b) * 2] = example.values[t]
            }
            inputs[(example.firstMarker * batchSize + b) * 2 + 1] = 1
            inputs[(example.secondMarker * batchSize + b) * 2 + 1] = 1
            let last = (length - 1) * batchSize + b
            targets[last] = example.target
            mask[last] = 1
        }
        return Batch(steps: length, batchSize: batchSize, inputSize: 2, inputs: inputs,
                     targets: .values(targets, mask: mask, width: 1))
    }

    public func makeMetric() -> any TaskMetric { MeanSquaredErrorMetric() }
}

/// Mean squared error over the positions whose mask is set (and every output
/// of those positions), from the raw outputs of a linear head.
public struct MeanSquaredErrorMetric: TaskMetric {
    public private(set) var squaredErrorSum: Double = 0
    public private(set) var count: Int = 0

    public init() {}

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .values(let values, let mask, let width) = batch.targets else {
            preconditionFailure("MSE needs value targets")
        }
        precondition(outputs.count == values.count, "outputs must be (T, B, \(width))")
        for position in 0..<mask.count where mask[position] != 0 {
            for k in 0..<width {
                let difference = Double(outputs[position * width + k]) - Double(values[position * width + k])
                squaredErrorSum += difference * difference
                count += 1
            }
        }
    }

    public var value: Double { count == 0 ? .nan : squaredErrorSum / Double(count) }
}
