// PyTorch's GRU (gru_reset_after) forward values worked out by hand: two units, one input,
// two steps, identity head, through both the Float64 reference and the Float32 fast path.
import XCTest
@testable import SequenceModels

final class ResetAfterGRUByHandTests: XCTestCase {
    func testForwardValues() {
        // Blocks r, z, n. W_ih = [0.2, −0.1 | 0.3, 0.4 | 0.5, −0.5]ᵀ, b_ih = [0, 0 | 0.1, −0.1 | 0, 0.2],
        // W_hh rows [0.1 0; 0 0.1 | 0.2 0.1; 0.1 0.2 | 0.3 −0.2; 0.2 0.3], b_hh = [0.1, −0.2 | 0, 0.1 | 0.3, −0.1].
        // Step 1 (x = 1, h0 = 0): r = σ([0.2 + 0.1, −0.1 − 0.2]) = [0.574443, 0.425557],
        //   z = σ([0.3 + 0.1, 0.4 − 0.1 + 0.1]) = [0.598688, 0.598688],
        //   n = tanh([0.5 + r₀·0.3, −0.5 + 0.2 + r₁·(−0.1)]) = [0.586512, −0.329757],
        //   h1 = (1 − z)·n = [0.235375, −0.132336].
        // Step 2 (x = 2): the same with W_hh h1 added, e.g. gh_n = [0.3 + 0.3·h1₀ − 0.2·h1₁, −0.1 + 0.2·h1₀ + 0.3·h1₁],
        //   r = [0.627975, 0.398137], z = [0.675648, 0.689347], n = [0.848103, −0.684152],
        //   h2 = (1 − z)·n + z·h1 = [0.434114, −0.303759] (PyTorch's nn.GRU in double agrees to 3e-9,
        //   the rounding of its Float32 inputs).
        let config = ModelConfig(cell: .gruResetAfter, inputSize: 1, hiddenSize: 2, outputSize: 2, head: .linear)
        let wIH: [Float] = [0.2, -0.1, 0.3, 0.4, 0.5, -0.5]
        let wHH: [Float] = [0.1, 0, 0, 0.1, 0.2, 0.1, 0.1, 0.2, 0.3, -0.2, 0.2, 0.3]
        let bIH: [Float] = [0, 0, 0.1, -0.1, 0, 0.2], bHH: [Float] = [0.1, -0.2, 0, 0.1, 0.3, -0.1]
        let m = Model(config: config, parameters: wIH + wHH + bIH + bHH + [1, 0, 0, 1] + [0, 0])
        let expected = [0.23537461218263275, -0.13233561265226834, 0.43411446462519154, -0.3037587083258852]
        var state = m.initialState(batchSize: 1)
        let fast = m.predict(inputs: [1, 2], steps: 2, state: &state)
        let p = m.parameters.map(Double.init)
        var a = [0.0, 0.0], ref: [Double] = []
        for x in [1.0, 2.0] {
            let s = ReferenceModel.forwardStep(config, m.layout.layers[0], p, x: [x], aPrev: a, cPrev: a)
            a = s.a
            ref += a
        }
        for i in 0..<4 {
            XCTAssertEqual(ref[i], expected[i], accuracy: 1e-7, "reference h[\(i)] (parameters are Float32)")
            XCTAssertEqual(Double(fast[i]), expected[i], accuracy: 1e-6, "fast h[\(i)]")
        }
        XCTAssertEqual(state.hidden.map(Double.init), Array(expected[2...]).map { Double(Float($0)) }, accuracy: 1e-6)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
