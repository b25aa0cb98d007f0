// Character-level language modelling: next-character prediction on UTF-8 text
// over truncated-BPTT windows, measured in bits per character.
import Foundation
import SequenceModels

/// The text (its first `maxCharacters` characters) is split contiguously:
/// the first part trains, the next `valFraction` (rounded, at least 1
/// character) validates, and the last `testFraction` (rounded; none by default)
/// tests. Characters are Unicode scalars; the vocabulary is
/// the training text's plus the unknown symbol (index 0), to which validation
/// characters unseen in training map.
///
/// Training windows: window i has inputs text[iL ..< iL+L] and targets
/// text[iL+1 ... iL+L] (L = `seqLen`), non-overlapping, from the start of the
/// text; the remainder too short for a window is left out. Validation windows
/// predict every validation character exactly once: window w targets
/// val[wL ..< wL+L] from the characters one step before (the first input is the
/// last training character); the last window may be shorter and is padded in
/// its batch with zero inputs and masked targets. Test windows read the test text
/// the same way (the first input is the last validation character).
///
/// Stateful (`stateful: true`, char-rnn's loader): see `CharLMTask+Stateful.swift`.
///
/// Inputs are one-hot over the vocabulary, the softmax head predicts it.
/// Metric: bits per character (mean −log2 p(target); probabilities are clamped
/// at the smallest normal Float, 2^-126, so one impossible character costs 126
/// bits, not infinity). Baseline: the training text's unigram frequencies
/// (add-one smoothed over the vocabulary) evaluated on the validation text.
public struct CharLMTask: SequenceTask {
    public let vocabulary: CharVocabulary
    public let seqLen: Int
    /// Every window, stateless or stateful, has `seqLen` steps.
    public var maxSequenceSteps: Int { seqLen }
    /// The whole text (train then validation) as vocabulary indices.
    public let encoded: [Int32]
    /// Characters in the training part; the rest validates.
    public let trainCharacterCount: Int
    /// Characters at the end of the text that test (0: no test split).
    public let testCharacterCount: Int
    /// Stateful truncated BPTT: B contiguous streams, state carried from window to window.
    public let stateful: Bool
    public let baseline: TaskBaseline

    /// Why a text cannot be used at these settings (too short); the message names the field.
    /// `seq_len` does not fit the text (the message follows the field's path).
    public enum SizeError: Error, Equatable, CustomStringConvertible {
        case textTooShort(characters: Int, trainCharacters: Int, seqLen: Int)
        public var description: String {
            switch self {
            case .textTooShort(let characters, let train, let seqLen):
                return train <= 1
                    ? "is \(seqLen) but the text of \(characters) characters leaves \(train) for training: it is too short for any seq_len; give a longer text"
                    : "is \(seqLen) but the text of \(characters) characters leaves \(train) for training; expected seq_len < \(train)"
            }
        }
    }

    public init(text: String, valFraction: Double, seqLen: Int, maxCharacters: Int = .max,
                testFraction: Double = 0, stateful: Bool = false) throws {
        precondition(valFraction > 0 && testFraction >= 0 && valFraction + testFraction < 1 && seqLen > 0, "invalid charlm parameters")
        var scalars = Array(text.unicodeScalars)
        if scalars.count > maxCharacters { scalars = Array(scalars[..<maxCharacters]) }
        let total = scalars.count
        let validationCount = max(1, Int((Double(total) * valFraction).rounded()))
        let testCount = testFraction > 0 ? max(1, Int((Double(total) * testFraction).rounded())) : 0
        let trainCount = total - validationCount - testCount
        guard trainCount >= seqLen + 1 else {
            throw SizeError.textTooShort(characters: total, trainCharacters: max(0, trainCount), seqLen: seqLen)
        }
        var trainView = String.UnicodeScalarView()
        trainView.append(contentsOf: scalars[..<trainCount])
        let vocabulary = CharVocabulary(text: String(trainView))
        let encoded = scalars.map { vocabulary.index(of: $0) }
        self.vocabulary = vocabulary
        self.encoded = encoded
        self.seqLen = seqLen
        trainCharacterCount = trainCount
        testCharacterCount = testCount
        self.stateful = stateful
        let nats = unigramCrossEntropy(train: [encoded[..<trainCount].map(Int.init)],
                                       validation: [encoded[trainCount ..< trainCount + validationCount].map(Int.init)],
                                       classes: vocabulary.count)
        let testNats = testCount == 0 ? nil
            : unigramCrossEntropy(train: [encoded[..<trainCount].map(Int.init)],
                                  validation: [encoded[(trainCount + validationCount)...].map(Int.init)], classes: vocabulary.count)
        baseline = TaskBaseline(loss: nats, metric: nats / log(2.0),
                                explanation: "unigram character frequencies of the training text (add-one smoothed)",
                                testLoss: testNats, testMetric: testNats.map { $0 / log(2.0) })
    }

    public var validationCharacterCount: Int { encoded.count - trainCharacterCount - testCharacterCount }

    public var name: String { "charlm" }
    public var inputSize: Int { vocabulary.count }
    public var outputSize: Int { vocabulary.count }
    public var head: HeadKind { .softmax }
    public var metricName: String { "bits_per_char" }
    public var metricHigherIsBetter: Bool { false }
    public var characterVocabulary: CharVocabulary? { vocabulary }

    public var trainExampleCount: Int { (trainCharacterCount - 1) / seqLen }
    public var validationExampleCount: Int { (validationCharacterCount + seqLen - 1) / seqLen }
    public var testExampleCount: Int { (testCharacterCount + seqLen - 1) / seqLen }

    /// Target positions (indices into `encoded`) of training window `i`; inputs are one before.
    public func trainTargetRange(window i: Int) -> Range<Int> { (i * seqLen + 1) ..< (i * seqLen + seqLen + 1) }

    /// Target positions (indices into `encoded`) of validation window `w`; inputs are one before.
    public func validationTargetRange(window w: Int) -> Range<Int> {
        let start = trainCharacterCount + w * seqLen
        return start ..< min(start + seqLen, trainCharacterCount + validationCharacterCount)
    }

    /// Target positions (indices into `encoded`) of test window `w`; inputs are one before.
    public func testTargetRange(window w: Int) -> Range<Int> {
        let start = trainCharacterCount + validationCharacterCount + w * seqLen
        return start ..< min(start + seqLen, encoded.count)
    }

    public func makeTrainBatch(examples: [Int]) -> Batch { makeBatch(examples.map(trainTargetRange)) }
    public func makeValidationBatch(examples: [Int]) -> Batch { makeBatch(examples.map(validationTargetRange)) }
    public func makeTestBatch(examples: [Int]) -> Batch { makeBatch(examples.map(testTargetRange)) }

    func makeBatch(_ targetRanges: [Range<Int>]) -> Batch {
        let batchSize = targetRanges.count
        let steps = max(targetRanges.map(\.count).max()!, 1)
        let width = vocabulary.count
        var inputs = [Float](repeating: 0, count: steps * batchSize * width)
        var targets = [Int32](repeating: -1, count: steps * batchSize)
        for (b, range) in targetRanges.enumerated() {
            for (t, position) in range.enumerated() {
                inputs[(t * batchSize + b) * width + Int(encoded[position - 1])] = 1
                targets[t * batchSize + b] = encoded[position]
            }
        }
        return Batch(steps: steps, batchSize: batchSize, inputSize: width, inputs: inputs, targets: .classes(targets))
    }

    public func makeMetric() -> any TaskMetric { BitsPerCharacterMetric(classes: vocabulary.count) }
}

/// Mean −log2 of the probability given to each target (masked positions skipped).
public struct BitsPerCharacterMetric: TaskMetric {
    public let classes: Int
    public private(set) var bitsSum: Double = 0
    public private(set) var count = 0

    public init(classes: Int) { self.classes = classes }

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .classes(let targets) = batch.targets else { preconditionFailure("charlm needs class targets") }
        precondition(outputs.count == targets.count * classes, "outputs must be (T, B, V)")
        for position in 0..<targets.count where targets[position] >= 0 {
            let probability = max(outputs[position * classes + Int(targets[position])], Float.leastNormalMagnitude)
            bitsSum -= log2(Double(probability))
            count += 1
        }
    }

    public var value: Double { count == 0 ? .nan : bitsSum / Double(count) }
}
