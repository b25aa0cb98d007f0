// The characters a character-level model knows (Unicode scalars of its training
// text) plus an unknown symbol, and sampling text from such a model.
import Foundation
import SequenceModels

/// Index 0 is the unknown symbol; indices 1...n are the distinct Unicode scalars
/// of the training text in ascending scalar order. A "character" is a Unicode
/// scalar (not a grapheme cluster), so every UTF-8 text maps to indices and back
/// exactly. Codable as `{"symbols": "<the n scalars in order>"}`.
public struct CharVocabulary: Sendable, Equatable, Codable {
    public static let unknownIndex = 0
    /// What the unknown symbol decodes to: U+FFFD REPLACEMENT CHARACTER.
    public static let unknownScalar: Unicode.Scalar = "\u{FFFD}"

    /// The known scalars; scalar `symbols[i]` has index `i + 1`.
    public let symbols: [Unicode.Scalar]
    private let indexOfScalar: [UInt32: Int32]

    /// The vocabulary of `text`.
    public init(text: String) {
        self.init(symbols: Set(text.unicodeScalars.map(\.value)).sorted().map { Unicode.Scalar($0)! })
    }

    public init(symbols: [Unicode.Scalar]) {
        self.symbols = symbols
        var index: [UInt32: Int32] = [:]
        for (i, scalar) in symbols.enumerated() { index[scalar.value] = Int32(i + 1) }
        indexOfScalar = index
    }

    /// Known symbols plus the unknown symbol.
    public var count: Int { symbols.count + 1 }

    public func index(of scalar: Unicode.Scalar) -> Int32 {
        indexOfScalar[scalar.value] ?? Int32(CharVocabulary.unknownIndex)
    }

    /// Indices of the text's scalars; scalars outside the vocabulary become 0 (unknown).
    public func encode(_ text: String) -> [Int32] { text.unicodeScalars.map { index(of: $0) } }

    public func scalar(at index: Int) -> Unicode.Scalar {
        index == CharVocabulary.unknownIndex ? CharVocabulary.unknownScalar : symbols[index - 1]
    }

    public func decode<S: Sequence>(_ indices: S) -> String where S.Element: BinaryInteger {
        var view = String.UnicodeScalarView()
        for i in indices { view.append(scalar(at: Int(i))) }
        return String(view)
    }

    enum CodingKeys: String, CodingKey { case symbols }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .symbols)
        self.init(symbols: Array(text.unicodeScalars))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: symbols)
        try container.encode(String(view), forKey: .symbols)
    }

    public static func == (lhs: CharVocabulary, rhs: CharVocabulary) -> Bool { lhs.symbols == rhs.symbols }
}

/// Generates text from a character model one character at a time.
public enum CharSampler {
    /// Feeds the indices of `prime` to `next` (which returns the model's
    /// probabilities over the vocabulary after each input, keeping its own state),
    /// then samples `length` characters, each fed back as the next input, and
    /// returns them (without the prime).
    ///
    /// Temperature τ > 0 reweights probabilities to p^(1/τ) (renormalised);
    /// τ = 0 takes the most likely character. The unknown symbol is never
    /// sampled. Deterministic for a given `seed` and model.
    public static func sample(vocabulary: CharVocabulary, length: Int, temperature: Double, seed: UInt64,
                              prime: String = "\n", next: (Int) throws -> [Float]) rethrows -> String {
        precondition(length >= 0 && temperature >= 0 && temperature.isFinite, "invalid sampling parameters")
        precondition(!prime.isEmpty, "the prime must have at least one character")
        var rng = Xoshiro256(seed: seed)
        var probabilities: [Float] = []
        for index in vocabulary.encode(prime) { probabilities = try next(Int(index)) }
        var generated: [Int] = []
        generated.reserveCapacity(length)
        for i in 0..<length {
            precondition(probabilities.count == vocabulary.count, "the model must return one probability per vocabulary index")
            let choice = pick(probabilities, temperature: temperature, rng: &rng)
            generated.append(choice)
            if i < length - 1 { probabilities = try next(choice) }
        }
        return vocabulary.decode(generated)
    }

    /// One index drawn from `probabilities` (index 0 excluded) at `temperature`.
    static func pick(_ probabilities: [Float], temperature: Double, rng: inout Xoshiro256) -> Int {
        var best = 1
        for k in 1..<probabilities.count where probabilities[k] > probabilities[best] { best = k }
        if temperature == 0 || probabilities[best] <= 0 { return best }
        // Weights p^(1/τ) relative to the largest, in the log domain so small τ cannot overflow.
        let logBest = log(Double(probabilities[best]))
        var weights = [Double](repeating: 0, count: probabilities.count)
        var total = 0.0
        for k in 1..<probabilities.count where probabilities[k] > 0 {
            weights[k] = exp((log(Double(probabilities[k])) - logBest) / temperature)
            total += weights[k]
        }
        var remaining = rng.nextDouble() * total
        for k in 1..<probabilities.count where weights[k] > 0 {
            remaining -= weights[k]
            if remaining < 0 { return k }
        }
        return best
    }
}

extension CharSampler {
    /// Samples from a trained character model: each input index becomes a
    /// one-hot vector stepped through `model` with batch size 1, carrying its
    /// recurrent state from one character to the next. See
    /// `sample(vocabulary:length:temperature:seed:prime:next:)` for the rules.
    public static func sample(model: Model, vocabulary: CharVocabulary, length: Int, temperature: Double,
                              seed: UInt64, prime: String = "\n") -> String {
        precondition(model.config.head == .softmax && model.config.inputSize == vocabulary.count
                     && model.config.outputSize == vocabulary.count, "the model must read and predict the vocabulary")
        var state = model.initialState(batchSize: 1)
        var input = [Float](repeating: 0, count: vocabulary.count)
        return sample(vocabulary: vocabulary, length: length, temperature: temperature, seed: seed, prime: prime) { index in
            input[index] = 1
            defer { input[index] = 0 }
            return model.predict(inputs: input, steps: 1, state: &state)
        }
    }
}
