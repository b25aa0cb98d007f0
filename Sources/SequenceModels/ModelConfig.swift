// The configuration that fully determines a model's shape and initial weights.

/// The recurrent cell, after the seed's equations (and PyTorch's GRU as a cell of its own).
public enum CellKind: String, Codable, Sendable, CaseIterable {
    case rnn, gru, lstm
    /// PyTorch's nn.GRU ("reset after"): the reset gate multiplies W_hn h + b_hn after the
    /// matmul, and every gate has an input bias b_i and a recurrent bias b_h.
    case gruResetAfter = "gru_reset_after"

    /// Number of gate blocks of width H in the fused weight matrices.
    public var gateCount: Int {
        switch self {
        case .rnn: return 1
        case .gru, .gruResetAfter: return 3
        case .lstm: return 4
        }
    }

    /// Whether the cell has a recurrent bias b_h of its own beside the input bias (PyTorch's
    /// bias_hh); the seed's cells have one bias per gate.
    public var hasRecurrentBias: Bool { self == .gruResetAfter }
}

public struct ModelConfig: Codable, Sendable, Equatable, Hashable {
    public var cell: CellKind
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int
    public var head: HeadKind
    /// Initial value of the LSTM forget-gate bias (Jozefowicz et al. 2015). Ignored by the other cells.
    public var forgetBias: Float
    /// Seed of the deterministic initialisation.
    public var seed: UInt64
    /// Stacked recurrent layers (1-4): layer l reads layer l−1's hidden sequence, the head the top's.
    public var layers: Int
    /// Inverted dropout probability on the non-recurrent connections (each layer's output, so
    /// between layers and before the head) while training; 0 = none.
    public var dropout: Float

    public init(cell: CellKind, inputSize: Int, hiddenSize: Int, outputSize: Int,
                head: HeadKind = .softmax, forgetBias: Float = 1.0, seed: UInt64 = 0,
                layers: Int = 1, dropout: Float = 0) {
        precondition(layers >= 1, "a model has at least one layer")
        precondition(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        self.head = head
        self.forgetBias = forgetBias
        self.seed = seed
        self.layers = layers
        self.dropout = dropout
    }

    enum CodingKeys: String, CodingKey {
        case cell, inputSize, hiddenSize, outputSize, head, forgetBias, seed, layers, dropout
    }

    /// Configurations written before `layers` and `dropout` existed read as 1 layer, no dropout.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A stored configuration (a checkpoint's, a damaged one) is checked before the
        // initialiser's preconditions see it.
        let inputSize = try c.decode(Int.self, forKey: .inputSize), hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        let outputSize = try c.decode(Int.self, forKey: .outputSize)
        let layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? 1
        let dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
        for (key, size) in [(CodingKeys.inputSize, inputSize), (.hiddenSize, hiddenSize), (.outputSize, outputSize)] where size < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.rawValue) \(size) is not a positive size")
        }
        guard (1...4).contains(layers) else {
            throw DecodingError.dataCorruptedError(forKey: .layers, in: c, debugDescription: "layers \(layers) is not 1-4")
        }
        guard dropout >= 0 && dropout < 1 else {
            throw DecodingError.dataCorruptedError(forKey: .dropout, in: c, debugDescription: "dropout \(dropout) is not in [0, 1)")
        }
        self.init(cell: try c.decode(CellKind.self, forKey: .cell), inputSize: inputSize, hiddenSize: hiddenSize, outputSize: outputSize,
                  head: try c.decode(HeadKind.self, forKey: .head), forgetBias: try c.decode(Float.self, forKey: .forgetBias),
                  seed: try c.decode(UInt64.self, forKey: .seed), layers: layers, dropout: dropout)
    }
}
