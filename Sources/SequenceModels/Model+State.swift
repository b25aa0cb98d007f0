// Stateful entry points of the fast path, for truncated BPTT across batches: a
// batch starts from a carried recurrent state and leaves the state after its
// last step. Gradients stop at the initial state (the window edge): the backward
// sweep never computes dL/da⟨0⟩, so nothing flows into the previous batch.

extension Model {
    /// Mean loss and dL/dθ of `batch` started from `state` ((layers, B, H), and the LSTM cells),
    /// which is replaced by the state after the batch's last step. `dropout` as in
    /// `lossAndGradients(batch:gradients:inputGradients:dropout:)`.
    @discardableResult
    public func lossAndGradients(batch: Batch, gradients: inout [Float], state: inout RecurrentState,
                                 dropout: DropoutKey? = nil) -> Double {
        precondition(state.hidden.count == config.layers * batch.batchSize * config.hiddenSize, "state must be (layers, B, H) for the batch's B")
        if gradients.count != layout.totalCount { gradients = [Float](repeating: 0, count: layout.totalCount) }
        let ws = workspace(steps: batch.steps, batchSize: batch.batchSize)
        let initial = state
        let loss = parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in
                batch.inputs.withUnsafeBufferPointer { x in
                    forward(ws, p.baseAddress!, x.baseAddress!, initial: initial, dropout: dropout)
                    let loss = head(ws, p.baseAddress!, batch, gradients: g.baseAddress!)
                    state = finalState(ws)
                    backward(ws, p.baseAddress!, x.baseAddress!, g.baseAddress!, nil)
                    return loss
                }
            }
        }
        return loss
    }

    /// Mean loss and the head's outputs (T, B, V) of `batch` started from `state`, which is
    /// replaced by the state after the batch's last step.
    public func evaluate(batch: Batch, state: inout RecurrentState) -> (loss: Double, outputs: [Float]) {
        precondition(state.hidden.count == config.layers * batch.batchSize * config.hiddenSize, "state must be (layers, B, H) for the batch's B")
        let ws = workspace(steps: batch.steps, batchSize: batch.batchSize)
        let initial = state
        let loss = parameters.withUnsafeBufferPointer { p in
            batch.inputs.withUnsafeBufferPointer { x in
                forward(ws, p.baseAddress!, x.baseAddress!, initial: initial, dropout: nil)
                return head(ws, p.baseAddress!, batch, gradients: nil)
            }
        }
        state = finalState(ws)
        let n = batch.steps * batch.batchSize * config.outputSize
        return (loss, Array(UnsafeBufferPointer(start: ws.logits, count: n)))
    }

    /// Every layer's a⟨T⟩ (and c⟨T⟩ for the LSTM) of the last forward pass, (layers, B, H).
    func finalState(_ ws: Workspace) -> RecurrentState {
        let count = ws.batchSize * config.hiddenSize, last = ws.steps * count
        return RecurrentState(
            hidden: ws.layers.flatMap { Array(UnsafeBufferPointer(start: $0.hidden + last, count: count)) },
            cell: config.cell == .lstm ? ws.layers.flatMap { Array(UnsafeBufferPointer(start: $0.cell + last, count: count)) } : [])
    }
}
