// Tests of the copy memory problem: layout of every sequence, baseline from data, metric.
import XCTest
import Foundation
import SequenceModels
@testable import Tasks

final class CopyMemoryTaskTests: XCTestCase {
    func testDeterministicForDataSeedAndDifferentAcrossSeeds() {
        let a = CopyMemoryTask(length: 5, trainSize: 30, valSize: 10, dataSeed: 1)
        XCTAssertEqual(a.trainSymbols, CopyMemoryTask(length: 5, trainSize: 30, valSize: 10, dataSeed: 1).trainSymbols)
        XCTAssertEqual(a.validationSymbols, CopyMemoryTask(length: 5, trainSize: 30, valSize: 10, dataSeed: 1).validationSymbols)
        XCTAssertNotEqual(a.trainSymbols, CopyMemoryTask(length: 5, trainSize: 30, valSize: 10, dataSeed: 2).trainSymbols)
    }

    func testEverySequenceHasTheCopyLayout() {
        for length in [1, 3, 12] {
            let task = CopyMemoryTask(length: length, trainSize: 40, valSize: 5, dataSeed: 7)
            let batch = task.makeTrainBatch(examples: Array(0..<40))
            let steps = length + 20
            XCTAssertEqual(batch.steps, steps)
            XCTAssertEqual(batch.inputSize, 10)
            guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
            XCTAssertEqual(batch.targetCount, steps * 40, "every step carries a target")
            for b in 0..<40 {
                var inputSymbols: [Int] = []
                for t in 0..<steps {
                    let row = Array(batch.inputs[((t * 40 + b) * 10)..<((t * 40 + b) * 10 + 10)])
                    XCTAssertEqual(row.reduce(0, +), 1, "one-hot input")
                    inputSymbols.append(row.firstIndex(of: 1)!)
                }
                let symbols = Array(inputSymbols[0..<10])
                XCTAssertTrue(symbols.allSatisfy { (1...8).contains($0) }, "10 symbols from 8")
                XCTAssertEqual(Array(inputSymbols[10..<(length + 9)]), Array(repeating: 0, count: length - 1), "T-1 blanks")
                XCTAssertEqual(inputSymbols[length + 9], 9, "delimiter")
                XCTAssertEqual(Array(inputSymbols[(length + 10)...]), Array(repeating: 0, count: 10), "10 blanks")
                let targetSymbols = (0..<steps).map { Int(targets[$0 * 40 + b]) }
                XCTAssertEqual(Array(targetSymbols[0..<(length + 10)]), Array(repeating: 0, count: length + 10))
                XCTAssertEqual(Array(targetSymbols[(length + 10)...]), symbols, "the symbols are copied at the end")
            }
        }
    }

    /// The baseline formula against the cross-entropy, computed from the data, of
    /// the predictor that is certain of the blanks and uniform over the 8 symbols
    /// on the copied steps.
    func testBaselineEqualsCrossEntropyOfUniformSymbolPredictor() {
        let length = 15
        let task = CopyMemoryTask(length: length, trainSize: 1, valSize: 37, dataSeed: 3)
        var total = 0.0, positions = 0
        var metric = task.makeMetric()
        for batch in task.validationBatches(batchSize: 16) {
            guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
            var outputs = [Float](repeating: 0, count: targets.count * 9)
            for t in 0..<batch.steps {
                for b in 0..<batch.batchSize {
                    let position = t * batch.batchSize + b
                    if t < length + 10 { outputs[position * 9] = 1 } else { for k in 1...8 { outputs[position * 9 + k] = 0.125 } }
                    total -= log(Double(outputs[position * 9 + Int(targets[position])]))
                    positions += 1
                }
            }
            metric.add(batch: batch, outputs: outputs)
        }
        XCTAssertEqual(total / Double(positions), task.baseline.loss!, accuracy: 1e-9)
        XCTAssertEqual(task.baseline.loss!, 10 * log(8) / Double(length + 20), accuracy: 1e-12)
        // All-tie rows: argmax picks symbol 1, right 1/8 of the time on average.
        XCTAssertEqual(metric.value, Double(task.validationSymbols.joined().filter { $0 == 1 }.count) / 370, accuracy: 1e-12)
    }

    func testAccuracyCountsOnlyTheCopiedSymbols() {
        let task = CopyMemoryTask(length: 4, trainSize: 1, valSize: 3, dataSeed: 8)
        let batch = task.makeValidationBatch(examples: [0, 1, 2])
        guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
        var outputs = [Float](repeating: 0, count: targets.count * 9)
        for position in 0..<targets.count { outputs[position * 9 + Int(targets[position])] = 1 }
        var perfect = task.makeMetric()
        perfect.add(batch: batch, outputs: outputs)
        XCTAssertEqual(perfect.value, 1)
        // Wrong on every copied step of sequence 0 (and right on its blanks): 20 of 30 right.
        for t in 14..<24 {
            let position = t * 3
            outputs[position * 9 + Int(targets[position])] = 0
            outputs[position * 9 + (Int(targets[position]) % 8) + 1] = 1
        }
        var partial = task.makeMetric()
        partial.add(batch: batch, outputs: outputs)
        XCTAssertEqual(partial.value, 20.0 / 30.0, accuracy: 1e-12)
    }
}
