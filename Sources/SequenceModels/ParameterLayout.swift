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

extension ModelConfig {
    /// The parameter count G·H·X + G·H·H + G·H + V·H + V in checked arithmetic: nil when it
    /// does not fit an `Int` (the sizes of a spec are validated with this before any
    /// ``ParameterLayout`` is built).
    public var checkedParameterCount: Int? {
        let g = cell.gateCount, h = hiddenSize, x = inputSize, v = outputSize
        guard h >= 0, x >= 0, v >= 0 else { return nil }
        return CheckedInt.sum([CheckedInt.product([g, h, x]), CheckedInt.product([g, h, h]),
                               CheckedInt.product([g, h]), CheckedInt.product([v, h]), v])
    }
}

/// Integer arithmetic that reports overflow as nil instead of trapping.
public enum CheckedInt {
    /// The product of `factors`, nil on overflow.
    public static func product(_ factors: [Int?]) -> Int? {
        var result = 1
        for factor in factors {
            guard let factor else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The sum of `terms`, nil on overflow.
    public static func sum(_ terms: [Int?]) -> Int? {
        var result = 0
        for term in terms {
            guard let term else { return nil }
            let (next, overflow) = result.addingReportingOverflow(term)
            if overflow { return nil }
            result = next
        }
        return result
    }
}
