// Preallocated Float32 buffers of the fast path, reused from batch to batch
// while (T, B) fits their capacity: no allocation inside the time loop, and
// none for a short last batch or a shorter sequence.

/// The buffers of one recurrent layer (N = T·B positions).
final class LayerBuffers {
    /// (N, G·H): input projections (no bias), then the gate activations; the backward sweep
    /// replaces each step's block by the gates' pre-activation gradients dGates (for
    /// gru_reset_after the input side's).
    let gates: UnsafeMutablePointer<Float>
    /// gru_reset_after only, (N, 3H): a⟨t−1⟩·W_hhᵀ (no bias) per step, then the recurrent
    /// side's pre-activation gradients.
    let recurrent: UnsafeMutablePointer<Float>
    /// ((T+1)·B, H): hidden states a⟨0⟩...a⟨T⟩, a⟨0⟩ the initial state.
    let hidden: UnsafeMutablePointer<Float>
    /// ((T+1)·B, H): LSTM cell states c⟨0⟩...c⟨T⟩.
    let cell: UnsafeMutablePointer<Float>
    /// (N, H): LSTM tanh(c⟨t⟩), or GRU Γr·c⟨t−1⟩.
    let extra: UnsafeMutablePointer<Float>
    /// (N, H): dL/d(this layer's output a⟨t⟩) from above (the head or the next layer's input
    /// projection); the backward sweep adds the gradient flowing back from step t+1 into row
    /// block t before step t reads it.
    let dHidden: UnsafeMutablePointer<Float>
    /// With dropout, (N, H): this step's mask of the layer's output, and the output times it
    /// (what the layer above or the head reads).
    let mask: UnsafeMutablePointer<Float>
    let dropped: UnsafeMutablePointer<Float>

    init(config: ModelConfig, steps: Int, batchSize: Int, make: (Int) -> UnsafeMutablePointer<Float>) {
        let n = steps * batchSize, h = config.hiddenSize, gh = config.cell.gateCount * h
        gates = make(n * gh)
        recurrent = make(config.cell == .gruResetAfter ? n * gh : 0)
        hidden = make((steps + 1) * batchSize * h)
        cell = make(config.cell == .lstm ? (steps + 1) * batchSize * h : 0)
        extra = make(config.cell == .rnn || config.cell == .gruResetAfter ? 0 : n * h)
        dHidden = make(n * h)
        mask = make(config.dropout > 0 ? n * h : 0)
        dropped = make(config.dropout > 0 ? n * h : 0)
    }
}

final class Workspace {
    /// The shape of the batch being processed (at most the capacity).
    var steps: Int, batchSize: Int
    /// The largest T·B, (T+1)·B and B the buffers hold.
    let positionCapacity: Int, stateCapacity: Int, batchCapacity: Int
    /// The (T, B) the buffers were sized for.
    let capacitySteps: Int

    func fits(steps: Int, batchSize: Int) -> Bool {
        steps * batchSize <= positionCapacity && (steps + 1) * batchSize <= stateCapacity && batchSize <= batchCapacity
    }

    /// One per layer, bottom first.
    let layers: [LayerBuffers]
    /// (N, V): head outputs; for softmax heads probabilities, then dL/dz.
    let logits: UnsafeMutablePointer<Float>
    /// (B, H): sink for the GRU kernels' terms of dL/da⟨0⟩ at step 0 (the initial state's
    /// gradient is not needed, so nothing reads it).
    let daNext: UnsafeMutablePointer<Float>
    /// (B, H): LSTM dL/dc flowing to the previous step; GRU dL/d(Γr·c⟨t−1⟩) of the current step.
    let dcNext: UnsafeMutablePointer<Float>
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config: ModelConfig, steps: Int, batchSize: Int) {
        self.steps = steps
        self.batchSize = batchSize
        positionCapacity = steps * batchSize
        stateCapacity = (steps + 1) * batchSize
        batchCapacity = batchSize
        capacitySteps = steps
        let n = steps * batchSize, h = config.hiddenSize, v = config.outputSize
        var all: [UnsafeMutablePointer<Float>] = []
        func make(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            all.append(p)
            return p
        }
        layers = (0..<config.layers).map { _ in LayerBuffers(config: config, steps: steps, batchSize: batchSize, make: make) }
        logits = make(n * v)
        daNext = make(batchSize * h)
        dcNext = make(batchSize * h)
        self.all = all
    }

    deinit { for p in all { p.deallocate() } }
}
