// The recurrent weight matrix packed once per pass for the GEMM micro-kernels,
// then reused by all T steps (the recurrence's GEMMs are small: B×H times
// H×G·H, where packing on every call would cost as much as the product).

import CKernels

/// One packed (K × N) right-hand operand.
final class PackedOperand {
    let k: Int, n: Int
    let buffer: UnsafeMutablePointer<Float>

    init(k: Int, n: Int) {
        self.k = k
        self.n = n
        let count = max(rk_sgemm_packed_b_size(Int32(k), Int32(n)), 1)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    deinit { buffer.deallocate() }

    /// Packs op(B): B itself (K × N, row stride ldb) or, with `transposed`, Bᵀ of a (N × K) B.
    func pack(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
        rk_sgemm_pack_b(transposed ? 1 : 0, Int32(k), Int32(n), b, Int32(ldb), buffer)
    }

    /// Part `part` of `parts` of `pack` (column panels): all parts together, from any threads, pack it whole.
    func pack(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, part: Int, of parts: Int) {
        rk_sgemm_pack_b_part(transposed ? 1 : 0, Int32(k), Int32(n), b, Int32(ldb), buffer, Int32(part), Int32(parts))
    }

    /// C (M × N, ldc) = beta·C + A (M × K, lda) · this operand.
    func multiply(_ a: UnsafePointer<Float>, m: Int, lda: Int, beta: Float, into c: UnsafeMutablePointer<Float>, ldc: Int) {
        let ok = rk_sgemm_packed(0, Int32(m), Int32(n), Int32(k), a, Int32(lda), buffer, beta, c, Int32(ldc))
        precondition(ok == 1, "packed operand does not match (\(k) × \(n))")
    }

    /// The columns of `units` in each block of `blockWidth` columns (n / blockWidth blocks: the
    /// gate blocks) of C = beta·C + A · this operand; C is the whole (M × N) product's matrix.
    /// All units: the whole product. Otherwise units start on a multiple of the panel width.
    func multiply(_ a: UnsafePointer<Float>, m: Int, lda: Int, beta: Float, into c: UnsafeMutablePointer<Float>, ldc: Int,
                  units: Range<Int>, blockWidth: Int) {
        if units.count == blockWidth { return multiply(a, m: m, lda: lda, beta: beta, into: c, ldc: ldc) }
        let blocks = n / blockWidth
        let ok = withUnsafeTemporaryAllocation(of: Int32.self, capacity: blocks) { starts in
            for g in 0..<blocks { starts[g] = Int32(g * blockWidth + units.lowerBound) }
            return rk_sgemm_packed_columns(Int32(m), Int32(n), Int32(k), a, Int32(lda), buffer, Int32(blocks), starts.baseAddress!,
                                           Int32(units.count), beta, c, Int32(ldc))
        }
        precondition(ok == 1, "packed operand (\(k) × \(n)) cannot give columns \(units) of its \(blocks) blocks")
    }
}

/// The packed forms of W_hh a model's passes use.
///
///     forward:  gates (B, G·H) += a⟨t−1⟩ (B, H) · W_hhᵀ (H, G·H)
///     backward: da⟨t−1⟩ (B, H) = dgates (B, G·H) · W_hh (G·H, H)
///
/// The GRU splits both by gate block: [r, u] act on c⟨t−1⟩, the candidate on Γr·c⟨t−1⟩.
final class PackedWeights {
    /// rnn, lstm: W_hhᵀ (H × G·H) and W_hh (G·H × H).
    /// gru: first = the [r, u] rows (H × 2H and 2H × H), second = the candidate rows (H × H both).
    let forwardFirst: PackedOperand, forwardSecond: PackedOperand?
    let backwardFirst: PackedOperand, backwardSecond: PackedOperand?
    let cell: CellKind, hidden: Int

    init(config: ModelConfig) {
        cell = config.cell
        hidden = config.hiddenSize
        let h = config.hiddenSize, gh = config.cell.gateCount * h
        if cell == .gru {
            forwardFirst = PackedOperand(k: h, n: 2 * h)
            forwardSecond = PackedOperand(k: h, n: h)
            backwardFirst = PackedOperand(k: 2 * h, n: h)
            backwardSecond = PackedOperand(k: h, n: h)
        } else {
            forwardFirst = PackedOperand(k: h, n: gh)
            forwardSecond = nil
            backwardFirst = PackedOperand(k: gh, n: h)
            backwardSecond = nil
        }
    }

    /// The forward (or backward) forms, or part `part` of `parts` of each (see `PackedOperand.pack`).
    func packForward(_ wHH: UnsafePointer<Float>, part: Int = 0, of parts: Int = 1) {
        forwardFirst.pack(wHH, ldb: hidden, transposed: true, part: part, of: parts)
        forwardSecond?.pack(wHH + 2 * hidden * hidden, ldb: hidden, transposed: true, part: part, of: parts)
    }

    func packBackward(_ wHH: UnsafePointer<Float>, part: Int = 0, of parts: Int = 1) {
        backwardFirst.pack(wHH, ldb: hidden, transposed: false, part: part, of: parts)
        backwardSecond?.pack(wHH + 2 * hidden * hidden, ldb: hidden, transposed: false, part: part, of: parts)
    }
}
