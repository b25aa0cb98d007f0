// A generated task makes its examples on first use, once, whatever the threads: building
// it (what validation and `--dry-run` do) generates nothing, and the data it then makes is
// the data an eager build made (the tasks' determinism tests compare it across seeds).
import Foundation
import XCTest
@testable import Tasks

final class GeneratedDataTests: XCTestCase {
    func testValueIsMadeOnceWhateverTheThreads() {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var calls = 0
        }
        let counter = Counter()
        let data = GeneratedData<[Int]> {
            counter.lock.lock(); counter.calls += 1; counter.lock.unlock()
            usleep(20_000)   // long enough for the other threads to arrive while it is made
            return Array(0..<1000)
        }
        XCTAssertFalse(data.isGenerated)
        let seen = UnsafeSendableBox([[Int]](repeating: [], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in seen.set(i, data.value) }
        XCTAssertEqual(counter.calls, 1)
        XCTAssertTrue(data.isGenerated)
        for value in seen.values { XCTAssertEqual(value, Array(0..<1000)) }
    }

    func testBuildingAGeneratedTaskAtItsLargestSizeGeneratesNothing() throws {
        // 10^8 steps each, the most TaskFactory allows: building them must not make the data.
        let adding = AddingTask(length: 100, trainSize: 900_000, valSize: 50_000, testSize: 50_000, dataSeed: 1)
        let copy = CopyMemoryTask(length: 80, trainSize: 900_000, valSize: 50_000, testSize: 50_000, dataSeed: 1)
        let reber = EmbeddedReberTask(trainSize: 2_000_000, valSize: 250_000, testSize: 250_000, maxLength: 40, dataSeed: 1)
        XCTAssertFalse(adding.splits.isGenerated)
        XCTAssertFalse(copy.splits.isGenerated)
        XCTAssertFalse(reber.splits.isGenerated)
        // What a plan and its memory estimate read needs no data either.
        XCTAssertEqual([adding.maxSequenceSteps, copy.maxSequenceSteps, reber.maxSequenceSteps], [100, 100, 40])
        XCTAssertEqual([adding.trainExampleCount, copy.validationExampleCount, reber.testExampleCount], [900_000, 50_000, 250_000])
        XCTAssertEqual(adding.baseline.testLoss, 1.0 / 6.0)
        XCTAssertNotNil(copy.baseline.testMetric)
        XCTAssertFalse(adding.splits.isGenerated)
        XCTAssertFalse(copy.splits.isGenerated)
        XCTAssertFalse(reber.splits.isGenerated)
    }

    func testFirstBatchGeneratesTheDataOnceForEveryCopyOfTheTask() {
        let task = AddingTask(length: 6, trainSize: 10, valSize: 4, testSize: 0, dataSeed: 5)
        let copy = task   // a copy shares the one data set
        XCTAssertFalse(task.splits.isGenerated)
        let batch = copy.makeTrainBatch(examples: [3])
        XCTAssertTrue(task.splits.isGenerated)
        XCTAssertEqual(batch.steps, task.maxSequenceSteps)
        XCTAssertEqual(task.trainExamples.count, 10)
        XCTAssertEqual(task.testExamples, [])
        XCTAssertEqual(task.testExampleCount, 0)
        XCTAssertEqual(task.trainExamples[3].values, (0..<6).map { batch.inputs[$0 * 2] })
    }
}

/// A fixed array that threads write disjoint slots of.
private final class UnsafeSendableBox<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Element]
    init(_ values: [Element]) { self.values = values }
    func set(_ index: Int, _ value: Element) { lock.lock(); values[index] = value; lock.unlock() }
}
