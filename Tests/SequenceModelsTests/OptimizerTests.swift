// One step of each optimiser and both clipping rules, against values computed by hand.
import XCTest
@testable import SequenceModels

final class OptimizerTests: XCTestCase {
    func testSGDStep() {
        var p: [Float] = [1, -2]
        var opt = Optimizer(settings: OptimizerSettings(kind: .sgd, learningRate: 0.1), parameterCount: 2)
        opt.update(parameters: &p, gradients: [0.5, -1])
        XCTAssertEqual(p, [0.95, -1.9])
    }

    func testMomentumTwoSteps() {
        var p: [Float] = [1]
        var opt = Optimizer(settings: OptimizerSettings(kind: .momentum, learningRate: 0.1, momentum: 0.9), parameterCount: 1)
        opt.update(parameters: &p, gradients: [1])     // v = 1,   p = 1 − 0.1 = 0.9
        opt.update(parameters: &p, gradients: [1])     // v = 1.9, p = 0.9 − 0.19 = 0.71
        XCTAssertEqual(p[0], 0.71, accuracy: 1e-6)
        XCTAssertEqual(opt.state.first[0], 1.9, accuracy: 1e-6)
        XCTAssertEqual(opt.state.step, 2)
    }

    func testAdamFirstStepMovesByLearningRate() {
        // At t = 1, m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g).
        var p: [Float] = [1, 1]
        var opt = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.01), parameterCount: 2)
        opt.update(parameters: &p, gradients: [3, -0.5])
        XCTAssertEqual(p[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(p[1], 1.01, accuracy: 1e-6)
        // Second step with g = 1: m = 0.9·0.3 + 0.1 = 0.37, v = 0.999·0.009 + 0.001 = 0.009991,
        // m̂ = 0.37/0.19, v̂ = 0.009991/0.001999, step = 0.01·m̂/√v̂.
        opt.update(parameters: &p, gradients: [1, 1])
        let expected = 0.99 - 0.01 * (0.37 / 0.19) / (0.009991 / 0.001999).squareRoot()
        XCTAssertEqual(Double(p[0]), expected, accuracy: 1e-6)
    }

    func testClipByGlobalNorm() {
        var g: [Float] = [3, 4]                       // norm 5
        let norm = GradientClipping.clipByGlobalNorm(&g, maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-12)
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-7)
        XCTAssertEqual(g[1], 0.8, accuracy: 1e-7)
        var small: [Float] = [0.3, 0.4]
        GradientClipping.clipByGlobalNorm(&small, maxNorm: 1)
        XCTAssertEqual(small, [0.3, 0.4], "under the limit nothing changes")
    }

    func testClipByValue() {
        var g: [Float] = [-7, -5, 0.5, 5, 12]
        GradientClipping.clipByValue(&g, limit: 5)
        XCTAssertEqual(g, [-5, -5, 0.5, 5, 5])
    }
}
