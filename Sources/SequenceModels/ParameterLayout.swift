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

/// The tensors of one recurrent layer l, in the gate layout of the fused matrices
/// (X_l = X for layer 0, H above it):
///
///     weightIH   (G·H, X_l)  input weights of all gates, gate blocks of H rows
///     weightHH   (G·H, H)    recurrent weights of all gates
///     bias       (G·H)       the seed's single bias per gate (gru_reset_after: PyTorch's b_i)
///     biasHH     (G·H)       gru_reset_after only: PyTorch's recurrent bias b_h
public struct LayerSlots: Sendable, Equatable {
    public let weightIH: TensorSlot
    public let weightHH: TensorSlot
    public let bias: TensorSlot
    public let biasHH: TensorSlot?
    /// X_l: the width of the layer's input.
    public let inputSize: Int

    public var tensors: [TensorSlot] { [weightIH, weightHH, bias] + (biasHH.map { [$0] } ?? []) }
}

/// The model's tensors: each layer's (bottom first), then the head:
///
///     headWeight (V, H)     W_ya of seed eq. 8
///     headBias   (V)        b_y
///
/// Gate blocks: rnn [a]; gru [r, u, c] (Γr, Γu, candidate); gru_reset_after [r, z, n]
/// (PyTorch's order); lstm [u, f, c, o] (update = PyTorch's input gate i, forget,
/// candidate g, output), which is PyTorch's i, f, g, o order.
/// A one-layer model's names are weight_ih, weight_hh, bias (bias_ih, bias_hh); deeper
/// models add the layer as PyTorch does: weight_ih_l0, weight_ih_l1, ...
public struct ParameterLayout: Sendable, Equatable {
    public let layers: [LayerSlots]
    public let headWeight: TensorSlot
    public let headBias: TensorSlot
    public let totalCount: Int

    public var tensors: [TensorSlot] { layers.flatMap(\.tensors) + [headWeight, headBias] }

    public init(_ config: ModelConfig) {
        let g = config.cell.gateCount, h = config.hiddenSize, v = config.outputSize
        var offset = 0
        func slot(_ name: String, _ shape: [Int]) -> TensorSlot {
            let s = TensorSlot(name: name, shape: shape, offset: offset)
            offset += s.count
            return s
        }
        var layers: [LayerSlots] = []
        for l in 0..<config.layers {
            let x = l == 0 ? config.inputSize : h
            let suffix = config.layers == 1 ? "" : "_l\(l)"
            let split = config.cell.hasRecurrentBias
            let wIH = slot("weight_ih" + suffix, [g * h, x])
            let wHH = slot("weight_hh" + suffix, [g * h, h])
            let bias = slot((split ? "bias_ih" : "bias") + suffix, [g * h])
            let biasHH = split ? slot("bias_hh" + suffix, [g * h]) : nil
            layers.append(LayerSlots(weightIH: wIH, weightHH: wHH, bias: bias, biasHH: biasHH, inputSize: x))
        }
        self.layers = layers
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
    /// The parameter count in checked arithmetic, nil when it does not fit an `Int`: per
    /// layer G·H·X_l + G·H·H + G·H (+ G·H for a recurrent bias), X_0 = X and X_l = H above,
    /// then V·H + V for the head. The sizes of a spec are validated with this before any
    /// ``ParameterLayout`` is built.
    public var checkedParameterCount: Int? {
        let g = cell.gateCount, h = hiddenSize, v = outputSize
        guard h >= 0, inputSize >= 0, v >= 0, layers >= 1 else { return nil }
        var terms: [Int?] = []
        for l in 0..<layers {
            let x = l == 0 ? inputSize : h
            terms += [CheckedInt.product([g, h, x]), CheckedInt.product([g, h, h]), CheckedInt.product([g, h])]
            if cell.hasRecurrentBias { terms.append(CheckedInt.product([g, h])) }
        }
        return CheckedInt.sum(terms + [CheckedInt.product([v, h]), v])
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
