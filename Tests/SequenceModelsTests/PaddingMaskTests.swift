// Padding changes nothing: a batch of sequences of different lengths, padded to
// the longest with their padded steps masked out, gives the same loss and
// gradients as the sequences run alone, for every cell and head, on the fast path
// and the reference.
import XCTest
@testable import SequenceModels

final class PaddingMaskTests: XCTestCase {
    let lengths = [5, 3, 2]
    let inputWidth = 3, outputWidth = 3

    enum Head: CaseIterable { case softmax, bernoulli, linear }

    /// One sequence's inputs (T, X), and targets per step.
    struct Sequence {
        var inputs: [Float]
        var classes: [Int32]
        var values: [Float]
    }

    func sequences(seed: UInt64) -> [Sequence] {
        var rng = Xoshiro256(seed: seed)
        return lengths.map { length in
            Sequence(inputs: (0..<(length * inputWidth)).map { _ in Float(rng.normal()) },
                     classes: (0..<length).map { _ in Int32(rng.nextInt(below: outputWidth)) },
                     values: (0..<(length * outputWidth)).map { _ in rng.nextDouble() < 0.5 ? 1 : 0 })
        }
    }

    /// The sequences time-major in one batch, padded to `steps` with `padding` as inputs.
    func batch(_ items: [Sequence], steps: Int, head: Head, padding: Float) -> Batch {
        let B = items.count, X = inputWidth, V = outputWidth
        var inputs = [Float](repeating: padding, count: steps * B * X)
        var classes = [Int32](repeating: -1, count: steps * B)
        var values = [Float](repeating: padding, count: steps * B * V)
        var mask = [Float](repeating: 0, count: steps * B)
        for (b, s) in items.enumerated() {
            for t in 0..<(s.classes.count) {
                for k in 0..<X { inputs[(t * B + b) * X + k] = s.inputs[t * X + k] }
                for k in 0..<V { values[(t * B + b) * V + k] = s.values[t * V + k] }
                classes[t * B + b] = s.classes[t]
                mask[t * B + b] = 1
            }
        }
        let targets: Targets = head == .softmax ? .classes(classes) : .values(values, mask: mask, width: V)
        return Batch(steps: steps, batchSize: B, inputSize: X, inputs: inputs, targets: targets)
    }

    func config(_ cell: CellKind, _ head: Head) -> ModelConfig {
        ModelConfig(cell: cell, inputSize: inputWidth, hiddenSize: 4, outputSize: outputWidth,
                    head: head == .softmax ? .softmax : head == .bernoulli ? .bernoulli : .linear, seed: 5)
    }

    func testPaddedBatchEqualsTheSequencesAlone() {
        let items = sequences(seed: 11)
        for cell in CellKind.allCases {
            for head in Head.allCases {
                let cfg = config(cell, head)
                let model = Model(config: cfg)
                let p = model.parameters.map(Double.init)
                // The padded batch, fast path and reference.
                let padded = batch(items, steps: lengths.max()!, head: head, padding: 0.7)
                var fastGradients = [Float]()
                let fastLoss = model.lossAndGradients(batch: padded, gradients: &fastGradients)
                let ref = ReferenceModel.lossAndGradients(config: cfg, parameters: p, inputs: padded.inputs.map(Double.init), batch: padded)
                // Each sequence alone, combined as the padded batch's mean over all targeted steps.
                let total = Double(lengths.reduce(0, +))
                var aloneLoss = 0.0
                var aloneGradients = [Double](repeating: 0, count: p.count)
                for item in items {
                    let single = batch([item], steps: item.classes.count, head: head, padding: 0)
                    let r = ReferenceModel.lossAndGradients(config: cfg, parameters: p, inputs: single.inputs.map(Double.init), batch: single)
                    let weight = Double(single.targetCount) / total
                    aloneLoss += r.loss * weight
                    for i in 0..<p.count { aloneGradients[i] += r.parameterGradients[i] * weight }
                }
                XCTAssertEqual(ref.loss, aloneLoss, accuracy: 1e-12 * abs(aloneLoss), "\(cell) \(head) reference loss")
                XCTAssertLessThanOrEqual(GradientCheck.relativeError(ref.parameterGradients, aloneGradients), 1e-10, "\(cell) \(head) reference gradients")
                XCTAssertEqual(fastLoss, aloneLoss, accuracy: 1e-5 * abs(aloneLoss), "\(cell) \(head) fast loss")
                XCTAssertLessThanOrEqual(GradientCheck.relativeError(fastGradients.map(Double.init), aloneGradients), 1e-3, "\(cell) \(head) fast gradients")

                // Other padding values give bitwise the same loss, gradients and valid outputs.
                let repadded = batch(items, steps: lengths.max()!, head: head, padding: -3)
                var otherGradients = [Float]()
                let otherLoss = model.lossAndGradients(batch: repadded, gradients: &otherGradients)
                XCTAssertEqual(otherLoss, fastLoss, "\(cell) \(head): padding changed the loss")
                XCTAssertEqual(otherGradients, fastGradients, "\(cell) \(head): padding changed the gradients")
                let outputsA = model.evaluate(batch: padded).outputs, outputsB = model.evaluate(batch: repadded).outputs
                for (b, length) in lengths.enumerated() {
                    for t in 0..<length {
                        let start = (t * items.count + b) * outputWidth
                        XCTAssertEqual(Array(outputsA[start ..< start + outputWidth]), Array(outputsB[start ..< start + outputWidth]))
                    }
                }
            }
        }
    }
}
