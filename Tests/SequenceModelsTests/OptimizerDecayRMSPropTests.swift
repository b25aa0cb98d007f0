// Weight decay, adamw and rmsprop: one or two steps of each against values worked out by hand.
import XCTest
@testable import SequenceModels

final class OptimizerDecayRMSPropTests: XCTestCase {
    func settings(_ kind: OptimizerKind, lr: Double, weightDecay: Double = 0, rmspropMomentum: Double = 0) -> OptimizerSettings {
        OptimizerSettings(kind: kind, learningRate: lr, weightDecay: weightDecay, rmspropMomentum: rmspropMomentum)
    }

    func testSGDWeightDecayAddsLambdaThetaToTheGradient() {
        // g' = g + 0.1·θ = [0.6, −1.2];  θ = θ − 0.1·g' = [0.94, −1.88].
        var p: [Float] = [1, -2]
        var opt = Optimizer(settings: settings(.sgd, lr: 0.1, weightDecay: 0.1), parameterCount: 2)
        opt.update(parameters: &p, gradients: [0.5, -1])
        XCTAssertEqual(p[0], 0.94, accuracy: 1e-6)
        XCTAssertEqual(p[1], -1.88, accuracy: 1e-6)
    }

    func testMomentumWeightDecayTwoSteps() {
        // Step 1: g' = 1 + 0.5·1 = 1.5, v = 1.5, θ = 1 − 0.15 = 0.85.
        // Step 2: g' = 1 + 0.5·0.85 = 1.425, v = 0.9·1.5 + 1.425 = 2.775, θ = 0.85 − 0.2775 = 0.5725.
        var p: [Float] = [1]
        var opt = Optimizer(settings: OptimizerSettings(kind: .momentum, learningRate: 0.1, momentum: 0.9, weightDecay: 0.5),
                            parameterCount: 1)
        opt.update(parameters: &p, gradients: [1])
        XCTAssertEqual(p[0], 0.85, accuracy: 1e-6)
        opt.update(parameters: &p, gradients: [1])
        XCTAssertEqual(opt.state.first[0], 2.775, accuracy: 1e-6)
        XCTAssertEqual(p[0], 0.5725, accuracy: 1e-6)
    }

    func testAdamL2AgainstAdamWDecoupled() {
        // θ = 2, g = 3, η = 0.1, λ = 0.5.
        // adam:  g' = 3 + 0.5·2 = 4; at t = 1 the step is η·g'/(|g'| + ε) ≈ 0.1, so θ = 1.9.
        // adamw: θ = 2·(1 − 0.1·0.5) = 1.9, then the step η·g/(|g| + ε) ≈ 0.1 gives θ = 1.8.
        var adam: [Float] = [2], adamw: [Float] = [2]
        var a = Optimizer(settings: settings(.adam, lr: 0.1, weightDecay: 0.5), parameterCount: 1)
        var w = Optimizer(settings: settings(.adamw, lr: 0.1, weightDecay: 0.5), parameterCount: 1)
        a.update(parameters: &adam, gradients: [3])
        w.update(parameters: &adamw, gradients: [3])
        XCTAssertEqual(adam[0], 1.9, accuracy: 1e-6)
        XCTAssertEqual(adamw[0], 1.8, accuracy: 1e-6)
        XCTAssertEqual(a.state.first[0], 0.4, accuracy: 1e-7, "adam's moments see g + λθ")
        XCTAssertEqual(w.state.first[0], 0.3, accuracy: 1e-7, "adamw's moments see g alone")

        // Second step, g = 1: adam g' = 1 + 0.5·1.9 = 1.95, m = 0.9·0.4 + 0.1·1.95 = 0.555,
        // v = 0.999·0.016 + 0.001·1.95² (v₁ = 0.001·4² = 0.016), m̂ = m/0.19, v̂ = v/0.001999.
        // (The kernel rounds β to Float32 before forming 1 − β; the expected values do the same.)
        let b1 = Double(Float(0.9)), b2 = Double(Float(0.999))
        a.update(parameters: &adam, gradients: [1])
        let m1 = (1 - b1) * 4, v1 = (1 - b2) * 16
        let m = b1 * m1 + (1 - b1) * 1.95, v = b2 * v1 + (1 - b2) * 1.95 * 1.95
        XCTAssertEqual(Double(adam[0]), 1.9 - 0.1 * (m / 0.19) / ((v / 0.001999).squareRoot() + 1e-8), accuracy: 1e-6)
        // adamw: θ = 1.8·(1 − 0.05) = 1.71, m = 0.9·0.3 + 0.1 = 0.37, v = 0.999·0.009 + 0.001.
        w.update(parameters: &adamw, gradients: [1])
        let mw = b1 * (1 - b1) * 3 + (1 - b1), vw = b2 * (1 - b2) * 9 + (1 - b2)
        XCTAssertEqual(Double(adamw[0]), 1.71 - 0.1 * (mw / 0.19) / ((vw / 0.001999).squareRoot() + 1e-8), accuracy: 1e-6)
    }

    func testZeroWeightDecayLeavesEveryStepBitwiseUnchanged() {
        // sgd with λ = 0 is exactly θ − η·g in Float32; adamw with λ = 0 is adam to the bit.
        var p: [Float] = [0.3, -1.7, 2.5], expected = p
        let g: [Float] = [0.11, -0.7, 1.3]
        var sgd = Optimizer(settings: settings(.sgd, lr: 0.03), parameterCount: 3)
        sgd.update(parameters: &p, gradients: g)
        for i in 0..<3 { expected[i] -= Float(0.03) * g[i] }
        XCTAssertEqual(p.map(\.bitPattern), expected.map(\.bitPattern))

        var pa: [Float] = [0.3, -1.7, 2.5], pw = pa
        var a = Optimizer(settings: settings(.adam, lr: 0.01), parameterCount: 3)
        var w = Optimizer(settings: settings(.adamw, lr: 0.01), parameterCount: 3)
        for step in 0..<4 {
            let gs = g.map { $0 * Float(step + 1) }
            a.update(parameters: &pa, gradients: gs)
            w.update(parameters: &pw, gradients: gs)
        }
        XCTAssertEqual(pa.map(\.bitPattern), pw.map(\.bitPattern))

        // adam and momentum at λ = 0 are the updates as written before weight decay existed.
        var reference: [Float] = [0.3, -1.7, 2.5], m = [Float](repeating: 0, count: 3), v = m
        var referenceMomentum = reference, velocity = m, pm = reference
        var momentum = Optimizer(settings: OptimizerSettings(kind: .momentum, learningRate: 0.01, momentum: 0.9), parameterCount: 3)
        let b1 = Float(0.9), b2 = Float(0.999), eps = Float(1e-8), lr = Float(0.01)
        for step in 1...4 {
            let gs = g.map { $0 * Float(step) }
            let c1 = Float(1 - pow(0.9, Double(step))), c2 = Float(1 - pow(0.999, Double(step)))
            for i in 0..<3 {
                m[i] = b1 * m[i] + (1 - b1) * gs[i]
                v[i] = b2 * v[i] + (1 - b2) * gs[i] * gs[i]
                reference[i] -= lr / c1 * m[i] / (v[i].squareRoot() / c2.squareRoot() + eps)
                velocity[i] = Float(0.9) * velocity[i] + gs[i]
                referenceMomentum[i] -= lr * velocity[i]
            }
            momentum.update(parameters: &pm, gradients: gs)
        }
        XCTAssertEqual(pa.map(\.bitPattern), reference.map(\.bitPattern))
        XCTAssertEqual(pm.map(\.bitPattern), referenceMomentum.map(\.bitPattern))
    }

    func testRMSPropTwoSteps() {
        // α = 0.99, ε = 1e-8, η = 0.01, θ = 1.
        // Step 1, g = 2: s = 0.01·4 = 0.04, d = 2/(0.2 + ε) ≈ 10, θ = 1 − 0.1 = 0.9.
        // Step 2, g = 1: s = 0.99·0.04 + 0.01 = 0.0496, d = 1/√0.0496, θ = 0.9 − 0.01·d.
        var p: [Float] = [1]
        var opt = Optimizer(settings: settings(.rmsprop, lr: 0.01), parameterCount: 1)
        XCTAssertEqual(opt.state.second.count, 0, "no momentum buffer without momentum")
        opt.update(parameters: &p, gradients: [2])
        XCTAssertEqual(opt.state.first[0], 0.04, accuracy: 1e-8)
        XCTAssertEqual(p[0], 0.9, accuracy: 1e-6)
        opt.update(parameters: &p, gradients: [1])
        XCTAssertEqual(opt.state.first[0], 0.0496, accuracy: 1e-8)
        XCTAssertEqual(Double(p[0]), 0.9 - 0.01 / (0.0496.squareRoot() + 1e-8), accuracy: 1e-6)
    }

    func testRMSPropMomentumAndWeightDecay() {
        // Momentum 0.9: b₁ = d₁ ≈ 10, θ = 0.9; b₂ = 0.9·10 + 1/√0.0496, θ = 0.9 − 0.01·b₂.
        var p: [Float] = [1]
        var opt = Optimizer(settings: settings(.rmsprop, lr: 0.01, rmspropMomentum: 0.9), parameterCount: 1)
        opt.update(parameters: &p, gradients: [2])
        XCTAssertEqual(opt.state.second[0], 10, accuracy: 1e-5)
        opt.update(parameters: &p, gradients: [1])
        let b2 = 9 + 1 / 0.0496.squareRoot()
        XCTAssertEqual(Double(opt.state.second[0]), b2, accuracy: 1e-5)
        XCTAssertEqual(Double(p[0]), 0.9 - 0.01 * b2, accuracy: 1e-6)

        // λ = 0.5 with g = 0 at θ = 1: g' = 0.5, s = 0.01·0.25, d = 0.5/0.05 = 10, θ = 0.9.
        var q: [Float] = [1]
        var decayed = Optimizer(settings: settings(.rmsprop, lr: 0.01, weightDecay: 0.5), parameterCount: 1)
        decayed.update(parameters: &q, gradients: [0])
        XCTAssertEqual(decayed.state.first[0], 0.0025, accuracy: 1e-9)
        XCTAssertEqual(q[0], 0.9, accuracy: 1e-6)
    }

    func testUpdateTakesTheScheduledLearningRate() {
        var p: [Float] = [1]
        var opt = Optimizer(settings: settings(.sgd, lr: 0.1), parameterCount: 1)
        opt.update(parameters: &p, gradients: [1], learningRate: 0.25)
        XCTAssertEqual(p[0], 0.75)
    }
}
