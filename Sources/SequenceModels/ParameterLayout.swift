// Where each weight tensor of a model lives in its one flat parameter buffer.
// Optimisers, clipping and checkpoints work on the flat buffer; kernels use the offsets.

/// One named tensor inside the flat parameter buffer (row-major).
public struct TensorSlot: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// The tensors of a model, in the gate layout of the fused matrices:
///
///     weightIH   (G·H, X)   input weights of all gates, gate blocks of H rows
///     weightHH   (G·H, H)   recurrent weights of all gates
///     bias       (G·H)      the seed's single bias per gate
///     headWeight (V, H)     W_ya of seed eq. 8
///     headBias   (V)        b_y
///
/// Gate blocks: rnn [a]; gru [r, u, c] (Γr, Γu, candidate); lstm [u, f, c, o]
/// (update = PyTorch's input gate i, forget, candidate g, output), which is
/// PyTorch's i, f, g, o order.
public struct ParameterLayout: Sendable, Equatable {
    public let weightIH: TensorSlot
    public let weightHH: TensorSlot
    public let bias: TensorSlot
    public let headWeight: TensorSlot
    public let headBias: TensorSlot
    public let totalCount: Int

    public var tensors: [TensorSlot] { [weightIH, weightHH, bias, headWeight, headBias] }

    public init(_ config: ModelConfig) {
        let g = config.cell.gateCount, h = config.hiddenSize, x = config.inputSize, v = config.outputSize
        var offset = 0
        func slot(_ name: String, _ shape: [Int]) -> TensorSlot {
            let s = TensorSlot(name: name, shape: shape, offset: offset)
            offset += s.count
            return s
        }
        weightIH = slot("weight_ih", [g * h, x])
        weightHH = slot("weight_hh", [g * h, h])
        bias = slot("bias", [g * h])
        headWeight = slot("head.weight", [v, h])
        headBias = slot("head.bias", [v])
        totalCount = offset
    }
}

extension ModelConfig {
    /// Number of trainable parameters.
    public var parameterCount: Int { ParameterLayout(self).totalCount }
}
