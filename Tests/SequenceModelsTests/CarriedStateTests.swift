// Carrying the recurrent state between batches: two windows run one after the
// other from the carried state give the outputs of the whole sequence, and the
// gradients of a window stop at its first step.
import XCTest
@testable import SequenceModels

final class CarriedStateTests: XCTestCase {
    func testTwoWindowsWithCarriedStateEqualTheWholeSequence() {
        for cell in CellKind.allCases {
          for layers in [1, 2] {
            var (config, whole) = GradientCheck.randomProblem(cell: cell, layout: .softmaxEveryStep, steps: 8, batch: 3)
            config.layers = layers
            let model = Model(config: config)
            let B = whole.batchSize, X = whole.inputSize
            guard case .classes(let y) = whole.targets else { return XCTFail() }
            func window(_ range: Range<Int>) -> Batch {
                Batch(steps: range.count, batchSize: B, inputSize: X,
                      inputs: Array(whole.inputs[(range.lowerBound * B * X) ..< (range.upperBound * B * X)]),
                      targets: .classes(Array(y[(range.lowerBound * B) ..< (range.upperBound * B)])))
            }
            let expected = model.evaluate(batch: whole).outputs
            var state = model.initialState(batchSize: B)
            let first = model.evaluate(batch: window(0..<5), state: &state).outputs
            let second = model.evaluate(batch: window(5..<8), state: &state).outputs
            XCTAssertLessThanOrEqual(GradientCheck.relativeError((first + second).map(Double.init), expected.map(Double.init)), 1e-5, "\(cell) layers \(layers)")
            // From a zero state the second window's outputs differ: the state mattered.
            var fresh = model.initialState(batchSize: B)
            let alone = model.evaluate(batch: window(5..<8), state: &fresh).outputs
            XCTAssertGreaterThan(GradientCheck.relativeError(alone.map(Double.init), second.map(Double.init)), 1e-3, "\(cell)")

            // Training from the carried state gives the same loss as evaluating, leaves the same
            // final state, and its gradients equal finite differences of the window's loss with the
            // initial state held fixed (the cut at the window edge): checked on the head bias.
            var s1 = model.initialState(batchSize: B)
            _ = model.evaluate(batch: window(0..<5), state: &s1)
            var s2 = s1, s3 = s1
            var gradients = [Float]()
            let loss = model.lossAndGradients(batch: window(5..<8), gradients: &gradients, state: &s2)
            let evaluated = model.evaluate(batch: window(5..<8), state: &s3)
            XCTAssertEqual(loss, evaluated.loss)
            XCTAssertEqual(s2.hidden, s3.hidden)
            let slot = model.layout.headBias
            let h: Float = 1e-2
            for k in 0..<slot.count {
                let saved = model.parameters[slot.offset + k]
                var plus = s1, minus = s1
                model.parameters[slot.offset + k] = saved + h
                let lp = model.evaluate(batch: window(5..<8), state: &plus).loss
                model.parameters[slot.offset + k] = saved - h
                let lm = model.evaluate(batch: window(5..<8), state: &minus).loss
                model.parameters[slot.offset + k] = saved
                XCTAssertEqual(Double(gradients[slot.offset + k]), (lp - lm) / Double(2 * h), accuracy: 1e-3, "\(cell) head bias \(k)")
            }
          }
        }
    }
}
