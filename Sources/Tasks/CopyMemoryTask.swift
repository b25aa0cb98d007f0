// The copy memory problem (Arjovsky, Shah & Bengio 2016): remember 10 symbols
// over a long gap and reproduce them after a delimiter.
import Foundation
import SequenceModels

/// Arjovsky et al.'s formulation with delay T = `length`. Alphabet: 0 blank,
/// 1...8 the symbols, 9 the delimiter. A sequence has T + 20 steps:
///
///     inputs:  s1 ... s10 | T-1 blanks | delimiter | 10 blanks
///     targets: T+10 blanks                          | s1 ... s10
///
/// (the T-1 blanks and the delimiter take T steps, as in the paper). Inputs are
/// one-hot over the 10 input classes; the softmax head predicts 9 classes
/// (blank, symbols 1...8) at every step, and the loss is the cross-entropy
/// averaged over all T + 20 steps (the blank targets are real targets, not
/// masked). Baseline: predicting blank with certainty on the first T + 10 steps
/// and uniformly over the 8 symbols on the last 10 gives cross-entropy
/// 10·ln 8 / (T + 20). Metric: accuracy of the argmax on the 10 copied symbols
/// (baseline 1/8).
public struct CopyMemoryTask: SequenceTask {
    public static let symbolCount = 10
    public static let blank = 0
    public static let delimiter = 9

    /// The three splits' symbols.
    struct Splits: Sendable {
        var train: [[Int32]], validation: [[Int32]], test: [[Int32]]
    }

    public let length: Int
    public let dataSeed: UInt64
    public let trainExampleCount: Int
    public let validationExampleCount: Int
    public let testExampleCount: Int
    /// Generated on first use (``GeneratedData``): building the task generates nothing.
    let splits: GeneratedData<Splits>

    /// The 10 symbols (each in 1...8) of each sequence.
    public var trainSymbols: [[Int32]] { splits.value.train }
    public var validationSymbols: [[Int32]] { splits.value.validation }
    /// The test split: `testSize` sequences (default `valSize`) from their own stream of `dataSeed`.
    public var testSymbols: [[Int32]] { splits.value.test }

    public init(length: Int, trainSize: Int, valSize: Int, testSize: Int? = nil, dataSeed: UInt64) {
        precondition(length >= 1 && trainSize > 0 && valSize > 0 && (testSize ?? 1) >= 0, "invalid copy parameters")
        self.length = length
        self.dataSeed = dataSeed
        trainExampleCount = trainSize
        validationExampleCount = valSize
        testExampleCount = testSize ?? valSize
        let testCount = testExampleCount
        splits = GeneratedData {
            Splits(train: CopyMemoryTask.generate(count: trainSize, seed: mixSeed(dataSeed, 1)),
                   validation: CopyMemoryTask.generate(count: valSize, seed: mixSeed(dataSeed, 2)),
                   test: CopyMemoryTask.generate(count: testCount, seed: mixSeed(dataSeed, 3)))
        }
    }

    static func generate(count: Int, seed: UInt64) -> [[Int32]] {
        var rng = Xoshiro256(seed: seed)
        return (0..<count).map { _ in
            (0..<symbolCount).map { _ in Int32(1 + rng.nextInt(below: 8)) }
        }
    }

    /// Steps per sequence: T + 20.
    public var steps: Int { length + 20 }
    public var maxSequenceSteps: Int { steps }

    public var name: String { "copy" }
    public var inputSize: Int { 10 }
    public var outputSize: Int { 9 }
    public var head: HeadKind { .softmax }
    public var metricName: String { "copy_accuracy" }
    public var metricHigherIsBetter: Bool { true }
    public var baseline: TaskBaseline {
        let loss = 10 * log(8.0) / Double(length + 20)
        return TaskBaseline(loss: loss, metric: 1.0 / 8.0,
                            explanation: "blanks predicted, then uniform over the 8 symbols: 10·ln 8/(T+20); accuracy 1/8",
                            testLoss: testExampleCount == 0 ? nil : loss, testMetric: testExampleCount == 0 ? nil : 1.0 / 8.0)
    }

    public func makeTrainBatch(examples: [Int]) -> Batch { let data = trainSymbols; return makeBatch(examples.map { data[$0] }) }
    public func makeValidationBatch(examples: [Int]) -> Batch { let data = validationSymbols; return makeBatch(examples.map { data[$0] }) }
    public func makeTestBatch(examples: [Int]) -> Batch { let data = testSymbols; return makeBatch(examples.map { data[$0] }) }

    func makeBatch(_ sequences: [[Int32]]) -> Batch {
        let batchSize = sequences.count
        let steps = self.steps
        let inputSize = CopyMemoryTask.symbolCount
        var inputs = [Float](repeating: 0, count: steps * batchSize * inputSize)
        var targets = [Int32](repeating: Int32(CopyMemoryTask.blank), count: steps * batchSize)
        for (b, symbols) in sequences.enumerated() {
            for t in 0..<steps {
                let input: Int
                if t < 10 { input = Int(symbols[t]) }
                else if t == length + 9 { input = CopyMemoryTask.delimiter }
                else { input = CopyMemoryTask.blank }
                inputs[(t * batchSize + b) * inputSize + input] = 1
            }
            for k in 0..<10 {
                targets[(length + 10 + k) * batchSize + b] = symbols[k]
            }
        }
        return Batch(steps: steps, batchSize: batchSize, inputSize: inputSize, inputs: inputs,
                     targets: .classes(targets))
    }

    public func makeMetric() -> any TaskMetric { CopyAccuracyMetric(classes: outputSize) }
}

/// Accuracy of the argmax over the last 10 steps of each sequence (the copied symbols).
public struct CopyAccuracyMetric: TaskMetric {
    public let classes: Int
    public private(set) var correct = 0
    public private(set) var count = 0

    public init(classes: Int) { self.classes = classes }

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .classes(let targets) = batch.targets else { preconditionFailure("copy needs class targets") }
        precondition(outputs.count == batch.steps * batch.batchSize * classes, "outputs must be (T, B, V)")
        for t in max(0, batch.steps - 10)..<batch.steps {
            for b in 0..<batch.batchSize {
                let position = t * batch.batchSize + b
                guard targets[position] >= 0 else { continue }
                if argmax(outputs, offset: position * classes, count: classes) == Int(targets[position]) { correct += 1 }
                count += 1
            }
        }
    }

    public var value: Double { count == 0 ? .nan : Double(correct) / Double(count) }
}
