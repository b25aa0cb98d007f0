// Gradient checks: the Float64 reference against central finite differences,
// and the Float32 fast path against the reference, tensor by tensor.
// Used by `swift test` and by `runner gradcheck`.

/// The target layouts a check exercises.
public enum TargetLayout: String, CaseIterable, Sendable {
    /// softmax cross-entropy at every step, some positions masked out
    case softmaxEveryStep = "softmax-every-step"
    /// softmax cross-entropy at the last step only (many-to-one)
    case softmaxLastStep = "softmax-last-step"
    /// linear head, mean squared error, at the last step only
    case linearLastStep = "linear-last-step"
    /// bernoulli head (sigmoid + binary cross-entropy over 3 units) at every step up to each
    /// sequence's own length (the steps after it masked out, as padding is)
    case bernoulliEveryStep = "bernoulli-every-step"
}

public struct GradientCheckRow: Sendable {
    public var name: String
    public var shape: [Int]
    /// Largest relative error of the reference against finite differences.
    public var referenceVsFiniteDifferences: Double
    /// Largest relative error of the Float32 path against the reference.
    public var fastVsReference: Double
    /// Entries compared by finite differences (all, or a sample of large tensors).
    public var checkedEntries: Int
}

public struct GradientCheckReport: Sendable {
    public var rows: [GradientCheckRow]
    public var referenceLoss: Double
    public var fastLoss: Double
    public var maxReferenceVsFiniteDifferences: Double { rows.map(\.referenceVsFiniteDifferences).max() ?? 0 }
    public var maxFastVsReference: Double { rows.map(\.fastVsReference).max() ?? 0 }
    /// The gradient bounds every backward pass must meet: the Float64 reference within 1e-6
    /// (relative) of finite differences, the Float32 fast path within 1e-3 of the reference.
    public static let referenceBound = 1e-6
    public static let fastBound = 1e-3
    public var passed: Bool {
        maxReferenceVsFiniteDifferences <= Self.referenceBound && maxFastVsReference <= Self.fastBound
    }
}

public enum GradientCheck {
    /// Relative error of `a` against `b`, entry by entry:
    /// |a − b| / max(|a|, |b|, floor), with floor = 1e-3 · max|b| over the tensor so that
    /// entries near zero are judged on the tensor's scale rather than on their own.
    public static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let scale = b.map(abs).max() ?? 0
        let floor = max(1e-3 * scale, 1e-30)
        var worst = 0.0
        for i in 0..<a.count {
            let e = abs(a[i] - b[i]) / max(abs(a[i]), abs(b[i]), floor)
            worst = max(worst, e)
        }
        return worst
    }

    /// A random problem: parameters from the model's initialisation, normal inputs, random targets.
    public static func randomProblem(cell: CellKind, layout targets: TargetLayout, hidden: Int = 5, steps: Int = 6,
                                     batch: Int = 3, input: Int = 4, classes: Int = 3, seed: UInt64 = 1,
                                     layers: Int = 1, dropout: Float = 0) -> (ModelConfig, Batch) {
        var rng = Xoshiro256(seed: seed &+ 1000)
        let head: HeadKind = targets == .linearLastStep ? .linear : targets == .bernoulliEveryStep ? .bernoulli : .softmax
        let width = head == .linear ? 2 : classes
        let config = ModelConfig(cell: cell, inputSize: input, hiddenSize: hidden, outputSize: width,
                                 head: head, forgetBias: 1.0, seed: seed, layers: layers, dropout: dropout)
        let inputs = (0..<(steps * batch * input)).map { _ in Float(rng.normal()) }
        let t: Targets
        switch targets {
        case .softmaxEveryStep:
            t = .classes((0..<(steps * batch)).map { _ in
                rng.nextDouble() < 0.2 ? -1 : Int32(rng.nextInt(below: classes))
            })
        case .softmaxLastStep:
            t = .classes((0..<(steps * batch)).map { i in
                i >= (steps - 1) * batch ? Int32(rng.nextInt(below: classes)) : -1
            })
        case .linearLastStep:
            let mask = (0..<(steps * batch)).map { i -> Float in i >= (steps - 1) * batch ? 1 : 0 }
            t = .values((0..<(steps * batch * width)).map { _ in Float(rng.uniform(0, 2)) }, mask: mask, width: width)
        case .bernoulliEveryStep:
            // Sequence b has length steps − b (at least 1): a padded batch.
            let mask = (0..<(steps * batch)).map { i -> Float in i / batch < max(steps - i % batch, 1) ? 1 : 0 }
            t = .values((0..<(steps * batch * width)).map { _ in rng.nextDouble() < 0.4 ? 1 : 0 }, mask: mask, width: width)
        }
        return (config, Batch(steps: steps, batchSize: batch, inputSize: input, inputs: inputs, targets: t))
    }

    /// The fixed training step whose dropout masks the check uses (when `config.dropout` > 0).
    public static let dropoutKey = DropoutKey(seed: 17, epoch: 1, step: 1)

    /// Runs both checks (with `config.dropout` > 0, under the masks of `dropoutKey`). Tensors larger than `maxEntriesPerTensor` are checked by
    /// finite differences on that many entries drawn at random (seeded); the
    /// Float32-vs-reference comparison always covers every entry.
    public static func run(config: ModelConfig, batch: Batch, parameters: [Float]? = nil,
                           epsilon: Double = 2e-3, maxEntriesPerTensor: Int = .max, seed: UInt64 = 7) -> GradientCheckReport {
        let key = config.dropout > 0 ? dropoutKey : nil
        let model = parameters.map { Model(config: config, parameters: $0) } ?? Model(config: config)
        let p = model.parameters.map(Double.init)
        let x = batch.inputs.map(Double.init)
        let ref = ReferenceModel.lossAndGradients(config: config, parameters: p, inputs: x, batch: batch, dropout: key)

        var fastGrads = [Float]()
        var fastDx = [Float](repeating: 0, count: batch.inputs.count)
        let fastLoss = fastDx.withUnsafeMutableBufferPointer {
            model.lossAndGradients(batch: batch, gradients: &fastGrads, inputGradients: $0.baseAddress, dropout: key)
        }

        var rng = Xoshiro256(seed: seed)
        func entries(_ count: Int) -> [Int] {
            if count <= maxEntriesPerTensor { return Array(0..<count) }
            return (0..<maxEntriesPerTensor).map { _ in rng.nextInt(below: count) }
        }
        func finiteDifference(_ index: Int, inInputs: Bool) -> Double {
            var pp = p, xx = x
            func loss(_ delta: Double) -> Double {
                if inInputs { xx[index] = x[index] + delta } else { pp[index] = p[index] + delta }
                return ReferenceModel.loss(config: config, parameters: pp, inputs: xx, batch: batch, dropout: key)
            }
            // Fourth-order central difference: truncation error O(ε⁴), so ε can be large
            // enough that rounding in the loss (≈1e-16·L/ε) stays far below the bound.
            // ε = 2e-3 measured best (H=32..64, T=20..30): smaller ε is rounding-limited,
            // larger truncation-limited.
            return (8 * (loss(epsilon) - loss(-epsilon)) - (loss(2 * epsilon) - loss(-2 * epsilon))) / (12 * epsilon)
        }

        var rows: [GradientCheckRow] = []
        for slot in model.layout.tensors {
            let picked = entries(slot.count)
            let fd = picked.map { finiteDifference(slot.offset + $0, inInputs: false) }
            let refPicked = picked.map { ref.parameterGradients[slot.offset + $0] }
            let refAll = Array(ref.parameterGradients[slot.range])
            let fastAll = fastGrads[slot.range].map(Double.init)
            rows.append(GradientCheckRow(name: slot.name, shape: slot.shape,
                                         referenceVsFiniteDifferences: relativeError(refPicked, fd),
                                         fastVsReference: relativeError(fastAll, refAll),
                                         checkedEntries: picked.count))
        }
        let picked = entries(x.count)
        let fd = picked.map { finiteDifference($0, inInputs: true) }
        rows.append(GradientCheckRow(name: "input", shape: [batch.steps, batch.batchSize, batch.inputSize],
                                     referenceVsFiniteDifferences: relativeError(picked.map { ref.inputGradients[$0] }, fd),
                                     fastVsReference: relativeError(fastDx.map(Double.init), ref.inputGradients),
                                     checkedEntries: picked.count))
        return GradientCheckReport(rows: rows, referenceLoss: ref.loss, fastLoss: fastLoss)
    }
}
