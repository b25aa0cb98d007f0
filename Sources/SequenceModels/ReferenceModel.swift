// The readable reference: every cell, head and backward pass in Float64, one
// sequence and one step at a time, written as the seed writes the equations.
// It is the arbiter for the fast Float32 path and is itself checked against
// finite differences. Slow on purpose; never used for training. Stacked layers
// run one after the other over the whole sequence, as in the fast path.

import Foundation

public enum ReferenceModel {
    /// Loss and gradients of one batch. `parameters` is the flat buffer of
    /// `ParameterLayout(config)`; `inputs` is (T, B, X).
    public struct Result {
        public var loss: Double
        /// Same layout as the parameters.
        public var parameterGradients: [Double]
        /// dL/dx, (T, B, X).
        public var inputGradients: [Double]
    }

    /// Loss only (used by the finite-difference check). With a `dropout` key and
    /// `config.dropout` > 0, the layers' outputs are multiplied by that step's masks
    /// (`DropoutMask`, the same values the fast path uses).
    public static func loss(config: ModelConfig, parameters: [Double], inputs: [Double], batch: Batch,
                            dropout: DropoutKey? = nil) -> Double {
        run(config: config, parameters: parameters, inputs: inputs, batch: batch, dropout: dropout, backward: false).loss
    }

    public static func lossAndGradients(config: ModelConfig, parameters: [Double], inputs: [Double], batch: Batch,
                                        dropout: DropoutKey? = nil) -> Result {
        run(config: config, parameters: parameters, inputs: inputs, batch: batch, dropout: dropout, backward: true)
    }

    // MARK: - Small vector helpers

    /// y = W[rows rowStart..<rowStart+rows, :] v, W row-major with `cols` columns at `offset`.
    static func matvec(_ p: [Double], offset: Int, rowStart: Int, rows: Int, cols: Int, _ v: [Double]) -> [Double] {
        (0..<rows).map { r in
            var s = 0.0
            let base = offset + (rowStart + r) * cols
            for k in 0..<cols { s += p[base + k] * v[k] }
            return s
        }
    }

    /// out += W[rowStart..<rowStart+rows, :]^T v.
    static func addMatTvec(_ p: [Double], offset: Int, rowStart: Int, rows: Int, cols: Int, _ v: [Double], into out: inout [Double]) {
        for r in 0..<rows {
            let base = offset + (rowStart + r) * cols
            for k in 0..<cols { out[k] += p[base + k] * v[r] }
        }
    }

    /// dW[rowStart.., :] += u v^T.
    static func addOuter(_ g: inout [Double], offset: Int, rowStart: Int, cols: Int, _ u: [Double], _ v: [Double]) {
        for r in 0..<u.count {
            let base = offset + (rowStart + r) * cols
            for k in 0..<cols { g[base + k] += u[r] * v[k] }
        }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// [f(0), f(1), ..., f(n-1)].
    static func vec(_ n: Int, _ f: (Int) -> Double) -> [Double] {
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = f(i) }
        return out
    }

    // MARK: - One step of each cell, forward

    /// What the backward pass needs of one step of one sequence in one layer.
    struct Step {
        var x: [Double]
        var aPrev: [Double]
        var cPrev: [Double]
        /// Gate activations in block order (rnn: [a]; gru: [Γr, Γu, c̃]; gru_reset_after:
        /// [r, z, n]; lstm: [Γu, Γf, c̃, Γo]).
        var gates: [[Double]]
        var a: [Double]
        var c: [Double]
        /// gru: Γr·c⟨t−1⟩; gru_reset_after: W_hn a⟨t−1⟩ + b_hn; lstm: tanh(c⟨t⟩).
        var extra: [Double]
    }

    static func forwardStep(_ cfg: ModelConfig, _ L: LayerSlots, _ p: [Double],
                            x: [Double], aPrev: [Double], cPrev: [Double]) -> Step {
        let h = cfg.hiddenSize, X = L.inputSize
        func inputSide(_ g: Int) -> [Double] {
            let wx = matvec(p, offset: L.weightIH.offset, rowStart: g * h, rows: h, cols: X, x)
            return vec(h) { wx[$0] + p[L.bias.offset + g * h + $0] }
        }
        // Pre-activation of gate block `g` from the input and a recurrent vector.
        func pre(_ g: Int, recurrent: [Double]) -> [Double] {
            let wx = inputSide(g)
            let wh = matvec(p, offset: L.weightHH.offset, rowStart: g * h, rows: h, cols: h, recurrent)
            return vec(h) { wx[$0] + wh[$0] }
        }
        switch cfg.cell {
        case .rnn:
            // RNN: a⟨t⟩ = tanh(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a)
            let a = pre(0, recurrent: aPrev).map { tanh($0) }
            return Step(x: x, aPrev: aPrev, cPrev: cPrev, gates: [a], a: a, c: a, extra: [])
        case .gru:
            let c0 = aPrev                                            // GRU eq. 1: c⟨t−1⟩ = a⟨t−1⟩
            let gammaR = pre(0, recurrent: c0).map(sigmoid)           // GRU eq. 4
            let gammaU = pre(1, recurrent: c0).map(sigmoid)           // GRU eq. 3
            let rc = vec(h) { gammaR[$0] * c0[$0] }
            let cTilde = pre(2, recurrent: rc).map { tanh($0) }       // GRU eq. 2
            let c = vec(h) { gammaU[$0] * cTilde[$0] + (1 - gammaU[$0]) * c0[$0] }  // GRU eq. 5
            return Step(x: x, aPrev: aPrev, cPrev: c0, gates: [gammaR, gammaU, cTilde], a: c, c: c, extra: rc) // eq. 6: a = c
        case .gruResetAfter:
            // PyTorch nn.GRU: gh_k = W_hk a⟨t−1⟩ + b_hk; r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
            // n = tanh(gi_n + r·gh_n), a⟨t⟩ = (1 − z)·n + z·a⟨t−1⟩.
            func recurrentSide(_ g: Int) -> [Double] {
                let wh = matvec(p, offset: L.weightHH.offset, rowStart: g * h, rows: h, cols: h, aPrev)
                return vec(h) { wh[$0] + p[L.biasHH!.offset + g * h + $0] }
            }
            let ir = inputSide(0), iz = inputSide(1), iN = inputSide(2)
            let hr = recurrentSide(0), hz = recurrentSide(1), hn = recurrentSide(2)
            let r = vec(h) { sigmoid(ir[$0] + hr[$0]) }
            let z = vec(h) { sigmoid(iz[$0] + hz[$0]) }
            let n = vec(h) { tanh(iN[$0] + r[$0] * hn[$0]) }
            let a = vec(h) { (1 - z[$0]) * n[$0] + z[$0] * aPrev[$0] }
            return Step(x: x, aPrev: aPrev, cPrev: cPrev, gates: [r, z, n], a: a, c: a, extra: hn)
        case .lstm:
            let gammaU = pre(0, recurrent: aPrev).map(sigmoid)        // LSTM eq. 3
            let gammaF = pre(1, recurrent: aPrev).map(sigmoid)        // LSTM eq. 4
            let cTilde = pre(2, recurrent: aPrev).map { tanh($0) }    // LSTM eqs. 1-2
            let gammaO = pre(3, recurrent: aPrev).map(sigmoid)        // LSTM eq. 5
            let c = vec(h) { gammaU[$0] * cTilde[$0] + gammaF[$0] * cPrev[$0] }  // LSTM eq. 6
            let tanhC = c.map { tanh($0) }
            let a = vec(h) { gammaO[$0] * tanhC[$0] }            // LSTM eq. 7
            return Step(x: x, aPrev: aPrev, cPrev: cPrev, gates: [gammaU, gammaF, cTilde, gammaO], a: a, c: c, extra: tanhC)
        }
    }

    // MARK: - One step of each cell, backward

    /// Given dL/da⟨t⟩ (from above + da_next) and dL/dc⟨t⟩ from the future (dc_next),
    /// adds the parameter gradients of the step and returns (da_prev, dc_prev, dx).
    static func backwardStep(_ cfg: ModelConfig, _ L: LayerSlots, _ p: [Double], _ s: Step,
                             da: [Double], dcNext: [Double], grads g: inout [Double])
        -> (daPrev: [Double], dcPrev: [Double], dx: [Double]) {
        let h = cfg.hiddenSize, X = L.inputSize
        var dx = [Double](repeating: 0, count: X)
        var daPrev = [Double](repeating: 0, count: h)
        var dcPrev = [Double](repeating: 0, count: h)
        // The input side of gate block `block`: dW_ih, db (b_i), dx (seed RNN eqs. 1-5, LSTM eqs. 19-27).
        func inputSide(_ block: Int, _ dPre: [Double]) {
            addOuter(&g, offset: L.weightIH.offset, rowStart: block * h, cols: X, dPre, s.x)
            for i in 0..<h { g[L.bias.offset + block * h + i] += dPre[i] }
            addMatTvec(p, offset: L.weightIH.offset, rowStart: block * h, rows: h, cols: X, dPre, into: &dx)
        }
        // The recurrent side: dW_hh and the recurrent input's gradient.
        func recurrentSide(_ block: Int, _ dPre: [Double], recurrent: [Double], dRecurrent: inout [Double]) {
            addOuter(&g, offset: L.weightHH.offset, rowStart: block * h, cols: h, dPre, recurrent)
            addMatTvec(p, offset: L.weightHH.offset, rowStart: block * h, rows: h, cols: h, dPre, into: &dRecurrent)
        }
        // Both sides with one pre-activation gradient (the seed's cells: one bias per gate).
        func gate(_ block: Int, _ dPre: [Double], recurrent: [Double], dRecurrent: inout [Double]) {
            inputSide(block, dPre)
            recurrentSide(block, dPre, recurrent: recurrent, dRecurrent: &dRecurrent)
        }
        switch cfg.cell {
        case .rnn:
            let a = s.gates[0]
            let dPre = vec(h) { da[$0] * (1 - a[$0] * a[$0]) }     // tanh' (RNN eqs. 1-5)
            gate(0, dPre, recurrent: s.aPrev, dRecurrent: &daPrev)
        case .gru:
            let gammaR = s.gates[0], gammaU = s.gates[1], cTilde = s.gates[2], c0 = s.cPrev
            let dc = vec(h) { da[$0] + dcNext[$0] }               // a = c, so both paths meet
            let dCTilde = vec(h) { dc[$0] * gammaU[$0] }          // from eq. 5
            let dPreC = vec(h) { dCTilde[$0] * (1 - cTilde[$0] * cTilde[$0]) }
            let dPreU = vec(h) { dc[$0] * (cTilde[$0] - c0[$0]) * gammaU[$0] * (1 - gammaU[$0]) }
            var dRC = [Double](repeating: 0, count: h)                 // dL/d(Γr·c⟨t−1⟩)
            gate(2, dPreC, recurrent: s.extra, dRecurrent: &dRC)
            let dPreR = vec(h) { dRC[$0] * c0[$0] * gammaR[$0] * (1 - gammaR[$0]) }
            for i in 0..<h { dcPrev[i] = dc[i] * (1 - gammaU[i]) + dRC[i] * gammaR[i] }
            gate(0, dPreR, recurrent: c0, dRecurrent: &dcPrev)
            gate(1, dPreU, recurrent: c0, dRecurrent: &dcPrev)
            return (dcPrev, [Double](repeating: 0, count: h), dx)        // c⟨t−1⟩ = a⟨t−1⟩: one state
        case .gruResetAfter:
            // With dh = da + dh_next: dpre_n = dh·(1−z)·(1−n²), dpre_z = dh·(a⟨t−1⟩ − n)·z(1−z),
            // dpre_r = dpre_n·gh_n·r(1−r); input side [dpre_r, dpre_z, dpre_n], recurrent side
            // [dpre_r, dpre_z, dpre_n·r]; da⟨t−1⟩ = dh·z + W_hhᵀ (recurrent side).
            let r = s.gates[0], z = s.gates[1], n = s.gates[2], hn = s.extra
            let dh = vec(h) { da[$0] + dcNext[$0] }
            let dPreN = vec(h) { dh[$0] * (1 - z[$0]) * (1 - n[$0] * n[$0]) }
            let dPreZ = vec(h) { dh[$0] * (s.aPrev[$0] - n[$0]) * z[$0] * (1 - z[$0]) }
            let dPreR = vec(h) { dPreN[$0] * hn[$0] * r[$0] * (1 - r[$0]) }
            let dHN = vec(h) { dPreN[$0] * r[$0] }
            for i in 0..<h { dcPrev[i] = dh[i] * z[i] }
            for (block, dIn, dRec) in [(0, dPreR, dPreR), (1, dPreZ, dPreZ), (2, dPreN, dHN)] {
                inputSide(block, dIn)
                recurrentSide(block, dRec, recurrent: s.aPrev, dRecurrent: &dcPrev)
                for i in 0..<h { g[L.biasHH!.offset + block * h + i] += dRec[i] }
            }
            return (dcPrev, [Double](repeating: 0, count: h), dx)        // one state, like the seed's GRU
        case .lstm:
            let gammaU = s.gates[0], gammaF = s.gates[1], cTilde = s.gates[2], gammaO = s.gates[3]
            let tanhC = s.extra
            let dc = vec(h) { da[$0] * gammaO[$0] * (1 - tanhC[$0] * tanhC[$0]) + dcNext[$0] }  // eq. 13
            let dPreC = vec(h) { dc[$0] * gammaU[$0] * (1 - cTilde[$0] * cTilde[$0]) }        // eqs. 14-15
            let dPreU = vec(h) { dc[$0] * cTilde[$0] * gammaU[$0] * (1 - gammaU[$0]) }        // eq. 16
            let dPreF = vec(h) { dc[$0] * s.cPrev[$0] * gammaF[$0] * (1 - gammaF[$0]) }       // eq. 17
            let dPreO = vec(h) { da[$0] * tanhC[$0] * gammaO[$0] * (1 - gammaO[$0]) }         // eq. 18
            gate(0, dPreU, recurrent: s.aPrev, dRecurrent: &daPrev)
            gate(1, dPreF, recurrent: s.aPrev, dRecurrent: &daPrev)
            gate(2, dPreC, recurrent: s.aPrev, dRecurrent: &daPrev)
            gate(3, dPreO, recurrent: s.aPrev, dRecurrent: &daPrev)  // eq. 27
            dcPrev = vec(h) { dc[$0] * gammaF[$0] }                                              // eq. 28
        }
        return (daPrev, dcPrev, dx)
    }

    // MARK: - Whole batch

    static func run(config cfg: ModelConfig, parameters p: [Double], inputs: [Double], batch: Batch,
                    dropout key: DropoutKey?, backward: Bool) -> Result {
        let L = ParameterLayout(cfg)
        let T = batch.steps, B = batch.batchSize, X = cfg.inputSize, h = cfg.hiddenSize, V = cfg.outputSize
        precondition(batch.inputSize == X, "batch input width \(batch.inputSize) != model input \(X)")
        let count = Double(max(batch.targetCount, 1))
        // masks[l][(t·B + b)·H + i]: the mask of layer l's output, or nil without dropout.
        let masks: [[Float]]? = key.flatMap { key in
            cfg.dropout > 0 ? (0..<cfg.layers).map {
                DropoutMask.values(count: T * B * h, p: cfg.dropout, key: key, connection: $0)
            } : nil
        }
        func drop(_ v: [Double], layer l: Int, t: Int, b: Int) -> [Double] {
            guard let masks else { return v }
            return vec(h) { v[$0] * Double(masks[l][(t * B + b) * h + $0]) }
        }
        var loss = 0.0
        var grads = [Double](repeating: 0, count: backward ? L.totalCount : 0)
        var dInputs = [Double](repeating: 0, count: backward ? inputs.count : 0)
        for b in 0..<B {
            // Forward, layer by layer over the whole sequence; `sequence` is what the next layer reads.
            var sequence = (0..<T).map { t in Array(inputs[((t * B + b) * X)..<((t * B + b) * X + X)]) }
            var steps: [[Step]] = []          // steps[l][t]
            for l in 0..<cfg.layers {
                var a = [Double](repeating: 0, count: h), c = a
                var layerSteps: [Step] = []
                for t in 0..<T {
                    let s = forwardStep(cfg, L.layers[l], p, x: sequence[t], aPrev: a, cPrev: c)
                    a = s.a; c = s.c
                    layerSteps.append(s)
                }
                steps.append(layerSteps)
                sequence = (0..<T).map { drop(layerSteps[$0].a, layer: l, t: $0, b: b) }
            }
            var dz: [[Double]] = []        // dL/dz⟨t⟩ of the head at each step
            for t in 0..<T {
                // Head, seed eq. 8: z = W_ya a + b_y, a = the top layer's (dropped) output
                var z = matvec(p, offset: L.headWeight.offset, rowStart: 0, rows: V, cols: h, sequence[t])
                for v in 0..<V { z[v] += p[L.headBias.offset + v] }
                var dzt = [Double](repeating: 0, count: V)
                switch (cfg.head, batch.targets) {
                case (.softmax, .classes(let y)):
                    let target = Int(y[t * B + b])
                    if target >= 0 {
                        // eqs. 9-11: ŷ = softmax(z), L = −log ŷ_y, dL/dz = ŷ − y
                        let m = z.max()!
                        let e = z.map { exp($0 - m) }
                        let sum = e.reduce(0, +)
                        loss += -(z[target] - m - log(sum)) / count
                        for v in 0..<V { dzt[v] = (e[v] / sum - (v == target ? 1 : 0)) / count }
                    }
                case (.linear, .values(let y, let mask, let width)):
                    precondition(width == V, "target width \(width) != head width \(V)")
                    if mask[t * B + b] != 0 {
                        // mean squared error over the target's components
                        for v in 0..<V {
                            let diff = z[v] - Double(y[(t * B + b) * V + v])
                            loss += diff * diff / (count * Double(V))
                            dzt[v] = 2 * diff / (count * Double(V))
                        }
                    }
                case (.bernoulli, .values(let y, let mask, let width)):
                    precondition(width == V, "target width \(width) != head width \(V)")
                    if mask[t * B + b] != 0 {
                        // Independent sigmoid units, binary cross-entropy summed over them:
                        // L = −Σ_v [y log σ(z) + (1 − y) log(1 − σ(z))], dL/dz = σ(z) − y
                        for v in 0..<V {
                            let target = Double(y[(t * B + b) * V + v])
                            let p = sigmoid(z[v])
                            loss += -(target * log(p) + (1 - target) * log(1 - p)) / count
                            dzt[v] = (p - target) / count
                        }
                    }
                default:
                    preconditionFailure("head \(cfg.head) does not match the batch's targets")
                }
                dz.append(dzt)
            }
            guard backward else { continue }
            // dW_ya += dz a^T, db_y += dz; dL/d(top output) = mask · W_ya^T dz
            var dOut: [[Double]] = []
            for t in 0..<T {
                addOuter(&grads, offset: L.headWeight.offset, rowStart: 0, cols: h, dz[t], sequence[t])
                for v in 0..<V { grads[L.headBias.offset + v] += dz[t][v] }
                var d = [Double](repeating: 0, count: h)
                addMatTvec(p, offset: L.headWeight.offset, rowStart: 0, rows: V, cols: h, dz[t], into: &d)
                dOut.append(drop(d, layer: cfg.layers - 1, t: t, b: b))
            }
            // Top layer first, each back through time; its input gradient is the layer below's dOut.
            for l in stride(from: cfg.layers - 1, through: 0, by: -1) {
                var daNext = [Double](repeating: 0, count: h), dcNext = daNext
                var dIn = [[Double]](repeating: [], count: T)
                for t in stride(from: T - 1, through: 0, by: -1) {
                    // da⟨t⟩ = (from above) + da_next (seed LSTM eq. 12)
                    let da = vec(h) { dOut[t][$0] + daNext[$0] }
                    let r = backwardStep(cfg, L.layers[l], p, steps[l][t], da: da, dcNext: dcNext, grads: &grads)
                    daNext = r.daPrev; dcNext = r.dcPrev
                    dIn[t] = r.dx
                }
                if l > 0 {
                    dOut = (0..<T).map { drop(dIn[$0], layer: l - 1, t: $0, b: b) }
                } else {
                    for t in 0..<T { for k in 0..<X { dInputs[(t * B + b) * X + k] = dIn[t][k] } }
                }
            }
        }
        return Result(loss: loss, parameterGradients: grads, inputGradients: dInputs)
    }
}
