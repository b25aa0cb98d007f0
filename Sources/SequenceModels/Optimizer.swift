// Optimisers over the flat parameter buffer: sgd, momentum and adam. Their
// whole state is plain arrays, so a checkpoint restores it bit for bit.

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, momentum, adam
}

public struct OptimizerSettings: Codable, Sendable, Equatable, Hashable {
    public var kind: OptimizerKind
    public var learningRate: Double
    /// Momentum coefficient μ (momentum only).
    public var momentum: Double
    /// Adam's β1, β2 and ε (Kingma & Ba 2015 defaults).
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    public init(kind: OptimizerKind, learningRate: Double, momentum: Double = 0.9,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// The mutable state of an optimiser (saved in checkpoints).
public struct OptimizerState: Codable, Sendable, Equatable {
    /// Number of updates made so far.
    public var step: Int
    /// Momentum: the velocity v. Adam: the first moment m. Empty for sgd.
    public var first: [Float]
    /// Adam: the second moment v. Empty otherwise.
    public var second: [Float]

    public init(step: Int, first: [Float], second: [Float]) {
        self.step = step
        self.first = first
        self.second = second
    }
}

public struct Optimizer: Sendable {
    public let settings: OptimizerSettings
    public var state: OptimizerState

    public init(settings: OptimizerSettings, parameterCount: Int) {
        self.settings = settings
        let zeros = [Float](repeating: 0, count: parameterCount)
        switch settings.kind {
        case .sgd: state = OptimizerState(step: 0, first: [], second: [])
        case .momentum: state = OptimizerState(step: 0, first: zeros, second: [])
        case .adam: state = OptimizerState(step: 0, first: zeros, second: zeros)
        }
    }

    /// One update of `parameters` from `gradients`:
    /// - sgd:      θ ← θ − η g
    /// - momentum: v ← μ v + g;  θ ← θ − η v   (PyTorch's form)
    /// - adam:     m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
    ///             θ ← θ − η m̂ / (√v̂ + ε), with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
    /// Element i of the result depends on element i of the inputs only, so `team` splits
    /// the buffer into contiguous ranges without changing any bit.
    public mutating func update(parameters: inout [Float], gradients: [Float], team: ThreadTeam? = nil) {
        precondition(parameters.count == gradients.count, "parameters and gradients differ in size")
        state.step += 1
        let n = parameters.count
        let lr = Float(settings.learningRate)
        let kind = settings.kind
        let mu = Float(settings.momentum)
        let b1 = Float(settings.beta1), b2 = Float(settings.beta2), eps = Float(settings.epsilon)
        let t = Double(state.step)
        let c1 = Float(1 - pow(settings.beta1, t)), c2 = Float(1 - pow(settings.beta2, t))
        let stepSize = lr / c1
        let c2Root = c2.squareRoot()
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeBufferPointer { gb in
                state.first.withUnsafeMutableBufferPointer { mb in
                    state.second.withUnsafeMutableBufferPointer { vb in
                        let p = pb.baseAddress!, g = gb.baseAddress!, m = mb.baseAddress, v = vb.baseAddress
                        let apply = { (range: Range<Int>) in
                            switch kind {
                            case .sgd:
                                for i in range { p[i] -= lr * g[i] }
                            case .momentum:
                                for i in range {
                                    m![i] = mu * m![i] + g[i]
                                    p[i] -= lr * m![i]
                                }
                            case .adam:
                                for i in range {
                                    m![i] = b1 * m![i] + (1 - b1) * g[i]
                                    v![i] = b2 * v![i] + (1 - b2) * g[i] * g[i]
                                    p[i] -= stepSize * m![i] / (v![i].squareRoot() / c2Root + eps)
                                }
                            }
                        }
                        guard let team else { apply(0..<n); return }
                        team.run(work: 4 * n, items: n) { tid, count in
                            apply(Partition.range(n, part: tid, of: count, align: 16))
                        }
                    }
                }
            }
        }
    }
}

import Foundation
