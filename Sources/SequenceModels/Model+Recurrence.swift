// The recurrences of one layer, forward and backward through time, and how their
// steps are shared among the model's threads. Two ways, both by output elements only
// (see ThreadTeam.swift), so the bits never depend on the split:
//
// - by batch rows: a row's state depends only on its own earlier states, so each thread
//   runs all T steps of its rows [b0, b0 + m) without meeting the others. Every thread
//   reads all of W_hh at every step.
// - by hidden units: each thread owns units [u0, u0 + un) of every row (those columns of
//   every gate block, of the state and of dL/da⟨t−1⟩) and reads only its own columns of
//   W_hh, so a large W_hh is streamed once per step in all instead of once per thread;
//   the threads meet at a barrier wherever a step reads a vector all threads wrote
//   (a⟨t−1⟩, Γr·c⟨t−1⟩, dgates).

import CKernels

/// How the T steps of one recurrence are shared among threads.
struct RecurrenceSplit {
    let threads: Int
    let byUnits: Bool
}

/// The share of one thread: rows [b0, b0 + m) and units [u0, u0 + un) of every step, and the
/// barrier (a no-op when the threads never meet).
struct RecurrenceShare {
    let b0: Int, m: Int, u0: Int, un: Int
    let sync: () -> Void
}

/// Units are shared in multiples of this many (a multiple of every GEMM path's panel width,
/// so each thread's columns of every gate block start on a packed panel).
let recurrenceUnitAlignment = 32

extension Model {
    /// The smallest H whose recurrence is shared by units, measured on 2 threads at B = 32
    /// with the two splits alternating step by step in one process (README "Threads"): below
    /// H = 512 the rows split is as fast for the GRUs and 7-25% faster for the LSTM (no
    /// barrier per step, and W_hh, at most 3 MB, is streamed from L2 and L3 well enough); from
    /// H = 512 (an LSTM's W_hh is 4 MB, twice L2) streaming half of it per thread wins.
    var unitSplitHidden: Int {
        team.minUnitSplitHidden ?? 512
    }

    /// The split for a recurrence over b batch rows and t steps (each step's GEMM is b·H·G·H
    /// multiply-adds): by units when H is a multiple of the alignment and at least
    /// `unitSplitHidden`, else by rows; one thread when the work is too small to share.
    func recurrenceSplit(_ b: Int, steps t: Int) -> RecurrenceSplit {
        let h = config.hiddenSize
        let work = t * b * h * config.cell.gateCount * h
        let n = min(team.activeThreads, work / max(team.minWorkPerThread, 1))
        guard n > 1 else { return RecurrenceSplit(threads: 1, byUnits: false) }
        if h % recurrenceUnitAlignment == 0 && h >= unitSplitHidden {
            return RecurrenceSplit(threads: min(n, h / recurrenceUnitAlignment), byUnits: true)
        }
        return RecurrenceSplit(threads: max(1, min(n, b / max(team.minRecurrenceRows, 1))), byUnits: false)
    }

    /// Runs body once per thread of `split` with that thread's share of the B rows and H units.
    func shareRecurrence(_ split: RecurrenceSplit, rows B: Int, _ body: (RecurrenceShare) -> Void) {
        let H = config.hiddenSize, team = self.team
        team.run(limit: split.threads, timed: !split.byUnits) { tid, n in   // by units: a barrier every step
            if split.byUnits {
                let units = team.range(H, part: tid, of: n, align: recurrenceUnitAlignment)
                body(RecurrenceShare(b0: 0, m: B, u0: units.lowerBound, un: units.count, sync: { team.barrier(n) }))
            } else {
                let rows = team.range(B, part: tid, of: n)
                body(RecurrenceShare(b0: rows.lowerBound, m: rows.count, u0: 0, un: H, sync: {}))
            }
        }
    }

    /// The recurrence of one layer over T steps, from a⟨0⟩ (and c⟨0⟩) in lb to a⟨1..T⟩:
    /// lb.gates holds the input projections (no bias) and receives the activations.
    func forwardRecurrence(_ ws: Workspace, _ lb: LayerBuffers, _ slots: LayerSlots, _ p: UnsafePointer<Float>) {
        let T = ws.steps, B = ws.batchSize, H = config.hiddenSize, GH = config.cell.gateCount * H
        let bias = p + slots.bias.offset, packed = self.packed, wT = packed.forwardFirst, cell = config.cell
        shareRecurrence(recurrenceSplit(B, steps: T), rows: B) { s in
            let (b0, m, u0, un) = (s.b0, Int32(s.m), s.u0, Int32(s.un))
            guard m > 0 && un > 0 else { return }   // B = 0: every thread returns here
            let units = u0..<(u0 + s.un)
            for t in 0..<T {
                let g = lb.gates + (t * B + b0) * GH      // (m, GH) gates of step t
                let hPrev = lb.hidden + (t * B + b0) * H, hNext = lb.hidden + ((t + 1) * B + b0) * H
                switch cell {
                case .rnn:
                    wT.multiply(hPrev, m: s.m, lda: H, beta: 1, into: g, ldc: GH, units: units, blockWidth: H)  // += a⟨t−1⟩ · W_hhᵀ
                    rk_rnn_forward(m, Int32(H), Int32(u0), un, g, Int32(GH), bias, hNext)
                case .gru:
                    // Gates r, u: (m, 2H) += c⟨t−1⟩ (m, H) · W_hh[r,u]^T; then the candidate on Γr·c⟨t−1⟩.
                    let rc = lb.extra + (t * B + b0) * H
                    wT.multiply(hPrev, m: s.m, lda: H, beta: 1, into: g, ldc: GH, units: units, blockWidth: H)
                    rk_gru_forward_gates(m, Int32(H), Int32(u0), un, g, bias, hPrev, rc)
                    s.sync()      // the candidate's product reads every unit of Γr·c⟨t−1⟩
                    packed.forwardSecond!.multiply(rc, m: s.m, lda: H, beta: 1, into: g + 2 * H, ldc: GH, units: units, blockWidth: H)
                    rk_gru_forward_candidate(m, Int32(H), Int32(u0), un, g, bias, hPrev, hNext)
                case .gruResetAfter:
                    // gh (m, 3H) = a⟨t−1⟩ (m, H) · W_hhᵀ, kept apart from the input side: n needs W_hn a + b_hn alone.
                    let gh = lb.recurrent + (t * B + b0) * GH
                    wT.multiply(hPrev, m: s.m, lda: H, beta: 0, into: gh, ldc: GH, units: units, blockWidth: H)
                    rk_gru_ra_forward(m, Int32(H), Int32(u0), un, g, gh, bias, p + slots.biasHH!.offset, hPrev, hNext)
                case .lstm:
                    wT.multiply(hPrev, m: s.m, lda: H, beta: 1, into: g, ldc: GH, units: units, blockWidth: H)  // (m, 4H) += a⟨t−1⟩ · W_hhᵀ
                    rk_lstm_forward(m, Int32(H), Int32(u0), un, g, bias, lb.cell + (t * B + b0) * H, lb.cell + ((t + 1) * B + b0) * H,
                                    lb.extra + (t * B + b0) * H, hNext)
                }
                s.sync()          // the next step's product reads every unit of a⟨t⟩
            }
        }
    }

    /// The sweep back through time of one layer: lb.dHidden holds dL/da⟨t⟩ from above; every
    /// step's block of lb.gates (and lb.recurrent) is replaced by the pre-activation gradients.
    func backwardRecurrence(_ ws: Workspace, _ lb: LayerBuffers, _ slots: LayerSlots, _ p: UnsafePointer<Float>) {
        let T = ws.steps, B = ws.batchSize, H = config.hiddenSize, GH = config.cell.gateCount * H
        let packed = self.packed, w = packed.backwardFirst, cell = config.cell
        shareRecurrence(recurrenceSplit(B, steps: T), rows: B) { s in
            let (b0, m, u0, un) = (s.b0, Int32(s.m), s.u0, Int32(s.un))
            guard m > 0 && un > 0 else { return }   // B = 0: every thread returns here
            let units = u0..<(u0 + s.un)
            let daSink = ws.daNext + b0 * H, dcRows = ws.dcNext + b0 * H
            for r in 0..<s.m {
                (daSink + r * H + u0).update(repeating: 0, count: s.un)
                (dcRows + r * H + u0).update(repeating: 0, count: s.un)
            }
            for t in stride(from: T - 1, through: 0, by: -1) {
                // (m, GH) block of step t: the gate activations in, their gradients dgates out (in place).
                let dgt = lb.gates + (t * B + b0) * GH
                let hPrev = lb.hidden + (t * B + b0) * H
                // da = dL/da⟨t⟩ (seed LSTM eq. 12): dHidden row block t holds the part from above, and
                // step t+1 has already added da_next into it. Step t adds its da⟨t−1⟩ into row
                // block t−1 the same way. The initial state's gradient (t = 0) is not needed: its
                // product is skipped, and the GRU's element-wise terms go to the daNext sink.
                let da = lb.dHidden + (t * B + b0) * H
                let daPrev = t > 0 ? lb.dHidden + ((t - 1) * B + b0) * H : daSink
                switch cell {
                case .rnn:
                    rk_rnn_backward(m, Int32(H), Int32(u0), un, dgt, Int32(GH), da)          // RNN eqs. 1-5
                    s.sync()      // the product reads every unit of dgates
                    if t > 0 { w.multiply(dgt, m: s.m, lda: GH, beta: 1, into: daPrev, ldc: H, units: units, blockWidth: H) }  // da⟨t−1⟩ += dgates · W_hh
                case .gru:
                    // dc = da (a = c); candidate and update gates, then the reset gate through Γr·c⟨t−1⟩.
                    rk_gru_backward_candidate(m, Int32(H), Int32(u0), un, dgt, hPrev, da, daPrev)
                    s.sync()
                    // d(Γr·c⟨t−1⟩) (m, H) = dpre_c (m, H) · W_hh[c] (H, H)   (dcNext: scratch here)
                    packed.backwardSecond!.multiply(dgt + 2 * H, m: s.m, lda: GH, beta: 0, into: dcRows, ldc: H, units: units, blockWidth: H)
                    rk_gru_backward_reset(m, Int32(H), Int32(u0), un, dgt, hPrev, dcRows, daPrev)
                    s.sync()
                    // dc⟨t−1⟩ += dpre_[r,u] (m, 2H) · W_hh[r,u] (2H, H)
                    if t > 0 { w.multiply(dgt, m: s.m, lda: GH, beta: 1, into: daPrev, ldc: H, units: units, blockWidth: H) }
                case .gruResetAfter:
                    // Input side → dgt, recurrent side → gh (in place); da⟨t−1⟩ += da·z + dgh (m, 3H) · W_hh (3H, H).
                    let gh = lb.recurrent + (t * B + b0) * GH
                    rk_gru_ra_backward(m, Int32(H), Int32(u0), un, dgt, gh, p + slots.biasHH!.offset, hPrev, da, daPrev)
                    s.sync()
                    if t > 0 { w.multiply(gh, m: s.m, lda: GH, beta: 1, into: daPrev, ldc: H, units: units, blockWidth: H) }
                case .lstm:
                    rk_lstm_backward(m, Int32(H), Int32(u0), un, dgt, lb.cell + (t * B + b0) * H, lb.extra + (t * B + b0) * H, da, dcRows)
                    s.sync()
                    // da_prev (m, H) += dgates (m, 4H) · W_hh (4H, H)   (eq. 27)
                    if t > 0 { w.multiply(dgt, m: s.m, lda: GH, beta: 1, into: daPrev, ldc: H, units: units, blockWidth: H) }
                }
            }
        }
    }
}
