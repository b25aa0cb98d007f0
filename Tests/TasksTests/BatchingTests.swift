// Tests of epoch batching: deterministic in (data, epoch, shuffle seed), every
// example once per epoch, the documented handling of short batches.
import XCTest
import SequenceModels
@testable import Tasks

final class BatchingTests: XCTestCase {
    let task = CopyMemoryTask(length: 2, trainSize: 23, valSize: 10, dataSeed: 1)

    func testTrainBatchesAreDeterministicInEpochAndShuffleSeed() {
        let first = task.trainBatches(batchSize: 5, epoch: 3, shuffleSeed: 42)
        let again = task.trainBatches(batchSize: 5, epoch: 3, shuffleSeed: 42)
        XCTAssertEqual(first.batchExamples, again.batchExamples)
        XCTAssertEqual(Array(first), Array(again))
        XCTAssertNotEqual(first.batchExamples, task.trainBatches(batchSize: 5, epoch: 4, shuffleSeed: 42).batchExamples)
        XCTAssertNotEqual(first.batchExamples, task.trainBatches(batchSize: 5, epoch: 3, shuffleSeed: 43).batchExamples)
    }

    func testEpochVisitsEachExampleAtMostOnceAndDropsTheShortLastBatch() {
        let batches = task.trainBatches(batchSize: 5, epoch: 1, shuffleSeed: 7)
        XCTAssertEqual(batches.count, 4, "23 examples: 4 full batches, the short last one dropped")
        let visited = batches.batchExamples.joined()
        XCTAssertEqual(Set(visited).count, 20)
        XCTAssertTrue(batches.allSatisfy { $0.batchSize == 5 })
        let exact = task.trainBatches(batchSize: 23, epoch: 1, shuffleSeed: 7)
        XCTAssertEqual(exact.count, 1)
        XCTAssertEqual(Set(exact.batchExamples[0]), Set(0..<23))
        let oversized = task.trainBatches(batchSize: 64, epoch: 1, shuffleSeed: 7)
        XCTAssertEqual(oversized.count, 1, "fewer examples than a batch: one batch of all of them")
        XCTAssertEqual(oversized[0].batchSize, 23)
    }

    func testBatchesHoldTheExamplesOfTheirPlan() {
        let batches = task.trainBatches(batchSize: 4, epoch: 2, shuffleSeed: 9)
        XCTAssertEqual(batches[1], task.makeTrainBatch(examples: batches.batchExamples[1]))
    }

    func testValidationBatchesCoverEveryExampleInOrderWithShortLastBatch() {
        let batches = task.validationBatches(batchSize: 4)
        XCTAssertEqual(batches.batchExamples, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        XCTAssertEqual(batches.map(\.batchSize), [4, 4, 2])
        XCTAssertEqual(task.tokenCount(of: batches[2]), 22 * 2)
    }
}
