// The embedded Reber grammar (Fahlman 1991; Hochreiter & Schmidhuber 1997):
// next-symbol prediction where the second-to-last symbol repeats the second.
import Foundation
import SequenceModels

/// The grammar as a deterministic automaton over the symbols B T P S X V E.
///
/// Reber grammar (inner), state → (symbol → state):
///
///     r0: B→r1        r1: T→r2, P→r3   r2: S→r2, X→r4   r3: T→r3, V→r5
///     r4: X→r3, S→r6  r5: P→r4, V→r6   r6: E→accept
///
/// Embedded: B, then T or P, then a Reber string, then the same T or P again, then E.
public enum EmbeddedReberGrammar {
    public static let symbols: [Character] = ["B", "T", "P", "S", "X", "V", "E"]
    public static let B = 0, T = 1, P = 2, S = 3, X = 4, V = 5, E = 6

    /// Inner Reber transitions: `inner[state]` lists (symbol, next state); next state 7 = accept.
    static let inner: [[(symbol: Int, next: Int)]] = [
        [(B, 1)],
        [(T, 2), (P, 3)],
        [(S, 2), (X, 4)],
        [(T, 3), (V, 5)],
        [(X, 3), (S, 6)],
        [(P, 4), (V, 6)],
        [(E, 7)],
    ]

    /// Where a reader of an embedded Reber string is.
    public enum State: Equatable, Sendable {
        case start                       // expects B
        case branch                      // expects T or P
        case inner(state: Int, branch: Int)
        case closing(branch: Int)        // expects the branch symbol again
        case end                         // expects E
        case accepted                    // the string is complete
        case rejected
    }

    /// The symbols allowed next in a state (empty when accepted or rejected).
    public static func legalNext(_ state: State) -> [Int] {
        switch state {
        case .start: return [B]
        case .branch: return [T, P]
        case .inner(let s, _): return inner[s].map(\.symbol)
        case .closing(let branch): return [branch]
        case .end: return [E]
        case .accepted, .rejected: return []
        }
    }

    /// The state after reading `symbol` in `state`.
    public static func advance(_ state: State, _ symbol: Int) -> State {
        switch state {
        case .start: return symbol == B ? .branch : .rejected
        case .branch: return symbol == T || symbol == P ? .inner(state: 0, branch: symbol) : .rejected
        case .inner(let s, let branch):
            guard let edge = inner[s].first(where: { $0.symbol == symbol }) else { return .rejected }
            return edge.next == 7 ? .closing(branch: branch) : .inner(state: edge.next, branch: branch)
        case .closing(let branch): return symbol == branch ? .end : .rejected
        case .end: return symbol == E ? .accepted : .rejected
        case .accepted, .rejected: return .rejected
        }
    }

    /// A random string: at every state each allowed symbol is equally likely.
    public static func generate(using rng: inout Xoshiro256) -> [Int] {
        var state = State.start
        var string: [Int] = []
        while state != .accepted {
            let choices = legalNext(state)
            let symbol = choices.count == 1 ? choices[0] : choices[rng.nextInt(below: choices.count)]
            string.append(symbol)
            state = advance(state, symbol)
        }
        return string
    }

    /// The shortest embedded Reber strings (e.g. BTBTXSETE) have 9 symbols.
    public static let minimumLength = 9

    public static func text(_ string: [Int]) -> String { String(string.map { symbols[$0] }) }
}

/// Next-symbol prediction over embedded Reber strings. A string s0 ... s(n-1)
/// gives n-1 steps: the input at step t is one-hot s(t) over the 7 symbols, the
/// target is s(t+1). Strings of a batch are padded to the longest: padded steps
/// have zero inputs and target -1 (masked). Strings longer than `maxLength`
/// are rejected and redrawn, so the distribution is the grammar's conditioned on
/// length ≤ maxLength.
///
/// Metric `second_to_last_accuracy`: accuracy of the argmax at the step that
/// predicts s(n-2), which must repeat s1 (the long dependency). Its baseline
/// 0.5 is a model that knows the grammar but not the dependency (T or P at
/// random). Detail `strings_fully_predicted`: share of strings where at every
/// step each legal next symbol has a higher probability than every illegal one.
/// Loss baseline: cross-entropy of the training targets' unigram frequencies
/// (add-one smoothed) on the validation targets.
public struct EmbeddedReberTask: SequenceTask {
    public let maxLength: Int
    /// Strings are at most `maxLength` symbols, so batches at most `maxLength` steps.
    public var maxSequenceSteps: Int { maxLength }
    public let dataSeed: UInt64
    public let trainExampleCount: Int
    public let validationExampleCount: Int
    public let testExampleCount: Int

    /// The three splits' strings and the baseline scored on them.
    struct Splits: Sendable {
        var train: [[Int]], validation: [[Int]], test: [[Int]]
        var baseline: TaskBaseline
    }

    /// Generated on first use (``GeneratedData``): building the task generates nothing.
    let splits: GeneratedData<Splits>

    public var trainStrings: [[Int]] { splits.value.train }
    public var validationStrings: [[Int]] { splits.value.validation }
    /// The test split: `testSize` strings (default `valSize`) from their own stream of `dataSeed`.
    public var testStrings: [[Int]] { splits.value.test }
    public var baseline: TaskBaseline { splits.value.baseline }

    public init(trainSize: Int, valSize: Int, testSize: Int? = nil, maxLength: Int, dataSeed: UInt64) {
        precondition(trainSize > 0 && valSize > 0 && (testSize ?? 1) >= 0 && maxLength >= EmbeddedReberGrammar.minimumLength,
                     "invalid reber parameters")
        self.maxLength = maxLength
        self.dataSeed = dataSeed
        trainExampleCount = trainSize
        validationExampleCount = valSize
        testExampleCount = testSize ?? valSize
        let testCount = testExampleCount
        splits = GeneratedData {
            EmbeddedReberTask.generateSplits(trainSize: trainSize, valSize: valSize, testSize: testCount,
                                             maxLength: maxLength, dataSeed: dataSeed)
        }
    }

    static func generateSplits(trainSize: Int, valSize: Int, testSize: Int, maxLength: Int, dataSeed: UInt64) -> Splits {
        let trainStrings = EmbeddedReberTask.generate(count: trainSize, maxLength: maxLength, seed: mixSeed(dataSeed, 1))
        let validationStrings = EmbeddedReberTask.generate(count: valSize, maxLength: maxLength, seed: mixSeed(dataSeed, 2))
        let testStrings = EmbeddedReberTask.generate(count: testSize, maxLength: maxLength, seed: mixSeed(dataSeed, 3))
        let loss = unigramCrossEntropy(train: trainStrings.map { $0.dropFirst() },
                                       validation: validationStrings.map { $0.dropFirst() },
                                       classes: EmbeddedReberGrammar.symbols.count)
        let testLoss = testStrings.isEmpty ? nil
            : unigramCrossEntropy(train: trainStrings.map { $0.dropFirst() }, validation: testStrings.map { $0.dropFirst() },
                                  classes: EmbeddedReberGrammar.symbols.count)
        let baseline = TaskBaseline(loss: loss, metric: 0.5,
                                    explanation: "loss: unigram frequencies of training symbols; metric: T or P at random",
                                    testLoss: testLoss, testMetric: testStrings.isEmpty ? nil : 0.5)
        return Splits(train: trainStrings, validation: validationStrings, test: testStrings, baseline: baseline)
    }

    static func generate(count: Int, maxLength: Int, seed: UInt64) -> [[Int]] {
        var rng = Xoshiro256(seed: seed)
        var strings: [[Int]] = []
        strings.reserveCapacity(count)
        while strings.count < count {
            let string = EmbeddedReberGrammar.generate(using: &rng)
            if string.count <= maxLength { strings.append(string) }
        }
        return strings
    }

    public var name: String { "reber" }
    public var inputSize: Int { 7 }
    public var outputSize: Int { 7 }
    public var head: HeadKind { .softmax }
    public var metricName: String { "second_to_last_accuracy" }
    public var metricHigherIsBetter: Bool { true }

    public func makeTrainBatch(examples: [Int]) -> Batch { let data = trainStrings; return makeBatch(examples.map { data[$0] }) }
    public func makeValidationBatch(examples: [Int]) -> Batch { let data = validationStrings; return makeBatch(examples.map { data[$0] }) }
    public func makeTestBatch(examples: [Int]) -> Batch { let data = testStrings; return makeBatch(examples.map { data[$0] }) }

    func makeBatch(_ strings: [[Int]]) -> Batch {
        let batchSize = strings.count
        let steps = strings.map { $0.count - 1 }.max()!
        var inputs = [Float](repeating: 0, count: steps * batchSize * 7)
        var targets = [Int32](repeating: -1, count: steps * batchSize)
        for (b, string) in strings.enumerated() {
            for t in 0..<(string.count - 1) {
                inputs[(t * batchSize + b) * 7 + string[t]] = 1
                targets[t * batchSize + b] = Int32(string[t + 1])
            }
        }
        return Batch(steps: steps, batchSize: batchSize, inputSize: 7, inputs: inputs, targets: .classes(targets))
    }

    public func makeMetric() -> any TaskMetric { ReberMetric() }
}

/// The Reber metrics, read back from a batch: the string of each column is its
/// inputs' one-hot symbols followed by the last target.
public struct ReberMetric: TaskMetric {
    public private(set) var longDependencyCorrect = 0
    public private(set) var stringsFullyPredicted = 0
    public private(set) var strings = 0

    public init() {}

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .classes(let targets) = batch.targets else { preconditionFailure("reber needs class targets") }
        let classes = 7
        precondition(batch.inputSize == classes && outputs.count == batch.steps * batch.batchSize * classes,
                     "outputs must be (T, B, 7)")
        for b in 0..<batch.batchSize {
            var lastStep = -1
            for t in 0..<batch.steps where targets[t * batch.batchSize + b] >= 0 { lastStep = t }
            guard lastStep >= 1 else { continue }
            strings += 1
            var state = EmbeddedReberGrammar.State.start
            var everyStepLegal = true
            for t in 0...lastStep {
                let position = t * batch.batchSize + b
                let symbol = argmax(batch.inputs, offset: position * classes, count: classes)
                state = EmbeddedReberGrammar.advance(state, symbol)
                let legal = EmbeddedReberGrammar.legalNext(state)
                let offset = position * classes
                var lowestLegal = Float.infinity, highestIllegal = -Float.infinity
                for k in 0..<classes {
                    if legal.contains(k) { lowestLegal = min(lowestLegal, outputs[offset + k]) }
                    else { highestIllegal = max(highestIllegal, outputs[offset + k]) }
                }
                if legal.isEmpty || !(lowestLegal > highestIllegal) { everyStepLegal = false }
                if t == lastStep - 1,
                   argmax(outputs, offset: offset, count: classes) == Int(targets[position]) {
                    longDependencyCorrect += 1
                }
            }
            if everyStepLegal { stringsFullyPredicted += 1 }
        }
    }

    public var value: Double { strings == 0 ? .nan : Double(longDependencyCorrect) / Double(strings) }
    public var details: [String: Double] {
        ["strings_fully_predicted": strings == 0 ? .nan : Double(stringsFullyPredicted) / Double(strings)]
    }
}

/// Cross-entropy (nats) of the validation symbols under the training symbols'
/// unigram frequencies, add-one smoothed over `classes` so no class has zero mass.
func unigramCrossEntropy<S: Sequence>(train: [S], validation: [S], classes: Int) -> Double
where S.Element == Int {
    // Counts of the symbols seen only (classes may be far more than the data holds, e.g. a
    // spec's "classes"); every class starts at 1. The total is a sum of whole numbers below
    // 2^53, exact in any order.
    var seen = [Int: Double]()
    var total = Double(classes)
    for sequence in train { for symbol in sequence { seen[symbol, default: 1] += 1; total += 1 } }
    var sum = 0.0, n = 0
    for sequence in validation {
        for symbol in sequence {
            sum -= log(seen[symbol, default: 1] / total)
            n += 1
        }
    }
    return n == 0 ? .nan : sum / Double(n)
}
