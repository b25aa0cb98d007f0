import CKernels
// Gradient clipping over the flat gradient buffer: by global norm
// (Pascanu et al. 2013) and by value (the seed's course clips to [-5, 5]).

public enum GradientClipping {
    /// The L2 norm of all gradients together: squares accumulated in Double in index order
    /// within fixed chunks of `normChunk` values, the chunks' sums added in chunk order. The
    /// chunking does not depend on the team, so the norm has the same bits on any number of threads.
    public static func globalNorm(_ gradients: [Float], team: ThreadTeam? = nil) -> Double {
        let n = gradients.count, chunks = (n + normChunk - 1) / normChunk
        var partials = [Double](repeating: 0, count: chunks)
        gradients.withUnsafeBufferPointer { g in
            partials.withUnsafeMutableBufferPointer { s in
                let g = g.baseAddress, s = s.baseAddress!
                let sums = { (range: Range<Int>) in
                    for c in range {
                        let lo = c * normChunk
                        s[c] = rk_sum_squares(min(normChunk, n - lo), g! + lo)
                    }
                }
                guard let team else { sums(0..<chunks); return }
                team.run(work: n, items: chunks) { tid, count in
                    sums(team.range(chunks, part: tid, of: count))
                }
            }
        }
        return partials.reduce(0, +).squareRoot()
    }

    /// The chunk of `globalNorm`.
    public static let normChunk = 4096

    /// Scales all gradients by maxNorm / norm when the global norm exceeds maxNorm.
    /// Returns the norm before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ gradients: inout [Float], maxNorm: Double, team: ThreadTeam? = nil) -> Double {
        let norm = globalNorm(gradients, team: team)
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
