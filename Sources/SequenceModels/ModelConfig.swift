// The configuration that fully determines a model's shape and initial weights.

/// The recurrent cell, after the seed's equations.
public enum CellKind: String, Codable, Sendable, CaseIterable {
    case rnn, gru, lstm

    /// Number of gate blocks of width H in the fused weight matrices.
    public var gateCount: Int {
        switch self {
        case .rnn: return 1
        case .gru: return 3
        case .lstm: return 4
        }
    }
}

public struct ModelConfig: Codable, Sendable, Equatable, Hashable {
    public var cell: CellKind
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int
    public var head: HeadKind
    /// Initial value of the LSTM forget-gate bias (Jozefowicz et al. 2015). Ignored by rnn and gru.
    public var forgetBias: Float
    /// Seed of the deterministic initialisation.
    public var seed: UInt64

    public init(cell: CellKind, inputSize: Int, hiddenSize: Int, outputSize: Int,
                head: HeadKind = .softmax, forgetBias: Float = 1.0, seed: UInt64 = 0) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        self.head = head
        self.forgetBias = forgetBias
        self.seed = seed
    }
}
