// Gradient clipping over the flat gradient buffer: by global norm
// (Pascanu et al. 2013) and by value (the seed's course clips to [-5, 5]).

public enum GradientClipping {
    /// The L2 norm of all gradients together, accumulated in Double in index order.
    public static func globalNorm(_ gradients: [Float]) -> Double {
        var sum = 0.0
        gradients.withUnsafeBufferPointer { g in
            for x in g { sum += Double(x) * Double(x) }
        }
        return sum.squareRoot()
    }

    /// Scales all gradients by maxNorm / norm when the global norm exceeds maxNorm.
    /// Returns the norm before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ gradients: inout [Float], maxNorm: Double) -> Double {
        let norm = globalNorm(gradients)
        if norm > maxNorm && norm.isFinite {
            let scale = Float(maxNorm / norm)
            gradients.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= scale }
            }
        }
        return norm
    }

    /// Clamps every gradient to [-limit, limit].
    public static func clipByValue(_ gradients: inout [Float], limit: Float) {
        gradients.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] = min(max(g[i], -limit), limit) }
        }
    }
}
