// Each schedule's rates over a run's epochs, against values worked out by hand.
import XCTest
@testable import SequenceModels

final class LearningRateScheduleTests: XCTestCase {
    func rates(_ scheduler: LearningRateScheduler, losses: [Double]) -> [Double] {
        var scheduler = scheduler
        var out: [Double] = []
        for (index, loss) in losses.enumerated() {
            out.append(scheduler.learningRate(epoch: index + 1))
            scheduler.epochEnded(validationLoss: loss)
        }
        return out
    }

    func testConstantIsTheBaseRate() {
        let s = LearningRateScheduler(schedule: .constant, baseLearningRate: 0.003, epochs: 5)
        XCTAssertEqual(rates(s, losses: [1, 2, 3, 4, 5]), [0.003, 0.003, 0.003, 0.003, 0.003])
        XCTAssertNil(s.state)
    }

    func testStepDecayEveryStepEpochs() {
        // η0 = 0.1, γ = 0.5, every 2 epochs: 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125.
        let s = LearningRateScheduler(schedule: .step(gamma: 0.5, stepEpochs: 2), baseLearningRate: 0.1, epochs: 7)
        XCTAssertEqual(rates(s, losses: Array(repeating: 1, count: 7)), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
        XCTAssertNil(s.state)
    }

    func testCosineFallsTowardsZeroOverTheRun() {
        // η0 = 1, E = 4: (1 + cos(π(e−1)/4))/2 = 1, (1 + √½)/2, 1/2, (1 − √½)/2.
        let s = LearningRateScheduler(schedule: .cosine, baseLearningRate: 1, epochs: 4)
        let r = rates(s, losses: [1, 1, 1, 1])
        let h = 0.5.squareRoot()
        for (a, b) in zip(r, [1, (1 + h) / 2, 0.5, (1 - h) / 2]) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        // Longer runs stay on the closed form too.
        let long = rates(LearningRateScheduler(schedule: .cosine, baseLearningRate: 0.01, epochs: 50), losses: Array(repeating: 1, count: 50))
        for (e, rate) in long.enumerated() {
            XCTAssertEqual(rate, 0.01 * (1 + cos(Double.pi * Double(e) / 50)) / 2, accuracy: 1e-15)
        }
        XCTAssertGreaterThan(long.last!, 0)
    }

    func testReduceOnPlateauWithRelativeThreshold() {
        // factor 0.5, patience 1, threshold 0.1: an epoch improves when loss < best·0.9.
        // e1 1.0 (best 1), e2 0.95 (not < 0.9: bad 1), e3 0.85 (best 0.85), e4 0.9 (bad 1),
        // e5 0.8 (not < 0.765: bad 2 > 1: η halves for e6, bad 0), e6 0.76 (best), e7 0.77 (bad 1).
        let s = LearningRateScheduler(schedule: .reduceOnPlateau(factor: 0.5, patience: 1, threshold: 0.1), baseLearningRate: 1, epochs: 8)
        XCTAssertEqual(rates(s, losses: [1.0, 0.95, 0.85, 0.9, 0.8, 0.76, 0.77, 0.7]), [1, 1, 1, 1, 1, 0.5, 0.5, 0.5])
        var after = s
        for loss in [1.0, 0.95, 0.85, 0.9, 0.8] { after.epochEnded(validationLoss: loss) }
        XCTAssertEqual(after.state, LearningRateScheduleState(lr: 0.5, best: 0.85, badEpochs: 0))
    }

    func testReduceOnPlateauPatienceZeroAndTheMinimumReduction() {
        // patience 0: every epoch without improvement reduces; a reduction below 1e-8 is not made.
        let s = LearningRateScheduler(schedule: .reduceOnPlateau(factor: 0.1, patience: 0, threshold: 0), baseLearningRate: 1e-6, epochs: 5)
        let r = rates(s, losses: [1, 1, 1, 1, 1])
        XCTAssertEqual(r[0], 1e-6)
        XCTAssertEqual(r[1], 1e-6, "epoch 1 improved on +∞")
        XCTAssertEqual(r[2], 1e-7, accuracy: 1e-22)
        XCTAssertEqual(r[3], 1e-8, accuracy: 1e-23)
        XCTAssertEqual(r[4], r[3], "1e-8 − 1e-9 is below PyTorch's eps 1e-8: no reduction")
    }
}
