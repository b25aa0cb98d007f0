// Optimisers over the flat parameter buffer: sgd, momentum, adam, adamw and rmsprop, each
// step written as torch.optim writes it (same order of operations, Float32 state). Their
// whole state is plain arrays, so a checkpoint restores it bit for bit.

public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, momentum, adam, adamw, rmsprop
}

public struct OptimizerSettings: Codable, Sendable, Equatable, Hashable {
    public var kind: OptimizerKind
    /// The base learning rate η (a schedule may pass another one to each update).
    public var learningRate: Double
    /// Momentum coefficient μ (momentum only).
    public var momentum: Double
    /// Adam's and AdamW's β1, β2 and ε (Kingma & Ba 2015 defaults).
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// λ: L2 penalty added to the gradient (sgd, momentum, adam, rmsprop), or decoupled
    /// decay (adamw). 0 leaves every step bitwise as without it.
    public var weightDecay: Double
    /// RMSProp's smoothing constant α and ε (PyTorch's defaults 0.99 and 1e-8).
    public var rmspropAlpha: Double
    public var rmspropEpsilon: Double
    /// RMSProp's momentum (PyTorch's `momentum` argument of RMSprop; 0: none).
    public var rmspropMomentum: Double

    public init(kind: OptimizerKind, learningRate: Double, momentum: Double = 0.9,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
                rmspropAlpha: Double = 0.99, rmspropEpsilon: Double = 1e-8, rmspropMomentum: Double = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.rmspropAlpha = rmspropAlpha
        self.rmspropEpsilon = rmspropEpsilon
        self.rmspropMomentum = rmspropMomentum
    }
}

/// The mutable state of an optimiser (saved in checkpoints).
public struct OptimizerState: Codable, Sendable, Equatable {
    /// Number of updates made so far.
    public var step: Int
    /// Momentum: the velocity v. Adam, AdamW: the first moment m. RMSProp: the mean square
    /// E[g²]. Empty for sgd.
    public var first: [Float]
    /// Adam, AdamW: the second moment v. RMSProp with momentum: the momentum buffer b.
    /// Empty otherwise.
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
        case .adam, .adamw: state = OptimizerState(step: 0, first: zeros, second: zeros)
        case .rmsprop: state = OptimizerState(step: 0, first: zeros, second: settings.rmspropMomentum > 0 ? zeros : [])
        }
    }

    /// One update at the base learning rate.
    public mutating func update(parameters: inout [Float], gradients: [Float], team: ThreadTeam? = nil) {
        update(parameters: &parameters, gradients: gradients, learningRate: settings.learningRate, team: team)
    }

    /// One update of `parameters` from `gradients` at learning rate η. With λ = weight decay,
    /// g' = g + λθ for every kind but adamw (PyTorch's `weight_decay`, an L2 penalty λ/2·|θ|²):
    /// - sgd:      θ ← θ − η g'
    /// - momentum: v ← μ v + g';  θ ← θ − η v   (PyTorch's form)
    /// - adam:     m ← β1 m + (1−β1) g';  v ← β2 v + (1−β2) g'²;
    ///             θ ← θ − η m̂ / (√v̂ + ε), with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
    /// - adamw:    θ ← θ (1 − ηλ), then adam's step with g (decoupled decay, Loshchilov & Hutter 2019)
    /// - rmsprop:  s ← α s + (1−α) g'²;  d = g' / (√s + ε);
    ///             with momentum μ > 0: b ← μ b + d, θ ← θ − η b; else θ ← θ − η d
    /// Element i of the result depends on element i of the inputs only, so `team` splits the
    /// buffer into contiguous ranges without changing any bit.
    public mutating func update(parameters: inout [Float], gradients: [Float], learningRate: Double, team: ThreadTeam? = nil) {
        precondition(parameters.count == gradients.count, "parameters and gradients differ in size")
        state.step += 1
        let n = parameters.count
        let kind = settings.kind
        let lr = Float(learningRate)
        // λ: g' = g + λθ (exactly g when λ = 0); adamw's factor 1 − ηλ formed in Double, as
        // PyTorch's param.mul_(1 - lr * weight_decay).
        let decay = settings.weightDecay, wd = Float(decay)
        let shrink = Float(1 - learningRate * decay)
        let mu = Float(settings.momentum)
        // adam, adamw: β1 and β2 are rounded to Float32 before 1 − β is formed (1 − β2 is then
        // 1.3e-5 relatively off PyTorch's, which forms it in Double); kept so adam runs keep their bits.
        let b1 = Float(settings.beta1), b2 = Float(settings.beta2), eps = Float(settings.epsilon)
        let t = Double(state.step)
        let c1 = Float(1 - pow(settings.beta1, t)), c2 = Float(1 - pow(settings.beta2, t))
        let stepSize = lr / c1
        let c2Root = c2.squareRoot()
        // rmsprop: 1 − α formed in Double, as PyTorch forms `value=1 - alpha`.
        let alpha = Float(settings.rmspropAlpha), oneMinusAlpha = Float(1 - settings.rmspropAlpha)
        let rmsEps = Float(settings.rmspropEpsilon), rmsMu = Float(settings.rmspropMomentum)
        let rmsHasMomentum = settings.rmspropMomentum > 0
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeBufferPointer { gb in
                state.first.withUnsafeMutableBufferPointer { fb in
                    state.second.withUnsafeMutableBufferPointer { sb in
                        let p = pb.baseAddress!, g = gb.baseAddress!, first = fb.baseAddress, second = sb.baseAddress
                        @inline(__always) func decayed(_ i: Int) -> Float { decay == 0 ? g[i] : g[i] + wd * p[i] }
                        // Element i of the result depends on element i of the inputs only.
                        let apply = { (range: Range<Int>) in
                            switch kind {
                            case .sgd:
                                for i in range { p[i] -= lr * decayed(i) }
                            case .momentum:
                                let v = first!
                                for i in range {
                                    v[i] = mu * v[i] + decayed(i)
                                    p[i] -= lr * v[i]
                                }
                            case .adam, .adamw:
                                let m = first!, v = second!
                                let isDecoupled = kind == .adamw
                                for i in range {
                                    if isDecoupled && decay != 0 { p[i] *= shrink }
                                    let gi = isDecoupled ? g[i] : decayed(i)
                                    m[i] = b1 * m[i] + (1 - b1) * gi
                                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                    p[i] -= stepSize * m[i] / (v[i].squareRoot() / c2Root + eps)
                                }
                            case .rmsprop:
                                let s = first!
                                for i in range {
                                    let gi = decayed(i)
                                    s[i] = alpha * s[i] + oneMinusAlpha * gi * gi
                                    let d = gi / (s[i].squareRoot() + rmsEps)
                                    if rmsHasMomentum {
                                        second![i] = rmsMu * second![i] + d
                                        p[i] -= lr * second![i]
                                    } else {
                                        p[i] -= lr * d
                                    }
                                }
                            }
                        }
                        guard let team else { apply(0..<n); return }
                        team.run(work: 4 * n, items: n) { tid, count in
                            apply(team.range(n, part: tid, of: count, align: 16))
                        }
                    }
                }
            }
        }
    }
}

import Foundation
