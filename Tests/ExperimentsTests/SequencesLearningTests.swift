// A learnable toy per head of the `sequences` task, trained by the real trainer
// from a .npz written like np.savez: each run beats its trivial baseline by far.
import XCTest
import Foundation
import JSON
@testable import Experiments
import NumPyFiles
import SequenceModels
import Tasks

final class SequencesLearningTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Trains `epochs` epochs on the arrays and returns (validation metric, baseline metric).
    func train(_ arrays: [String: NumPyArray], head: String, epochs: Int, hidden: Int = 16, lr: Double = 0.02,
               extra: [String: JSONValue] = [:]) throws -> (Double, Double, Double?) {
        try NPYWriter.writeArchive(arrays, to: folder.appendingPathComponent("toy.npz"), compressed: true)
        let parameters = extra.merging(["path": .string("toy.npz"), "head": .string(head)]) { a, _ in a }
        let task = try TaskFactory.make(name: "sequences", parameters: parameters, specDirectory: folder)
        let config = RunConfig(cell: .gru, hidden: hidden, lr: lr, seed: 1, batch: 16, epochs: epochs, optimizer: .adam,
                               clipNorm: 5, task: TaskSpec(name: "sequences"))
        let trainer = Trainer(config: config, task: task)
        var last: EpochResult?
        for _ in 0..<epochs { if case .completed(let r) = trainer.trainEpoch() { last = r } }
        let result = try XCTUnwrap(last)
        return (result.valMetric, task.baseline.metric!, result.testMetric)
    }

    /// Lengths 3...8 at random, padded to T = 8.
    func lengths(_ rng: inout Xoshiro256, _ n: Int) -> [Int64] { (0..<n).map { _ in Int64(3 + rng.nextInt(below: 6)) } }

    func testSoftmaxEchoOfTokens() throws {
        // y_t = x_{t−1} over 4 token ids (no target at t = 0); accuracy from chance 0.25.
        var rng = Xoshiro256(seed: 1)
        var arrays: [String: NumPyArray] = [:]
        for (split, n) in [("train", 128), ("val", 32), ("test", 32)] {
            let x = (0..<(n * 8)).map { _ in Int64(rng.nextInt(below: 4)) }
            let y = (0..<(n * 8)).map { (i: Int) -> Int64 in i % 8 == 0 ? -1 : x[i - 1] }
            arrays["x_\(split)"] = .integers(x, shape: [n, 8], dtype: .int32)
            arrays["y_\(split)"] = .integers(y, shape: [n, 8])
            arrays["len_\(split)"] = .integers(lengths(&rng, n), shape: [n])
        }
        let (accuracy, baseline, test) = try train(arrays, head: "softmax", epochs: 20)
        XCTAssertLessThan(baseline, 0.4)
        XCTAssertGreaterThan(accuracy, 0.95, "accuracy \(accuracy)")
        XCTAssertGreaterThan(try XCTUnwrap(test), 0.9)
    }

    func testBernoulliEchoOfBinaryFrames() throws {
        // 3 units, y_t = x_{t−1} (the first frame's target all 0); NLL per step from ≈ 3 ln 2.
        var rng = Xoshiro256(seed: 2)
        var arrays: [String: NumPyArray] = [:]
        for (split, n) in [("train", 128), ("val", 32)] {
            let x = (0..<(n * 8 * 3)).map { _ in Float(rng.nextInt(below: 2)) }
            let y = (0..<(n * 8 * 3)).map { (i: Int) -> Float in (i / 3) % 8 == 0 ? 0 : x[i - 3] }
            arrays["x_\(split)"] = .float32(x, shape: [n, 8, 3])
            arrays["y_\(split)"] = .integers(y.map { Int64($0) }, shape: [n, 8, 3], dtype: .bool)
            arrays["len_\(split)"] = .integers(lengths(&rng, n), shape: [n])
        }
        let (nll, baseline, test) = try train(arrays, head: "bernoulli", epochs: 20)
        XCTAssertGreaterThan(baseline, 1.5)
        XCTAssertLessThan(nll, 0.2 * baseline, "nll per step \(nll) vs baseline \(baseline)")
        XCTAssertNil(test, "no _test arrays, no test split")
    }

    func testMseMeanOfEachSequence() throws {
        // One value per sequence: the mean of its valid inputs, predicted at its last valid step.
        var rng = Xoshiro256(seed: 3)
        var arrays: [String: NumPyArray] = [:]
        for (split, n) in [("train", 256), ("val", 32)] {
            let len = lengths(&rng, n)
            let x = (0..<(n * 8)).map { _ in Float(rng.uniform(-1, 1)) }
            let y = (0..<n).map { (s: Int) -> Float in
                let valid = (0..<Int(len[s])).map { (t: Int) -> Float in x[s * 8 + t] }
                return valid.reduce(0, +) / Float(len[s])
            }
            arrays["x_\(split)"] = .float32(x, shape: [n, 8, 1])
            arrays["y_\(split)"] = .float32(y, shape: [n, 1])
            arrays["len_\(split)"] = .integers(len, shape: [n])
        }
        let (mse, baseline, _) = try train(arrays, head: "mse", epochs: 25)
        XCTAssertLessThan(mse, 0.25 * baseline, "mse \(mse) vs baseline \(baseline)")
    }

    func testStatefulWindowsCarryWhatTheTargetNeedsAcrossTheirEdge() throws {
        // y_t = x_{t−1} in windows of 2 steps: the target at a window's first step is the token
        // at the previous window's last step, which only the carried state holds. (The gradient
        // is cut at the edge; the model learns to keep the last token within windows.) Windows
        // that started from zeros would get at most 1/3 of those 3 in 7 targets right: ≈ 0.71.
        var rng = Xoshiro256(seed: 4)
        var arrays: [String: NumPyArray] = [:]
        for (split, n) in [("train", 128), ("val", 32)] {
            let x = (0..<(n * 8)).map { _ in Int64(rng.nextInt(below: 3)) }
            let y = (0..<(n * 8)).map { (i: Int) -> Int64 in i % 8 < 1 ? -1 : x[i - 1] }
            arrays["x_\(split)"] = .integers(x, shape: [n, 8])
            arrays["y_\(split)"] = .integers(y, shape: [n, 8])
        }
        let (accuracy, baseline, _) = try train(arrays, head: "softmax", epochs: 25,
                                                extra: ["stateful": .bool(true), "bptt": .number(2)])
        XCTAssertLessThan(baseline, 0.45)
        XCTAssertGreaterThan(accuracy, 0.95, "accuracy \(accuracy) with the state carried across windows of 2")
    }
}
