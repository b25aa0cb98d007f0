// The part of Model's passes that exists for the thread team: the softmax head split by
// rows with its loss summed in order (the recurrences' split: Model+Recurrence.swift).

import CKernels

extension Model {
    /// rk_softmax_xent over N rows, split by rows: each row's term −log p[target] is computed
    /// by one thread, then the terms are summed on this thread in row order, as the single
    /// call sums them (so the loss has the same bits on any number of threads, and as before).
    func softmaxCrossEntropy(_ N: Int, _ V: Int, _ logits: UnsafeMutablePointer<Float>, _ targets: UnsafePointer<Int32>,
                             _ scale: Float, _ dz: UnsafeMutablePointer<Float>?) -> Double {
        if rowLosses.count < N { rowLosses = [Double](repeating: 0, count: N) }
        return rowLosses.withUnsafeMutableBufferPointer { terms in
            let terms = terms.baseAddress!
            team.run(work: 8 * N * V, items: N) { tid, n in
                for r in team.range(N, part: tid, of: n) {
                    terms[r] = rk_softmax_xent(1, Int32(V), logits + r * V, targets + r, scale, dz.map { $0 + r * V })
                }
            }
            var loss = 0.0
            for r in 0..<N { loss += terms[r] }
            return loss
        }
    }
}
