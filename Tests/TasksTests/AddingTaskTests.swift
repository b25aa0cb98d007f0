// Tests of the adding problem: determinism, layout, target range, baseline and metric.
import XCTest
import SequenceModels
@testable import Tasks

final class AddingTaskTests: XCTestCase {
    func testSameDataSeedGivesSameDataAndDifferentSeedsDiffer() {
        let a = AddingTask(length: 12, trainSize: 50, valSize: 20, dataSeed: 3)
        let b = AddingTask(length: 12, trainSize: 50, valSize: 20, dataSeed: 3)
        let c = AddingTask(length: 12, trainSize: 50, valSize: 20, dataSeed: 4)
        XCTAssertEqual(a.trainExamples, b.trainExamples)
        XCTAssertEqual(a.validationExamples, b.validationExamples)
        XCTAssertNotEqual(a.trainExamples, c.trainExamples)
        XCTAssertNotEqual(a.validationExamples, c.validationExamples)
        XCTAssertNotEqual(a.trainExamples.prefix(20).map(\.values), a.validationExamples.map(\.values),
                          "train and validation come from separate streams")
    }

    func testValidationDataDoesNotDependOnTrainSize() {
        let small = AddingTask(length: 8, trainSize: 10, valSize: 15, dataSeed: 9)
        let large = AddingTask(length: 8, trainSize: 40, valSize: 15, dataSeed: 9)
        XCTAssertEqual(small.validationExamples, large.validationExamples)
    }

    func testBatchLayoutHasTwoMarkersOnePerHalfAndTargetAtLastStepOnly() {
        for length in [2, 7, 10] {
            let task = AddingTask(length: length, trainSize: 64, valSize: 8, dataSeed: 1)
            let batch = task.makeTrainBatch(examples: Array(0..<64))
            XCTAssertEqual(batch.steps, length)
            XCTAssertEqual(batch.inputSize, 2)
            guard case .values(let targets, let mask, let width) = batch.targets else { return XCTFail("value targets") }
            XCTAssertEqual(width, 1)
            for b in 0..<64 {
                var markerSteps: [Int] = []
                var markedSum: Float = 0
                for t in 0..<length {
                    let value = batch.inputs[(t * 64 + b) * 2]
                    let marker = batch.inputs[(t * 64 + b) * 2 + 1]
                    XCTAssertTrue(value >= 0 && value < 1)
                    XCTAssertTrue(marker == 0 || marker == 1)
                    if marker == 1 { markerSteps.append(t); markedSum += value }
                    XCTAssertEqual(mask[t * 64 + b], t == length - 1 ? 1 : 0)
                }
                XCTAssertEqual(markerSteps.count, 2, "exactly two markers")
                XCTAssertLessThan(markerSteps[0], length / 2, "first marker in the first half")
                XCTAssertGreaterThanOrEqual(markerSteps[1], length / 2, "second marker in the second half")
                XCTAssertEqual(targets[(length - 1) * 64 + b], markedSum, accuracy: 1e-6)
            }
            XCTAssertEqual(batch.targetCount, 64)
        }
    }

    func testTargetsLieInZeroToTwoWithMeanNearOne() {
        let task = AddingTask(length: 10, trainSize: 4000, valSize: 10, dataSeed: 5)
        let targets = task.trainExamples.map { Double($0.target) }
        XCTAssertTrue(targets.allSatisfy { $0 >= 0 && $0 <= 2 })
        let mean = targets.reduce(0, +) / Double(targets.count)
        // Standard error of the mean: sqrt(1/6 / 4000) ≈ 0.0065; allow 4 of them.
        XCTAssertEqual(mean, 1, accuracy: 0.026)
    }

    func testBaselineIsTheMSEOfPredictingOne() {
        let task = AddingTask(length: 6, trainSize: 1, valSize: 6000, dataSeed: 11)
        var metric = task.makeMetric()
        for batch in task.validationBatches(batchSize: 500) {
            metric.add(batch: batch, outputs: [Float](repeating: 1, count: batch.steps * batch.batchSize))
        }
        // Var(U1+U2) = 1/6; the sample variance's standard error here is ≈ 0.0018.
        XCTAssertEqual(metric.value, task.baseline.metric!, accuracy: 0.008)
        XCTAssertEqual(task.baseline.loss!, 1.0 / 6.0, accuracy: 1e-12)
        XCTAssertFalse(task.metricHigherIsBetter)
        XCTAssertEqual(task.head, .linear)
    }

    func testMSEMetricUsesOnlyMaskedPositions() {
        let task = AddingTask(length: 4, trainSize: 3, valSize: 3, dataSeed: 2)
        let batch = task.makeValidationBatch(examples: [0, 1, 2])
        guard case .values(let targets, _, _) = batch.targets else { return XCTFail("value targets") }
        // Exact targets at the last step, garbage elsewhere: MSE 0.
        var outputs = [Float](repeating: 100, count: targets.count)
        for b in 0..<3 { outputs[3 * 3 + b] = targets[3 * 3 + b] }
        var metric = task.makeMetric()
        XCTAssertTrue(metric.value.isNaN)
        metric.add(batch: batch, outputs: outputs)
        XCTAssertEqual(metric.value, 0)
        outputs[3 * 3 + 1] += 0.5
        var shifted = task.makeMetric()
        shifted.add(batch: batch, outputs: outputs)
        XCTAssertEqual(shifted.value, 0.25 / 3, accuracy: 1e-9)
    }
}
