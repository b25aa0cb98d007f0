// Inverted dropout masks on the non-recurrent connections (Zaremba et al. 2014): the output
// sequence of every layer (so between layers and before the head) is multiplied element by
// element by a mask of 0 (probability p) or 1/(1 − p), never the recurrent state. Masks are
// drawn from (run seed, epoch, step, connection) alone, so the same step of the same run gets
// the same bits whatever else runs, after a kill and a resume, in any process.

/// Which training step a mask belongs to.
public struct DropoutKey: Sendable, Equatable, Hashable {
    public var seed: UInt64
    public var epoch: Int
    public var step: Int

    public init(seed: UInt64, epoch: Int, step: Int) {
        self.seed = seed
        self.epoch = epoch
        self.step = step
    }
}

public enum DropoutMask {
    /// The kept value 1/(1 − p), rounded to Float once (the reference uses the same value).
    public static func keepScale(_ p: Float) -> Float { Float(1 / (1 - Double(p))) }

    /// Fills `out` (count = T·B·H, the layer's (T, B, H) output order) with the mask of
    /// connection `connection` (the output of layer `connection`): element e is dropped when
    /// the e-th 24-bit draw is below p·2²⁴. Two draws per 64-bit word, in order.
    public static func fill(_ out: UnsafeMutablePointer<Float>, count: Int, p: Float, key: DropoutKey, connection: Int) {
        let mix = SplitMix64.mix
        var rng = Xoshiro256(seed: mix(mix(mix(mix(key.seed) ^ UInt64(bitPattern: Int64(key.epoch)))
                                           ^ UInt64(bitPattern: Int64(key.step))) ^ UInt64(connection)))
        let threshold = UInt32((Double(p) * 16_777_216).rounded())
        let keep = keepScale(p)
        var e = 0
        while e < count {
            let word = rng.next()
            let first = UInt32(truncatingIfNeeded: word >> 40), second = UInt32(truncatingIfNeeded: (word >> 8) & 0xFF_FFFF)
            out[e] = first < threshold ? 0 : keep
            if e + 1 < count { out[e + 1] = second < threshold ? 0 : keep }
            e += 2
        }
    }

    /// The mask as an array (for the reference and tests).
    public static func values(count: Int, p: Float, key: DropoutKey, connection: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fill($0.baseAddress!, count: count, p: p, key: key, connection: connection) }
        return out
    }
}
