// Stateful truncated BPTT layouts: charlm's B contiguous streams (char-rnn's
// loader), and the sequences task's windows of K steps.
import Foundation
import JSON
import XCTest
import NumPyFiles
import SequenceModels
@testable import Tasks

final class StatefulBatchingTests: XCTestCase {
    /// The (target position, input position) pairs of a charlm batch's row b, from its one-hot inputs.
    func targets(_ task: CharLMTask, _ batch: Batch, row b: Int) -> [Int32] {
        guard case .classes(let y) = batch.targets else { return [] }
        return (0..<batch.steps).map { y[$0 * batch.batchSize + b] }.filter { $0 >= 0 }
    }

    func testCharlmStreamsAreContiguousAcrossBatches() throws {
        var text = ""
        for i in 0..<400 {
            let code = UInt8(97 + (i * 7 + i / 13) % 26)
            text.append(Character(UnicodeScalar(code)))
        }
        let task = try CharLMTask(text: text, valFraction: 0.1, seqLen: 5, testFraction: 0.05, stateful: true)
        let batches = task.trainBatches(batchSize: 4, epoch: 1, shuffleSeed: 1)
        // 339 targets → 4 streams of 84 characters → 17 windows (the last of 4 steps).
        XCTAssertEqual(task.trainCharacterCount, 340)
        XCTAssertEqual(batches.count, 17)
        XCTAssertEqual(batches.continuesState, [false] + [Bool](repeating: true, count: 16))
        for b in 0..<4 {
            let stream = batches.flatMap { targets(task, $0, row: b) }
            XCTAssertEqual(stream, Array(task.encoded[(1 + b * 84) ..< (1 + (b + 1) * 84)]), "stream \(b) reads its text in order")
        }
        XCTAssertEqual(batches.map { (b: Batch) in b.steps }, [Int](repeating: 5, count: 16) + [4])
        // The same layout every epoch (the state carries; a shuffle would break the streams).
        XCTAssertEqual(task.trainBatches(batchSize: 4, epoch: 2, shuffleSeed: 9).map { (b: Batch) in b.inputs }, batches.map { (b: Batch) in b.inputs })
    }

    func testCharlmValidationAndTestPredictEveryCharacterOnce() throws {
        let text = String(repeating: "the cat sat on the mat. ", count: 20)   // 480 characters
        for batchSize in [1, 3, 7, 64] {
            let task = try CharLMTask(text: text, valFraction: 0.1, seqLen: 4, testFraction: 0.1, stateful: true)
            for (batches, start, count) in [(task.validationBatches(batchSize: batchSize), task.trainCharacterCount, task.validationCharacterCount),
                                            (task.testBatches(batchSize: batchSize), task.trainCharacterCount + task.validationCharacterCount, task.testCharacterCount)] {
                let streams = batches.first!.batchSize
                var seen: [Int32] = []
                for b in 0..<streams { seen += batches.flatMap { targets(task, $0, row: b) } }
                XCTAssertEqual(seen, Array(task.encoded[start ..< start + count]), "batch \(batchSize): every character once, in order")
                XCTAssertEqual(batches.reduce(0) { $0 + $1.targetCount }, count)
                XCTAssertEqual(batches.continuesState.first, false)
                XCTAssertEqual(Set(batches.continuesState.dropFirst()), batches.count > 1 ? [true] : [])
            }
        }
    }

    func testSequencesWindowsCutEachGroupIntoBPTTWindows() throws {
        // 5 sequences of T = 7 steps, lengths 7, 3, 5, 7, 1; per-step classes; windows of 3.
        let lengths: [Int64] = [7, 3, 5, 7, 1]
        let arrays: [String: NumPyArray] = [
            "x_train": .float32((0..<35).map { Float($0) }, shape: [5, 7, 1]),
            "y_train": .integers((0..<35).map { Int64($0 % 2) }, shape: [5, 7]),
            "len_train": .integers(lengths, shape: [5]),
            "x_val": .float32((0..<35).map { Float($0) }, shape: [5, 7, 1]),
            "y_val": .integers((0..<35).map { Int64($0 % 2) }, shape: [5, 7]),
            "len_val": .integers(lengths, shape: [5]),
        ]
        let folder = try writeDataSet(self, arrays)
        let task = try XCTUnwrap(try TaskFactory.make(name: "sequences", parameters: [
            "path": .string("data.npz"), "head": .string("softmax"), "stateful": .bool(true), "bptt": .number(3),
        ], specDirectory: folder) as? SequencesTask)
        XCTAssertEqual(task.bpttWindow, 3)
        let validation = task.validationBatches(batchSize: 2)
        // Groups [0, 1] (longest 7: 3 windows), [2, 3] (7: 3 windows), [4] (1: 1 window).
        XCTAssertEqual(validation.map { (b: Batch) in b.steps }, [3, 3, 1, 3, 3, 1, 1])
        XCTAssertEqual(validation.continuesState, [false, true, true, false, true, true, false])
        // The windows of a group put back together are the sequences, masked past their lengths.
        let inputs = (0..<3).flatMap { validation[$0].inputs.chunked(2) }
        XCTAssertEqual(inputs.map { $0[0] }, (0..<7).map(Float.init))
        XCTAssertEqual(inputs.map { $0[1] }, [7, 8, 9, 0, 0, 0, 0])
        XCTAssertEqual(validation.reduce(0) { $0 + $1.targetCount }, Int(lengths.reduce(0, +)))
        let train = task.trainBatches(batchSize: 2, epoch: 1, shuffleSeed: 3)
        XCTAssertEqual(train.continuesState.filter { !$0 }.count, 2, "two full groups of 2; the fifth sequence waits for another epoch")
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0 ..< Swift.min($0 + size, count)]) }
    }
}
