// The bernoulli head of the fast path: Y independent sigmoid outputs per step and
// binary cross-entropy summed over them (multi-label targets, e.g. the 88 keys of
// polyphonic music). Its gradient is derived by hand below and checked against
// finite differences by `GradientCheck` like every head.

import Foundation

/// With z the logit and y ∈ {0, 1} the target of one unit:
///   p = σ(z) = 1 / (1 + e^−z)
///   L = −y log p − (1 − y) log(1 − p) = max(z, 0) − z·y + log(1 + e^−|z|)   (stable form)
///   dL/dz = −y (1 − p) + (1 − y) p = p − y        (since dp/dz = p (1 − p))
/// A position's loss is the sum over its Y units; the batch loss is the mean over the
/// positions that carry a target (mask ≠ 0).
enum BernoulliHead {
    /// logits (N, V) are replaced by the probabilities σ(z); with `dz` (which may be `logits`
    /// itself), writes dL/dz = (σ(z) − y)·scale at targeted positions and 0 elsewhere.
    /// Returns the sum of the targeted positions' losses (not yet divided by the count).
    static func apply(positions n: Int, width v: Int, logits: UnsafeMutablePointer<Float>,
                      targets: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                      scale: Float, dz: UnsafeMutablePointer<Float>?) -> Double {
        var loss = 0.0
        for position in 0..<n {
            let z = logits + position * v, y = targets + position * v
            let targeted = mask[position] != 0
            var positionLoss: Float = 0
            for k in 0..<v {
                let zk = z[k]
                if targeted { positionLoss += max(zk, 0) - zk * y[k] + log1p(exp(-abs(zk))) }
                let p = sigmoid(zk)
                z[k] = p
                if let dz { dz[position * v + k] = targeted ? (p - y[k]) * scale : 0 }
            }
            loss += Double(positionLoss)
        }
        return loss
    }

    /// σ(z) without overflow for large |z|.
    @inline(__always)
    static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }
}
