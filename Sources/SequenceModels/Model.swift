// The fast Float32 path that training uses: whole-batch forward and backward
// through time over the C kernels, following the cuDNN recipe: the input
// projections of all steps in one GEMM before the recurrence, all gates in one
// fused matrix, weight gradients of all steps in one GEMM after the backward
// sweep, fused per-element gate loops. Stacked layers run one after the other,
// each over the whole sequence (layer l's input is layer l−1's output sequence,
// times its dropout mask while training). Checked against `ReferenceModel`.

import CKernels

/// The state carried between calls when generating step by step.
public struct RecurrentState: Sendable {
    /// (L, B, H) hidden states a of every layer (bottom first), and (L, B, H) cell states c
    /// (LSTM only; empty otherwise).
    public var hidden: [Float]
    public var cell: [Float]
}

/// One model instance: parameters plus its own workspace. Not thread-safe:
/// every run of a sweep builds its own. Its passes run on `team` (see ThreadTeam.swift
/// for the partitioning rules that keep the bits independent of the thread count).
public final class Model {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// The flat parameter buffer (see `ParameterLayout`).
    public var parameters: [Float]
    private var workspace: Workspace?
    /// W_hh packed for the layer being processed (every layer's W_hh has the same shape).
    lazy var packed = PackedWeights(config: config)
    /// Whether the last forward pass applied dropout masks (training with dropout > 0).
    private var dropoutActive = false
    /// The threads the passes run on (one by default).
    public var team = ThreadTeam.single()
    /// Each row's softmax loss term (see `softmaxCrossEntropy`).
    var rowLosses: [Double] = []

    public init(config: ModelConfig) {
        self.config = config
        self.layout = ParameterLayout(config)
        self.parameters = Initialization.parameters(for: config)
    }

    public init(config: ModelConfig, parameters: [Float]) {
        precondition(parameters.count == ParameterLayout(config).totalCount, "parameter count does not match the configuration")
        self.config = config
        self.layout = ParameterLayout(config)
        self.parameters = parameters
    }

    func workspace(steps: Int, batchSize: Int) -> Workspace {
        if let w = workspace, w.fits(steps: steps, batchSize: batchSize) {
            w.steps = steps
            w.batchSize = batchSize
            return w
        }
        let w = Workspace(config: config, steps: max(steps, workspace?.capacitySteps ?? 0),
                          batchSize: max(batchSize, workspace?.batchCapacity ?? 0))
        w.steps = steps
        w.batchSize = batchSize
        workspace = w
        return w
    }

    // MARK: - Public entry points

    /// Mean loss of the batch and dL/dθ written (not added) into `gradients`
    /// (resized to the parameter count). If `inputGradients` is given, dL/dx (T, B, X) is written there.
    /// With a `dropout` key and `config.dropout` > 0, the layers' outputs are dropped with the
    /// masks of that training step (see `DropoutMask`); without one, no dropout.
    @discardableResult
    public func lossAndGradients(batch: Batch, gradients: inout [Float], inputGradients: UnsafeMutablePointer<Float>? = nil,
                                 dropout: DropoutKey? = nil) -> Double {
        if gradients.count != layout.totalCount { gradients = [Float](repeating: 0, count: layout.totalCount) }
        let ws = workspace(steps: batch.steps, batchSize: batch.batchSize)
        return parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in
                batch.inputs.withUnsafeBufferPointer { x in
                    forward(ws, p.baseAddress!, x.baseAddress!, initial: nil, dropout: dropout)
                    let loss = head(ws, p.baseAddress!, batch, gradients: g.baseAddress!)
                    backward(ws, p.baseAddress!, x.baseAddress!, g.baseAddress!, inputGradients)
                    return loss
                }
            }
        }
    }

    /// Mean loss and the head's outputs (T, B, V): probabilities for softmax heads, σ(z) per unit
    /// for bernoulli heads, values for linear heads. No dropout (evaluation).
    public func evaluate(batch: Batch) -> (loss: Double, outputs: [Float]) {
        let ws = workspace(steps: batch.steps, batchSize: batch.batchSize)
        let loss = parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                forward(ws, p.baseAddress!, x.baseAddress!, initial: nil, dropout: nil)
                return head(ws, p.baseAddress!, batch, gradients: nil)
            }
        }
        let n = batch.steps * batch.batchSize * config.outputSize
        return (loss, Array(UnsafeBufferPointer(start: ws.logits, count: n)))
    }

    /// A zero state for `batchSize` sequences.
    public func initialState(batchSize: Int) -> RecurrentState {
        let n = config.layers * batchSize * config.hiddenSize
        return RecurrentState(hidden: [Float](repeating: 0, count: n),
                              cell: config.cell == .lstm ? [Float](repeating: 0, count: n) : [])
    }

    /// Runs `steps` steps from `state` on inputs (T, B, X), updates `state` to the last
    /// step's and returns the head's outputs (T, B, V) (probabilities for softmax heads).
    public func predict(inputs: [Float], steps: Int, state: inout RecurrentState) -> [Float] {
        let h = config.hiddenSize
        let batchSize = state.hidden.count / (h * config.layers)
        precondition(inputs.count == steps * batchSize * config.inputSize, "inputs must be (T, B, X)")
        let ws = workspace(steps: steps, batchSize: batchSize)
        parameters.withUnsafeBufferPointer { p in
            inputs.withUnsafeBufferPointer { x in
                forward(ws, p.baseAddress!, x.baseAddress!, initial: state, dropout: nil)
                computeHead(ws, p.baseAddress!)
                let n = steps * batchSize
                if config.head == .softmax {
                    _ = rk_softmax_xent(Int32(n), Int32(config.outputSize), ws.logits, nil, 0, nil)
                } else if config.head == .bernoulli {
                    for i in 0..<(n * config.outputSize) { ws.logits[i] = BernoulliHead.sigmoid(ws.logits[i]) }
                }
            }
        }
        let last = steps * batchSize * h, size = batchSize * h
        state.hidden = ws.layers.flatMap { Array(UnsafeBufferPointer(start: $0.hidden + last, count: size)) }
        if config.cell == .lstm {
            state.cell = ws.layers.flatMap { Array(UnsafeBufferPointer(start: $0.cell + last, count: size)) }
        }
        return Array(UnsafeBufferPointer(start: ws.logits, count: steps * batchSize * config.outputSize))
    }

    // MARK: - Forward through layers and time

    /// Layer l's output as the layer above (or, for the top layer, the head) reads it (N, H):
    /// a⟨1..T⟩, times its mask while dropout is active.
    private func output(_ ws: Workspace, of l: Int) -> UnsafePointer<Float> {
        let lb = ws.layers[l]
        return UnsafePointer(dropoutActive ? lb.dropped : lb.hidden + ws.batchSize * config.hiddenSize)
    }

    /// What layer `l` reads (N, X_l): the input x for l = 0, else layer l−1's output.
    private func layerInput(_ ws: Workspace, _ l: Int, _ x: UnsafePointer<Float>) -> UnsafePointer<Float> {
        l == 0 ? x : output(ws, of: l - 1)
    }

    func forward(_ ws: Workspace, _ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>, initial: RecurrentState?,
                         dropout key: DropoutKey?) {
        let B = ws.batchSize, H = config.hiddenSize, NH = ws.steps * B * H
        dropoutActive = key != nil && config.dropout > 0
        for (l, lb) in ws.layers.enumerated() {
            // Initial state a⟨0⟩ (and c⟨0⟩) of layer l.
            if let s = initial {
                s.hidden.withUnsafeBufferPointer { lb.hidden.update(from: $0.baseAddress! + l * B * H, count: B * H) }
                if config.cell == .lstm { s.cell.withUnsafeBufferPointer { lb.cell.update(from: $0.baseAddress! + l * B * H, count: B * H) } }
            } else {
                lb.hidden.update(repeating: 0, count: B * H)
                if config.cell == .lstm { lb.cell.update(repeating: 0, count: B * H) }
            }
            forwardLayer(ws, lb, layout.layers[l], p, layerInput(ws, l, x))
            if dropoutActive, let key {
                // dropped (N, H) = a⟨1..T⟩ · mask_l: the non-recurrent connection only.
                DropoutMask.fill(lb.mask, count: NH, p: config.dropout, key: key, connection: l)
                team.run(work: NH, items: NH) { tid, n in      // element-wise: split by ranges
                    let r = team.range(NH, part: tid, of: n, align: 16)
                    rk_multiply(r.count, lb.hidden + B * H + r.lowerBound, lb.mask + r.lowerBound, lb.dropped + r.lowerBound)
                }
            }
        }
    }

    /// One layer over the whole sequence: input (N, X_l) → lb.hidden a⟨1..T⟩.
    private func forwardLayer(_ ws: Workspace, _ lb: LayerBuffers, _ slots: LayerSlots, _ p: UnsafePointer<Float>,
                              _ input: UnsafePointer<Float>) {
        let T = ws.steps, B = ws.batchSize, X = slots.inputSize, H = config.hiddenSize
        let GH = config.cell.gateCount * H, N = T * B
        let wIH = p + slots.weightIH.offset, wHH = p + slots.weightHH.offset
        let packed = self.packed  // made here: the lazy property must not be first touched by two threads
        // Input projections of all steps in one GEMM: gates (N, GH) = input (N, X_l) · W_ih^T, split
        // by rows of N (W_hh packed meanwhile); the gate loops add the bias b as they read the pre-activations.
        team.run(work: N * GH * X, items: N) { tid, n in
            packed.packForward(wHH, part: tid, of: n)
            let rows = team.range(N, part: tid, of: n)
            rk_sgemm(0, 1, Int32(rows.count), Int32(GH), Int32(X), input + rows.lowerBound * X, Int32(X), wIH, Int32(X), 0,
                     lb.gates + rows.lowerBound * GH, Int32(GH))
        }
        forwardRecurrence(ws, lb, slots, p)   // Model+Recurrence.swift
    }

    /// logits (N, V) = top (N, H) · W_ya^T + b_y (seed eq. 8), top = the top layer's output (dropped while training).
    private func computeHead(_ ws: Workspace, _ p: UnsafePointer<Float>) {
        let N = ws.steps * ws.batchSize, H = config.hiddenSize, V = config.outputSize
        let bY = p + layout.headBias.offset, a = output(ws, of: config.layers - 1)
        team.run(work: N * V * H, items: N) { tid, n in      // split by rows of N
            let rows = team.range(N, part: tid, of: n)
            for r in rows { (ws.logits + r * V).update(from: bY, count: V) }
            rk_sgemm(0, 1, Int32(rows.count), Int32(V), Int32(H), a + rows.lowerBound * H, Int32(H),
                     p + layout.headWeight.offset, Int32(H), 1, ws.logits + rows.lowerBound * V, Int32(V))
        }
    }

    /// Head and loss; with `gradients`, writes dL/dz into logits, the head's weight
    /// gradients, and dL/da⟨t⟩ of the top layer into its dHidden. Returns the mean loss over targeted positions.
    func head(_ ws: Workspace, _ p: UnsafePointer<Float>, _ batch: Batch, gradients: UnsafeMutablePointer<Float>?) -> Double {
        let N = ws.steps * ws.batchSize, H = config.hiddenSize, V = config.outputSize
        computeHead(ws, p)
        let count = max(batch.targetCount, 1)
        var loss: Double
        let dz: UnsafeMutablePointer<Float>? = gradients == nil ? nil : ws.logits
        switch (config.head, batch.targets) {
        case (.softmax, .classes(let y)):
            // In place: logits → probabilities → (p − onehot)/count (seed eq. 11).
            loss = y.withUnsafeBufferPointer {
                softmaxCrossEntropy(N, V, ws.logits, $0.baseAddress!, 1 / Float(count), dz)
            } / Double(count)
        case (.linear, .values(let y, let mask, let width)):
            precondition(width == V, "target width \(width) != head width \(V)")
            let scale = 1 / Float(count * V)
            loss = y.withUnsafeBufferPointer { yp in
                mask.withUnsafeBufferPointer { mp in
                    rk_squared_error(Int32(N), Int32(V), ws.logits, yp.baseAddress!, mp.baseAddress!, scale, dz)
                }
            } / Double(count * V)
        case (.bernoulli, .values(let y, let mask, let width)):
            precondition(width == V, "target width \(width) != head width \(V)")
            // In place: logits → σ(z) → (σ(z) − y)/count; the loss sums over the V units.
            loss = y.withUnsafeBufferPointer { yp in
                mask.withUnsafeBufferPointer { mp in
                    BernoulliHead.apply(positions: N, width: V, logits: ws.logits, targets: yp.baseAddress!,
                                        mask: mp.baseAddress!, scale: 1 / Float(count), dz: dz)
                }
            } / Double(count)
        default:
            preconditionFailure("head \(config.head) does not match the batch's targets")
        }
        guard let g = gradients else { return loss }
        let a = output(ws, of: config.layers - 1), top = ws.layers[config.layers - 1]
        let dropped = dropoutActive
        // dW_ya (V, H) = dz^T (V, N) · a (N, H), split by columns of H; db_y = Σ_n dz (last thread);
        // dL/da (N, H) = dz (N, V) · W_ya (V, H), split by rows of N, then through the top mask.
        team.run(work: 2 * N * V * H, items: H) { tid, n in
            let cols = team.range(H, part: tid, of: n, align: 16), rows = team.range(N, part: tid, of: n)
            if !cols.isEmpty {
                rk_sgemm(1, 0, Int32(V), Int32(cols.count), Int32(N), ws.logits, Int32(V), a + cols.lowerBound, Int32(H), 0,
                         g + layout.headWeight.offset + cols.lowerBound, Int32(H))
            }
            if tid == n - 1 {
                (g + layout.headBias.offset).update(repeating: 0, count: V)
                rk_column_sums(Int32(N), Int32(V), ws.logits, g + layout.headBias.offset)
            }
            let da = top.dHidden + rows.lowerBound * H
            rk_sgemm(0, 0, Int32(rows.count), Int32(H), Int32(V), ws.logits + rows.lowerBound * V, Int32(V),
                     p + layout.headWeight.offset, Int32(H), 0, da, Int32(H))
            if dropped { rk_multiply(rows.count * H, da, top.mask + rows.lowerBound * H, da) }
        }
        return loss
    }

    // MARK: - Backward through layers and time

    /// Top layer first: each layer's sweep through time leaves dGates, from which its weight
    /// gradients and the gradient of its input, dInput (N, X_l) = dGates (N, GH) · W_ih (GH, X_l)
    /// (RNN eq. 4), follow; dInput times layer l−1's mask is dL/d(layer l−1's output).
    func backward(_ ws: Workspace, _ p: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                          _ g: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>?) {
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let dInput = l > 0 ? ws.layers[l - 1].dHidden : dx
            backwardLayer(ws, ws.layers[l], layout.layers[l], p, g, layerInput(ws, l, x), dInput: dInput,
                          inputMask: l > 0 && dropoutActive ? UnsafePointer(ws.layers[l - 1].mask) : nil)
        }
    }

    /// With `dInput`, also dInput (N, X_l) = dGates · W_ih, times `inputMask` when given.
    private func backwardLayer(_ ws: Workspace, _ lb: LayerBuffers, _ slots: LayerSlots, _ p: UnsafePointer<Float>,
                               _ g: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
                               dInput: UnsafeMutablePointer<Float>?, inputMask: UnsafePointer<Float>?) {
        let T = ws.steps, B = ws.batchSize, X = slots.inputSize, H = config.hiddenSize
        let GH = config.cell.gateCount * H, N = T * B
        let wHH = p + slots.weightHH.offset
        let dBias = g + slots.bias.offset, dBiasHH = slots.biasHH.map { g + $0.offset }
        let packed = self.packed
        team.run(work: GH * H, items: H / 16) { tid, n in packed.packBackward(wHH, part: tid, of: n) }   // by column panels
        backwardRecurrence(ws, lb, slots, p)   // Model+Recurrence.swift
        let dGates = lb.gates  // (N, GH): the sweep has replaced every step's activations by dgates
        // Weight gradients of all steps (eqs. 19-26), dW_ih and dW_hh of the same gate rows from
        // one pass over dGates^T, the large operand (packed once for both products):
        //   dW_ih (rows, X_l) = dGates^T (rows, N) · input (N, X_l); dW_hh (rows, H) = dGates^T · s (N, H),
        // s = a⟨t−1⟩ (lb.hidden row block t), except for the GRU's candidate rows: Γr·c⟨t−1⟩.
        let dWIH = g + slots.weightIH.offset, dWHH = g + slots.weightHH.offset
        func weightGradients(rows: Range<Int>, states: UnsafePointer<Float>) {
            guard !rows.isEmpty else { return }
            rk_sgemm_shared_a(1, Int32(rows.count), Int32(N), dGates + rows.lowerBound, Int32(GH),
                              Int32(X), input, Int32(X), dWIH + rows.lowerBound * X, Int32(X),
                              Int32(H), states, Int32(H), dWHH + rows.lowerBound * H, Int32(H), 0)
        }
        /// Σ over steps T−1 down to 0, rows in order (as the sweep visits them), of columns `cols` of m (N, GH).
        func biasGradient(_ out: UnsafeMutablePointer<Float>, _ m: UnsafePointer<Float>, cols: Range<Int>) {
            (out + cols.lowerBound).update(repeating: 0, count: cols.count)
            for t in stride(from: T - 1, through: 0, by: -1) {
                rk_column_sums_ld(Int32(B), Int32(cols.count), m + t * B * GH + cols.lowerBound, Int32(GH), out + cols.lowerBound)
            }
        }
        // Split by gate rows (of dW and of db), and dInput by rows of N: every element's sum
        // over the N positions is computed whole by one thread.
        team.run(work: N * GH * (X + H), items: GH) { tid, n in
            let mine = team.range(GH, part: tid, of: n, align: 16)
            switch config.cell {
            case .gru:
                weightGradients(rows: (0..<(2 * H)).clamped(to: mine), states: lb.hidden)
                weightGradients(rows: ((2 * H)..<GH).clamped(to: mine), states: lb.extra)
            case .gruResetAfter:
                // dW_ih = dGates^T · input and dW_hh = dgh^T · a⟨t−1⟩. The two sides' gradients differ
                // only in the candidate rows (dgh_n = dgates_n·r); for r and z they are the same
                // numbers (rk_gru_ra_backward stores one value in both), so those rows share one pass.
                weightGradients(rows: (0..<(2 * H)).clamped(to: mine), states: lb.hidden)
                let candidate = ((2 * H)..<GH).clamped(to: mine)
                if !candidate.isEmpty {
                    rk_sgemm(1, 0, Int32(candidate.count), Int32(X), Int32(N), dGates + candidate.lowerBound, Int32(GH), input, Int32(X), 0,
                             dWIH + candidate.lowerBound * X, Int32(X))
                    rk_sgemm(1, 0, Int32(candidate.count), Int32(H), Int32(N), lb.recurrent + candidate.lowerBound, Int32(GH), lb.hidden,
                             Int32(H), 0, dWHH + candidate.lowerBound * H, Int32(H))
                }
            case .rnn, .lstm:
                weightGradients(rows: mine, states: lb.hidden)
            }
            biasGradient(dBias, dGates, cols: mine)                            // db = Σ dgates⟨t⟩ (eqs. 19-26)
            if let dBiasHH {                                                   // db_h = Σ dgh⟨t⟩: the same sums as db for r, z
                let rz = (0..<(2 * H)).clamped(to: mine), candidate = ((2 * H)..<GH).clamped(to: mine)
                (dBiasHH + rz.lowerBound).update(from: dBias + rz.lowerBound, count: rz.count)
                biasGradient(dBiasHH, lb.recurrent, cols: candidate)
            }
            if let dInput {
                // dInput (N, X_l) = dGates (N, GH) · W_ih (GH, X_l)   (RNN eq. 4), then through the mask below.
                let rows = team.range(N, part: tid, of: n), di = dInput + rows.lowerBound * X
                rk_sgemm(0, 0, Int32(rows.count), Int32(X), Int32(GH), dGates + rows.lowerBound * GH, Int32(GH),
                         p + slots.weightIH.offset, Int32(X), 0, di, Int32(X))
                if let inputMask { rk_multiply(rows.count * X, di, inputMask + rows.lowerBound * X, di) }
            }
        }
    }
}
