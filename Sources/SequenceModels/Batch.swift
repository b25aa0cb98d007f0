// A minibatch of sequences as the models consume it: time-major, like
// PyTorch's default RNN layout, with per-position targets and a mask.

/// What a model's head predicts at a position.
public enum HeadKind: String, Codable, Sendable, CaseIterable {
    /// Softmax over `outputSize` classes, cross-entropy loss (seed eqs. 7-11).
    case softmax
    /// Linear outputs of width `outputSize`, mean squared error loss.
    case linear
    /// `outputSize` independent sigmoid outputs (multi-label), binary cross-entropy summed
    /// over them (`BernoulliHead`). Takes `.values` targets of 0 and 1.
    case bernoulli
}

/// Targets of a batch. Positions without a target are masked out of the loss;
/// many-to-one tasks carry a target at the last step only.
public enum Targets: Sendable, Equatable {
    /// Class index per position, shape (T, B); `-1` marks a position with no target.
    case classes([Int32])
    /// Regression targets (linear head) or 0/1 labels (bernoulli head), shape (T, B, Y), and a mask of shape (T, B):
    /// 1 where the position carries a target, 0 where it does not.
    case values([Float], mask: [Float], width: Int)
}

/// One minibatch. `inputs` is (T, B, X) row-major: element (t, b, x) is at
/// `(t * batchSize + b) * inputSize + x`.
public struct Batch: Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    public var inputSize: Int
    public var inputs: [Float]
    public var targets: Targets

    public init(steps: Int, batchSize: Int, inputSize: Int, inputs: [Float], targets: Targets) {
        precondition(steps > 0 && batchSize > 0 && inputSize > 0, "empty batch")
        precondition(inputs.count == steps * batchSize * inputSize, "inputs must be (T, B, X)")
        switch targets {
        case .classes(let c):
            precondition(c.count == steps * batchSize, "class targets must be (T, B)")
        case .values(let v, let mask, let width):
            precondition(mask.count == steps * batchSize, "mask must be (T, B)")
            precondition(v.count == steps * batchSize * width, "value targets must be (T, B, Y)")
        }
        self.steps = steps
        self.batchSize = batchSize
        self.inputSize = inputSize
        self.inputs = inputs
        self.targets = targets
    }

    /// Number of positions that carry a target (the loss is averaged over these).
    public var targetCount: Int {
        switch targets {
        case .classes(let c): return c.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        case .values(_, let mask, _): return mask.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        }
    }
}
