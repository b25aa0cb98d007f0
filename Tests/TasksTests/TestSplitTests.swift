// Every task's test split: generated tasks draw `test_size` sequences (default
// val_size) from their own stream of data_seed; charlm tests on the text's last part.
import Foundation
import JSON
import XCTest
import SequenceModels
@testable import Tasks

final class TestSplitTests: XCTestCase {
    let here = URL(fileURLWithPath: "/nonexistent-spec-folder")

    func testGeneratedTasksDrawTheirTestSplitFromItsOwnStream() throws {
        let adding = AddingTask(length: 10, trainSize: 20, valSize: 5, dataSeed: 7)
        XCTAssertEqual(adding.testExampleCount, 5, "default: val_size")
        XCTAssertNotEqual(adding.testExamples, adding.validationExamples)
        XCTAssertNotEqual(adding.testExamples, Array(adding.trainExamples.prefix(5)))
        let larger = AddingTask(length: 10, trainSize: 20, valSize: 5, testSize: 9, dataSeed: 7)
        XCTAssertEqual(Array(larger.testExamples.prefix(5)), adding.testExamples, "one stream, whatever its size")
        XCTAssertEqual(larger.trainExamples, adding.trainExamples, "train and validation data do not depend on test_size")
        XCTAssertEqual(larger.validationExamples, adding.validationExamples)
        XCTAssertEqual(adding.testBatches(batchSize: 2).map { (b: Batch) in b.batchSize }, [2, 2, 1])

        let copy = CopyMemoryTask(length: 3, trainSize: 10, valSize: 4, testSize: 6, dataSeed: 1)
        XCTAssertEqual(copy.testExampleCount, 6)
        XCTAssertNotEqual(Array(copy.testSymbols.prefix(4)), copy.validationSymbols)
        let reber = EmbeddedReberTask(trainSize: 10, valSize: 4, maxLength: 20, dataSeed: 2)
        XCTAssertEqual(reber.testExampleCount, 4)
        XCTAssertNotEqual(reber.testStrings, reber.validationStrings)
        XCTAssertEqual(reber.makeTestBatch(examples: [0, 1]).batchSize, 2)
        // The baselines scored on the test split: analytic ones as on validation, reber's unigram on the test strings.
        XCTAssertEqual(adding.baseline.testMetric, 1.0 / 6.0)
        XCTAssertEqual(copy.baseline.testLoss, copy.baseline.loss)
        XCTAssertEqual(reber.baseline.testLoss!, unigramCrossEntropy(train: reber.trainStrings.map { $0.dropFirst() },
                                                                    validation: reber.testStrings.map { $0.dropFirst() }, classes: 7), accuracy: 1e-15)
        XCTAssertNotEqual(reber.baseline.testLoss, reber.baseline.loss)
        XCTAssertNil(AddingTask(length: 5, trainSize: 4, valSize: 2, testSize: 0, dataSeed: 1).baseline.testLoss)

        let none = try TaskFactory.make(name: "adding", parameters: ["length": .number(5), "test_size": .number(0)], specDirectory: here)
        XCTAssertEqual(none.testExampleCount, 0)
        XCTAssertEqual(none.testBatches(batchSize: 4).count, 0)
        let five = try TaskFactory.make(name: "reber", parameters: ["train_size": .number(10), "test_size": .number(5)], specDirectory: here)
        XCTAssertEqual(five.testExampleCount, 5)
        XCTAssertEqual(TaskFactory.validate(name: "copy", parameters: ["length": .number(3), "test_size": .number(-1)], specDirectory: here).map(\.description),
                       ["task.test_size: expected an integer ≥ 0, got -1"])
    }

    func testCharlmTestsOnTheTextsLastPart() throws {
        let text = String(repeating: "abcdefghij", count: 10)   // 100 characters
        let task = try CharLMTask(text: text, valFraction: 0.2, seqLen: 6, testFraction: 0.1)
        XCTAssertEqual([task.trainCharacterCount, task.validationCharacterCount, task.testCharacterCount], [70, 20, 10])
        // Every test character is predicted exactly once, from the character before it.
        var predicted: [Int] = []
        for w in 0..<task.testExampleCount { predicted += Array(task.testTargetRange(window: w)) }
        XCTAssertEqual(predicted, Array(90..<100))
        var validation: [Int] = []
        for w in 0..<task.validationExampleCount { validation += Array(task.validationTargetRange(window: w)) }
        XCTAssertEqual(validation, Array(70..<90), "validation stops where test begins")
        XCTAssertNotNil(task.baseline.testMetric)
        let stateless = try CharLMTask(text: text, valFraction: 0.2, seqLen: 6)
        XCTAssertEqual(stateless.testExampleCount, 0, "no test split by default")
        XCTAssertNil(stateless.baseline.testLoss)
        XCTAssertEqual(TaskFactory.validate(name: "charlm", parameters: ["path": .string("/dev/null"), "val_fraction": .number(0.5),
                                                                        "test_fraction": .number(0.5)], specDirectory: here).first?.description,
                       "task.test_fraction: val_fraction 0.5 + test_fraction 0.5 leave no text to train on; expected a sum below 1")
        // 0 is the default written out: no test split; below 0 or from 1 up is refused.
        XCTAssertEqual(TaskFactory.validate(name: "charlm", parameters: ["path": .string("/dev/null"), "test_fraction": .number(0)],
                                            specDirectory: here).map(\.description).filter { $0.contains("test_fraction") }, [])
        for bad in [-0.1, 1, 1.5] {
            XCTAssertEqual(TaskFactory.validate(name: "charlm", parameters: ["path": .string("/dev/null"), "test_fraction": .number(bad)],
                                                specDirectory: here).first?.description,
                           "task.test_fraction: expected a number ≥ 0 and below 1, got \(bad == 1 ? "1" : String(bad))")
        }
    }
}
