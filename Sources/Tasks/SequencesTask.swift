// The `sequences` task: the user's own sequences from NumPy arrays (x/y/len for
// _train, _val, _test), with a softmax, bernoulli or mse head and per-sequence
// lengths (steps past a sequence's length neither count nor change its results).
import Foundation
import NumPyFiles
import SequenceModels

/// Inputs are the float vectors of `x_*` (N, T, X) or one-hot vectors of its token ids (N, T)
/// over `vocab_size`. A batch has as many steps as its longest sequence; the steps of a
/// shorter one are padded with zero inputs and carry no target.
///
/// Targets: softmax, a class per step (−1: none) or one per sequence at its last valid step;
/// bernoulli, Y units of 0/1 per step; mse, Y values per step or per sequence (last valid step).
/// Without `_val`, `val_fraction` of the training sequences validates (chosen by `data_seed`);
/// without `_test` the task has no test split.
public struct SequencesTask: SequenceTask {
    public let sequenceHead: SequenceHead
    public let train: SequenceSplit
    public let validation: SequenceSplit
    public let test: SequenceSplit?
    public let inputSize: Int
    public let outputSize: Int
    public let baseline: TaskBaseline
    /// Token inputs: the one-hot width; nil for dense inputs.
    public let vocabularySize: Int?
    /// Stateful truncated BPTT: windows of this many steps, state carried between them.
    public let bpttWindow: Int?
    /// The most steps a batch has: the longest split's padded length (an upper bound of a window).
    public var maxSequenceSteps: Int { max(bpttWindow ?? 1, train.steps, validation.steps, test?.steps ?? 1) }

    /// Reads and checks the data set; every problem is one line in the thrown `SequenceDataError`.
    public init(url: URL, shownAs file: String, head: SequenceHead, vocabSize: Int?, classes: Int?,
                valFraction: Double, dataSeed: UInt64, bpttWindow: Int? = nil) throws {
        let arrays: [String: NumPyArray]
        do { arrays = try NumPyFiles.readArrays(at: url, shownAs: file) } catch let error as NumPyError {
            throw SequenceDataError(problems: [error.description])
        }
        var checker = SequenceArrayChecker(file: file, arrays: arrays, head: head)
        checker.checkNames()
        let trainSplit = checker.split("train", required: true)
        let valSplit = checker.split("val", required: false)
        let testSplit = checker.split("test", required: false)
        var present: [(String, SequenceSplit, NumPyArray, NumPyArray)] = []
        for (name, split) in [("train", trainSplit), ("val", valSplit), ("test", testSplit)] {
            if let split { present.append((name, split, arrays["x_\(name)"]!, arrays["y_\(name)"]!)) }
        }
        checker.checkAgreement(present)
        guard checker.problems.isEmpty, var trainSplit else { throw SequenceDataError(problems: checker.problems) }

        // Widths: one-hot over the vocabulary for token ids; classes for softmax; Y otherwise.
        let splits = present.map(\.1)
        var problems: [String] = []
        var vocabulary: Int?
        if trainSplit.tokens != nil {
            let largest = Int(splits.map { $0.tokens!.max() ?? 0 }.max() ?? 0)
            if let vocabSize, largest >= vocabSize {
                let (name, _, _, _) = present.first { Int($0.1.tokens!.max() ?? 0) >= vocabSize }!
                problems.append(NumPyError(file: file, array: "x_\(name)", problem: "token id \(largest) is out of range; expected ids below vocab_size \(vocabSize)").description)
            }
            vocabulary = vocabSize ?? largest + 1
        }
        let output: Int
        switch head {
        case .softmax:
            let largest = Int(splits.map { $0.classes.max() ?? 0 }.max() ?? 0)
            if let classes, largest >= classes {
                let (name, _, _, _) = present.first { Int($0.1.classes.max() ?? 0) >= classes }!
                problems.append(NumPyError(file: file, array: "y_\(name)", problem: "label \(largest) is out of range; expected classes below \"classes\" \(classes)").description)
            }
            output = max(classes ?? largest + 1, 1)
        case .bernoulli, .mse:
            output = trainSplit.values.count / (trainSplit.perSequence ? trainSplit.count : trainSplit.count * trainSplit.steps)
        }
        // Validation: the _val arrays, or a share of the training sequences.
        var validationSplit: SequenceSplit
        if let valSplit {
            validationSplit = valSplit
        } else {
            let held = max(1, Int((Double(trainSplit.count) * valFraction).rounded()))
            if held >= trainSplit.count {
                problems.append("\(file): val_fraction \(valFraction) of \(trainSplit.count) training sequences leaves none to train on; add x_val/y_val or lower val_fraction")
                throw SequenceDataError(problems: problems)
            }
            var order = Array(0..<trainSplit.count)
            var rng = Xoshiro256(seed: mixSeed(dataSeed, 3))
            rng.shuffle(&order)
            validationSplit = trainSplit.subset(order[..<held].sorted())
            trainSplit = trainSplit.subset(order[held...].sorted())
        }
        guard problems.isEmpty else { throw SequenceDataError(problems: problems) }
        sequenceHead = head
        train = trainSplit
        validation = validationSplit
        test = testSplit
        vocabularySize = vocabulary
        inputSize = vocabulary ?? (arrays["x_train"]!.shape[2])
        outputSize = output
        self.bpttWindow = bpttWindow
        var baseline = SequencesBaseline.compute(head: head, train: trainSplit, validation: validationSplit, width: output)
        if let testSplit {
            let onTest = SequencesBaseline.compute(head: head, train: trainSplit, validation: testSplit, width: output)
            baseline.testLoss = onTest.loss
            baseline.testMetric = onTest.metric
        }
        self.baseline = baseline
    }

    public var name: String { "sequences" }
    public var head: HeadKind { sequenceHead.modelHead }
    public var metricName: String {
        switch sequenceHead {
        case .softmax: return "accuracy"
        case .bernoulli: return "nll_per_step"
        case .mse: return "mse"
        }
    }
    public var metricHigherIsBetter: Bool { sequenceHead == .softmax }

    public var trainExampleCount: Int { train.count }
    public var validationExampleCount: Int { validation.count }
    public var testExampleCount: Int { test?.count ?? 0 }
    public func makeTrainBatch(examples: [Int]) -> Batch { makeBatch(train, examples) }
    public func makeValidationBatch(examples: [Int]) -> Batch { makeBatch(validation, examples) }
    public func makeTestBatch(examples: [Int]) -> Batch { makeBatch(test!, examples) }

    public func makeMetric() -> any TaskMetric {
        switch sequenceHead {
        case .softmax: return AccuracyMetric(classes: outputSize)
        case .bernoulli: return BernoulliMetric(units: outputSize)
        case .mse: return MeanSquaredErrorMetric()
        }
    }

    /// Sequences `examples` of `split`, steps `window` of them (all steps by default).
    func makeBatch(_ split: SequenceSplit, _ examples: [Int], window: Range<Int>? = nil) -> Batch {
        let B = examples.count, X = inputSize, V = outputSize
        let range = window ?? 0 ..< examples.map { split.lengths[$0] }.max()!
        let T = range.count
        var inputs = [Float](repeating: 0, count: T * B * X)
        var classes = [Int32](repeating: -1, count: head == .softmax ? T * B : 0)
        var values = [Float](repeating: 0, count: head == .softmax ? 0 : T * B * V)
        var mask = [Float](repeating: 0, count: head == .softmax ? 0 : T * B)
        for (b, n) in examples.enumerated() {
            let length = split.lengths[n]
            for t in range where t < length {
                let row = (t - range.lowerBound) * B + b
                if let tokens = split.tokens {
                    inputs[row * X + Int(tokens[n * split.steps + t])] = 1
                } else {
                    let source = (n * split.steps + t) * X
                    for k in 0..<X { inputs[row * X + k] = split.inputs![source + k] }
                }
                let targeted = !split.perSequence || t == length - 1
                guard targeted else { continue }
                if head == .softmax {
                    classes[row] = split.perSequence ? split.classes[n] : split.classes[n * split.steps + t]
                } else {
                    let source = (split.perSequence ? n : n * split.steps + t) * V
                    for k in 0..<V { values[row * V + k] = split.values[source + k] }
                    mask[row] = 1
                }
            }
        }
        let targets: Targets = head == .softmax ? .classes(classes) : .values(values, mask: mask, width: V)
        return Batch(steps: max(T, 1), batchSize: B, inputSize: X, inputs: inputs, targets: targets)
    }
}

extension SequenceSplit {
    /// The sequences at `indices`, in that order.
    func subset(_ indices: [Int]) -> SequenceSplit {
        func rows<T>(_ array: [T], width: Int) -> [T] { indices.flatMap { array[($0 * width) ..< ($0 * width + width)] } }
        let classWidth = perSequence ? 1 : steps, valueWidth = values.count / max(count, 1)
        return SequenceSplit(count: indices.count, steps: steps,
                             inputs: inputs.map { rows($0, width: $0.count / count) },
                             tokens: tokens.map { rows($0, width: steps) },
                             classes: classes.isEmpty ? [] : rows(classes, width: classWidth),
                             values: values.isEmpty ? [] : rows(values, width: valueWidth),
                             perSequence: perSequence, lengths: indices.map { lengths[$0] })
    }
}
