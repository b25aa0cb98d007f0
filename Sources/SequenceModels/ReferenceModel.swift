// The readable reference: every cell, head and backward pass in Float64, one
// sequence and one step at a time, written as the seed writes the equations.
// It is the arbiter for the fast Float32 path and is itself checked against
// finite differences. Slow on purpose; never used for training.

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

    /// Loss only (used by the finite-difference check).
    public static func loss(config: ModelConfig, parameters: [Double], inputs: [Double], batch: Batch) -> Double {
        run(config: config, parameters: parameters, inputs: inputs, batch: batch, backward: false).loss
    }

    public static func lossAndGradients(config: ModelConfig, parameters: [Double], inputs: [Double], batch: Batch) -> Result {
        run(config: config, parameters: parameters, inputs: inputs, batch: batch, backward: true)
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

    /// What the backward pass needs of one step of one sequence.
    struct Step {
        var x: [Double]
        var aPrev: [Double]
        var cPrev: [Double]
        /// Gate activations in block order (rnn: [a]; gru: [Γr, Γu, c̃]; lstm: [Γu, Γf, c̃, Γo]).
        var gates: [[Double]]
        var a: [Double]
        var c: [Double]
        /// gru: Γr·c⟨t−1⟩; lstm: tanh(c⟨t⟩).
        var extra: [Double]
    }

    static func forwardStep(_ cfg: ModelConfig, _ L: ParameterLayout, _ p: [Double],
                            x: [Double], aPrev: [Double], cPrev: [Double]) -> Step {
        let h = cfg.hiddenSize, X = cfg.inputSize
        // Pre-activation of gate block `g` from the input and a recurrent vector.
        func pre(_ g: Int, recurrent: [Double]) -> [Double] {
            let wx = matvec(p, offset: L.weightIH.offset, rowStart: g * h, rows: h, cols: X, x)
            let wh = matvec(p, offset: L.weightHH.offset, rowStart: g * h, rows: h, cols: h, recurrent)
            return vec(h) { wx[$0] + wh[$0] + p[L.bias.offset + g * h + $0] }
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

    /// Given dL/da⟨t⟩ (head + da_next) and dL/dc⟨t⟩ from the future (dc_next),
    /// adds the parameter gradients of the step and returns (da_prev, dc_prev, dx).
    static func backwardStep(_ cfg: ModelConfig, _ L: ParameterLayout, _ p: [Double], _ s: Step,
                             da: [Double], dcNext: [Double], grads g: inout [Double])
        -> (daPrev: [Double], dcPrev: [Double], dx: [Double]) {
        let h = cfg.hiddenSize, X = cfg.inputSize
        var dx = [Double](repeating: 0, count: X)
        var daPrev = [Double](repeating: 0, count: h)
        var dcPrev = [Double](repeating: 0, count: h)
        // Accumulates a gate block's pre-activation gradient into dW_ih, dW_hh, db, dx and
        // the recurrent-input gradient: seed RNN eqs. 1-5, LSTM eqs. 19-27.
        func gate(_ block: Int, _ dPre: [Double], recurrent: [Double], dRecurrent: inout [Double]) {
            addOuter(&g, offset: L.weightIH.offset, rowStart: block * h, cols: X, dPre, s.x)
            addOuter(&g, offset: L.weightHH.offset, rowStart: block * h, cols: h, dPre, recurrent)
            for i in 0..<h { g[L.bias.offset + block * h + i] += dPre[i] }
            addMatTvec(p, offset: L.weightIH.offset, rowStart: block * h, rows: h, cols: X, dPre, into: &dx)
            addMatTvec(p, offset: L.weightHH.offset, rowStart: block * h, rows: h, cols: h, dPre, into: &dRecurrent)
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

    static func run(config cfg: ModelConfig, parameters p: [Double], inputs: [Double], batch: Batch, backward: Bool) -> Result {
        let L = ParameterLayout(cfg)
        let T = batch.steps, B = batch.batchSize, X = cfg.inputSize, h = cfg.hiddenSize, V = cfg.outputSize
        precondition(batch.inputSize == X, "batch input width \(batch.inputSize) != model input \(X)")
        let count = Double(max(batch.targetCount, 1))
        var loss = 0.0
        var grads = [Double](repeating: 0, count: backward ? L.totalCount : 0)
        var dInputs = [Double](repeating: 0, count: backward ? inputs.count : 0)
        for b in 0..<B {
            var steps: [Step] = []
            var dz: [[Double]] = []        // dL/dz⟨t⟩ of the head at each step
            var a = [Double](repeating: 0, count: h), c = a
            for t in 0..<T {
                let x = Array(inputs[((t * B + b) * X)..<((t * B + b) * X + X)])
                let s = forwardStep(cfg, L, p, x: x, aPrev: a, cPrev: c)
                a = s.a; c = s.c
                steps.append(s)
                // Head, seed eq. 8: z = W_ya a + b_y
                var z = matvec(p, offset: L.headWeight.offset, rowStart: 0, rows: V, cols: h, a)
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
            var daNext = [Double](repeating: 0, count: h), dcNext = daNext
            for t in stride(from: T - 1, through: 0, by: -1) {
                let s = steps[t]
                // dW_ya += dz a^T, db_y += dz; da⟨t⟩ = W_ya^T dz + da_next (seed LSTM eq. 12)
                addOuter(&grads, offset: L.headWeight.offset, rowStart: 0, cols: h, dz[t], s.a)
                for v in 0..<V { grads[L.headBias.offset + v] += dz[t][v] }
                var da = daNext
                addMatTvec(p, offset: L.headWeight.offset, rowStart: 0, rows: V, cols: h, dz[t], into: &da)
                let r = backwardStep(cfg, L, p, s, da: da, dcNext: dcNext, grads: &grads)
                daNext = r.daPrev; dcNext = r.dcPrev
                for k in 0..<X { dInputs[(t * B + b) * X + k] = r.dx[k] }
            }
        }
        return Result(loss: loss, parameterGradients: grads, inputGradients: dInputs)
    }
}
