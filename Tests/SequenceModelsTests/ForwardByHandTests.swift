// Forward values worked out by hand (two units, one input, two steps) for each
// cell, through both the Float64 reference and the Float32 fast path. The head
// is the identity (linear, W_ya = I, b_y = 0), so the outputs are a⟨t⟩.
import XCTest
@testable import SequenceModels

final class ForwardByHandTests: XCTestCase {
    /// Builds a 2-unit model from the gate blocks' weights, in block order.
    func model(_ cell: CellKind, wIH: [Float], wHH: [Float], bias: [Float]) -> Model {
        let config = ModelConfig(cell: cell, inputSize: 1, hiddenSize: 2, outputSize: 2, head: .linear)
        return Model(config: config, parameters: wIH + wHH + bias + [1, 0, 0, 1] + [0, 0])
    }

    func outputs(_ m: Model) -> (fast: [Float], reference: [Double]) {
        // x⟨1⟩ = 1, x⟨2⟩ = 2, one sequence.
        var state = m.initialState(batchSize: 1)
        let fast = m.predict(inputs: [1, 2], steps: 2, state: &state)
        // Reference: a⟨t⟩ recovered from the forward steps.
        let p = m.parameters.map(Double.init), L = m.layout.layers[0]
        var a = [0.0, 0.0], c = [0.0, 0.0], ref: [Double] = []
        for x in [1.0, 2.0] {
            let s = ReferenceModel.forwardStep(m.config, L, p, x: [x], aPrev: a, cPrev: c)
            a = s.a; c = s.c
            ref += a
        }
        return (fast, ref)
    }

    func check(_ m: Model, expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        let (fast, ref) = outputs(m)
        for i in 0..<4 {
            XCTAssertEqual(ref[i], expected[i], accuracy: 1e-7, "reference a[\(i)] (parameters are Float32: 0.1 is 0.1 ± 1.5e-9)", file: file, line: line)
            XCTAssertEqual(Double(fast[i]), expected[i], accuracy: 1e-6, "fast a[\(i)]", file: file, line: line)
        }
    }

    func testRNN() {
        // a1 = tanh([0.5·1, −1·1 + 0.1]) = [tanh 0.5, tanh −0.9] = [0.462117, −0.716298]
        // a2 = tanh([0.5·2 + 0.1·a1₀ + 0.2·a1₁, −1·2 + 0.3·a1₀ + 0.4·a1₁ + 0.1])
        //    = tanh([0.902952, −2.047884]) = [0.717732, −0.967259]
        let m = model(.rnn, wIH: [0.5, -1], wHH: [0.1, 0.2, 0.3, 0.4], bias: [0, 0.1])
        check(m, expected: [0.46211715726000974, -0.7162978701990245, 0.7177322818463391, -0.9672589882335215])
    }

    func testGRU() {
        // Step 1 from c0 = 0: Γr·c0 = 0, c̃ = tanh([0.5, −0.5+0.2]) = [0.462117, −0.291313],
        // Γu = σ([0.3+0.1, 0.4−0.1]) = [0.598688, 0.574443], c1 = Γu·c̃ = [0.276664, −0.167342].
        // Step 2 (x = 2) applies eqs. 2-5 to c1 with Γr = σ([0.4 + 0.1 c1₀, −0.2 + 0.1 c1₁]).
        let m = model(.gru,
                      wIH: [0.2, -0.1, 0.3, 0.4, 0.5, -0.5],                       // blocks r, u, c
                      wHH: [0.1, 0, 0, 0.1,  0.2, 0.1, 0.1, 0.2,  0.3, -0.2, 0.2, 0.3],
                      bias: [0, 0, 0.1, -0.1, 0, 0.2])
        check(m, expected: [0.27666383957781326, -0.16734235027567132, 0.6224319095413614, -0.4944181345584191])
    }

    func testLSTM() {
        // Step 1 from a0 = c0 = 0: Γu = σ([0.1, 0.2]), c̃ = tanh([0.5, −0.4]), Γf irrelevant (c0 = 0),
        // c1 = Γu·c̃ = [0.242602, −0.208909], Γo = σ([0.2, 0.7]), a1 = Γo·tanh(c1) = [0.130834, −0.137594].
        let block: [Float] = [0.1, 0.2, -0.1, 0.1]
        let m = model(.lstm,
                      wIH: [0.1, 0.2, 0.3, -0.3, 0.5, -0.4, 0.2, 0.6],             // blocks u, f, c, o
                      wHH: block + block + block + block,
                      bias: [0, 0, 1, 1, 0, 0, 0, 0.1])
        check(m, expected: [0.13083400726566288, -0.1375944690025167, 0.32555980953680824, -0.3766505766778994])
    }
}
