// A tiny model's loss falls on a learnable toy sequence: predict the previous
// input symbol (a one-step memory), which every cell can learn.
import XCTest
@testable import SequenceModels

final class LearningTests: XCTestCase {
    func echoBatch(_ rng: inout Xoshiro256, steps: Int, batch: Int, symbols: Int) -> Batch {
        var inputs = [Float](repeating: 0, count: steps * batch * symbols)
        var targets = [Int32](repeating: -1, count: steps * batch)
        var previous = [Int](repeating: -1, count: batch)
        for t in 0..<steps {
            for b in 0..<batch {
                let s = rng.nextInt(below: symbols)
                inputs[(t * batch + b) * symbols + s] = 1
                if previous[b] >= 0 { targets[t * batch + b] = Int32(previous[b]) }
                previous[b] = s
            }
        }
        return Batch(steps: steps, batchSize: batch, inputSize: symbols, inputs: inputs, targets: .classes(targets))
    }

    func testLossFallsForEveryCell() {
        for cell in CellKind.allCases {
            let model = Model(config: ModelConfig(cell: cell, inputSize: 4, hiddenSize: 16, outputSize: 4, seed: 1))
            var opt = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.02), parameterCount: model.parameters.count)
            var rng = Xoshiro256(seed: 2)
            var grads = [Float]()
            let probe = echoBatch(&rng, steps: 10, batch: 16, symbols: 4)
            let before = model.evaluate(batch: probe).loss
            for _ in 0..<150 {
                let b = echoBatch(&rng, steps: 10, batch: 16, symbols: 4)
                model.lossAndGradients(batch: b, gradients: &grads)
                GradientClipping.clipByGlobalNorm(&grads, maxNorm: 5)
                opt.update(parameters: &model.parameters, gradients: grads)
            }
            let after = model.evaluate(batch: probe).loss
            // Chance is ln 4 ≈ 1.386; a learned one-step memory is far below.
            XCTAssertGreaterThan(before, 1.2, "\(cell) starts near chance")
            XCTAssertLessThan(after, 0.3, "\(cell) learned the echo task (loss \(before) → \(after))")
        }
    }

    func testSameSeedSameBits() {
        let (config, batch) = GradientCheck.randomProblem(cell: .gru, layout: .softmaxEveryStep)
        var g1 = [Float](), g2 = [Float]()
        let l1 = Model(config: config).lossAndGradients(batch: batch, gradients: &g1)
        let l2 = Model(config: config).lossAndGradients(batch: batch, gradients: &g2)
        XCTAssertEqual(l1.bitPattern, l2.bitPattern)
        XCTAssertEqual(g1.map(\.bitPattern), g2.map(\.bitPattern))
    }
}
