// Schedules and the new optimisers in sweeps: each epoch's learning rate is recorded, the
// numbers are bitwise the same whatever --jobs, and a cancelled or restored run continues on
// the same schedule with the same bits.
import XCTest
import Foundation
import GRDB
@testable import Experiments
import ResultsStore
import SequenceModels
import Tasks

final class ScheduleSweepTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// reduce_on_plateau with threshold 0.5 counts almost every epoch as no improvement, so with
    /// patience 0 the rate falls within a few epochs.
    static let plateau = #"{"name": "reduce_on_plateau", "factor": 0.5, "patience": 0, "threshold": 0.5}"#

    func scheduleSpec(epochs: Int = 4, trainSize: Int = 128, extraTrain: String = "") -> String {
        """
        {
          "name": "schedules",
          "task": {"name": "adding", "length": 8, "train_size": \(trainSize), "val_size": 32, "data_seed": 3},
          "train": {"epochs": \(epochs), "batch": 16, "hidden": 6, "lr": 0.01, "clip_norm": 1.0, "weight_decay": 0.01, "cell": "gru"\(extraTrain)},
          "grid": {"optimizer": ["adamw", "rmsprop"],
                   "lr_schedule": [\(Self.plateau), {"name": "step", "gamma": 0.5, "step_epochs": 2}, "cosine"]}
        }
        """
    }

    /// Every epoch's numbers and learning rate as bit patterns, keyed by config hash and epoch.
    func epochsWithRates(_ dbPath: String) throws -> [EpochKey: [UInt64?]] {
        try DatabaseQueue(path: dbPath).read { db in
            var table: [EpochKey: [UInt64?]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.config_hash, e.epoch, e.train_loss, e.val_loss, e.val_metric, e.grad_norm, e.lr
                  FROM epochs e JOIN runs r ON r.id = e.run_id
                """) {
                let values: [Double?] = [row[2], row[3], row[4], row[5], row[6]]
                table[EpochKey(hash: row[0], epoch: row[1])] = values.map { $0?.bitPattern }
            }
            return table
        }
    }

    func testJobsOneAndTwoGiveBitwiseEqualEpochsAndRates() throws {
        let one = folder.appendingPathComponent("one.db").path, two = folder.appendingPathComponent("two.db").path
        try runSweep(spec: scheduleSpec(), in: folder, dbPath: one, jobs: 1)
        try runSweep(spec: scheduleSpec(), in: folder, dbPath: two, jobs: 2)
        let a = try epochsWithRates(one)
        XCTAssertEqual(a.count, 6 * 4)
        XCTAssertEqual(a, try epochsWithRates(two))
        XCTAssertEqual(Set(try statuses(two).values), ["finished"])
        XCTAssertFalse(a.values.contains { $0[4] == nil }, "every epoch has its learning rate")
    }

    func testTwoLayersWithDropoutAndSchedulesAreBitwiseAcrossJobsAndResumes() throws {
        let spec = scheduleSpec(epochs: 4, trainSize: 256, extraTrain: #", "layers": 2, "dropout": 0.2"#)
        let one = folder.appendingPathComponent("one.db").path, two = folder.appendingPathComponent("two.db").path
        try runSweep(spec: spec, in: folder, dbPath: one, jobs: 1)
        try runSweep(spec: spec, in: folder, dbPath: two, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while ((try? self.epochsWithRates(two).keys.map(\.epoch).max()) ?? 0) ?? 0 < 2 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertLessThan(try epochsWithRates(two).count, 24, "the first pass stopped early")
        try runSweep(spec: spec, in: folder, dbPath: two, jobs: 2)
        let straight = try epochsWithRates(one)
        XCTAssertEqual(straight.count, 6 * 4)
        XCTAssertEqual(try epochsWithRates(two), straight)
        XCTAssertEqual(Set(try statuses(two).values), ["finished"])
        let configs = try ResultsDatabase.open(path: one).runs(sweepId: try ResultsDatabase.open(path: one).latestSweep()!.id!)
            .map { try RunConfig.fromJSON($0.configJSON) }
        XCTAssertEqual(Set(configs.map(\.layers)), [2])
        XCTAssertEqual(Set(configs.map(\.dropout)), [0.2])
    }

    func testRecordedRatesFollowEachSchedule() throws {
        let db = folder.appendingPathComponent("rates.db").path
        try runSweep(spec: scheduleSpec(epochs: 5), in: folder, dbPath: db, jobs: 2)
        let database = try ResultsDatabase.open(path: db)
        let runs = try database.runs(sweepId: try database.latestSweep()!.id!)
        XCTAssertEqual(runs.count, 6)
        var plateauReduced = false
        for run in runs {
            let config = try RunConfig.fromJSON(run.configJSON)
            let epochs = try database.epochs(runId: run.id!)
            let recorded = epochs.map { $0.lr! }
            // Replaying the schedule on the recorded validation losses gives the recorded rates.
            var replay = LearningRateScheduler(schedule: config.lrSchedule, baseLearningRate: config.lr, epochs: config.epochs)
            var expected: [Double] = []
            for epoch in epochs {
                expected.append(replay.learningRate(epoch: epoch.epoch))
                replay.epochEnded(validationLoss: epoch.valLoss!)
            }
            XCTAssertEqual(recorded, expected, "\(config.lrSchedule)")
            switch config.lrSchedule {
            case .step: XCTAssertEqual(recorded, [0.01, 0.01, 0.005, 0.005, 0.0025])
            case .cosine:
                for (e, rate) in recorded.enumerated() { XCTAssertEqual(rate, 0.01 * (1 + cos(Double.pi * Double(e) / 5)) / 2, accuracy: 1e-15) }
            case .reduceOnPlateau:
                XCTAssertEqual(recorded.first, 0.01)
                if recorded.last! < 0.01 { plateauReduced = true }
            case .constant: XCTFail("no constant run in this grid")
            }
        }
        XCTAssertTrue(plateauReduced, "the plateau schedule reduced the rate in this run")
    }

    func testCancelledSweepResumesOnTheSameScheduleToTheSameBits() throws {
        let straight = folder.appendingPathComponent("straight.db").path
        let resumed = folder.appendingPathComponent("resumed.db").path
        let spec = scheduleSpec(epochs: 5, trainSize: 256)
        try runSweep(spec: spec, in: folder, dbPath: straight, jobs: 1)
        // Cancel once some run has recorded two epochs (its plateau state is past its start).
        let first = try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while ((try? self.epochsWithRates(resumed).keys.map(\.epoch).max()) ?? 0) ?? 0 < 2 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        XCTAssertLessThan(try epochsWithRates(resumed).count, 30, "the first pass stopped early")
        try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2)
        XCTAssertEqual(try epochsWithRates(resumed), try epochsWithRates(straight))
        XCTAssertEqual(Set(try statuses(resumed).values), ["finished"])
    }

    func testADatabaseFromBeforeTheNewFieldsResumesToTheSameBits() throws {
        // A sweep of the existing fields only, interrupted, its file taken back to the schema
        // before epochs.lr (column and migration record removed), then resumed by this build.
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 4, seeds: [1], trainSize: 256)
        let straight = folder.appendingPathComponent("straight.db").path
        let old = folder.appendingPathComponent("old.db").path
        try runSweep(spec: spec, in: folder, dbPath: straight, jobs: 1)
        let first = try runSweep(spec: spec, in: folder, dbPath: old, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while (try? epochTable(old).count) ?? 0 < 1 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        let recordedBefore = try epochTable(old).count
        XCTAssertLessThan(recordedBefore, 8)
        try DatabaseQueue(path: old).write { db in
            try db.execute(sql: "ALTER TABLE epochs DROP COLUMN lr")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'epoch-learning-rate'")
        }
        try runSweep(spec: spec, in: folder, dbPath: old, jobs: 2)
        XCTAssertEqual(try epochTable(old), try epochTable(straight))
        XCTAssertEqual(Set(try statuses(old).values), ["finished"])
        let rates = try DatabaseQueue(path: old).read { try Double?.fetchAll($0, sql: "SELECT lr FROM epochs") }
        XCTAssertEqual(rates.filter { $0 == nil }.count, recordedBefore, "epochs from before the column have no rate")
        XCTAssertEqual(Set(rates.compactMap { $0 }), [0.01], "the resumed epochs record the constant rate")
    }

    func testTrainerRestoredAfterAReductionContinuesWithTheSameBits() throws {
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(6), "train_size": .number(64),
                                                                      "val_size": .number(16), "data_seed": .number(1)],
                                        specDirectory: folder)
        for optimizer in [OptimizerChoice.adamw, .rmsprop] {
            let config = RunConfig(cell: .lstm, hidden: 5, lr: 0.01, seed: 4, batch: 8, epochs: 5, optimizer: optimizer,
                                   clipNorm: 1, weightDecay: 0.05, rmspropMomentum: optimizer == .rmsprop ? 0.5 : 0,
                                   lrSchedule: .reduceOnPlateau(factor: 0.5, patience: 0, threshold: 0.9), task: TaskSpec(name: "adding"))
            let straight = Trainer(config: config, task: task)
            var straightResults: [EpochResult] = []
            for _ in 0..<5 { if case .completed(let r) = straight.trainEpoch() { straightResults.append(r) } }
            XCTAssertLessThan(straightResults[2].lr, 0.01, "\(optimizer): the rate was reduced by epoch 3")

            let first = Trainer(config: config, task: task)
            var resumed: [EpochResult] = []
            for _ in 0..<2 { if case .completed(let r) = first.trainEpoch() { resumed.append(r) } }
            let saved = try first.checkpoint().encoded()
            let checkpoint = try Checkpoint(decoding: saved)
            XCTAssertEqual(checkpoint.schedule, first.schedule.state)
            XCTAssertNotNil(checkpoint.schedule)
            let second = Trainer(config: config, task: task)
            try second.restore(checkpoint)
            for _ in 0..<3 { if case .completed(let r) = second.trainEpoch() { resumed.append(r) } }
            XCTAssertEqual(resumed.map(\.lr.bitPattern), straightResults.map(\.lr.bitPattern), "\(optimizer)")
            XCTAssertEqual(resumed.map(\.trainLoss.bitPattern), straightResults.map(\.trainLoss.bitPattern), "\(optimizer)")
            XCTAssertEqual(resumed.map(\.valLoss.bitPattern), straightResults.map(\.valLoss.bitPattern), "\(optimizer)")
            XCTAssertEqual(second.model.parameters.map(\.bitPattern), straight.model.parameters.map(\.bitPattern), "\(optimizer)")
            XCTAssertEqual(second.optimizer.state, straight.optimizer.state, "\(optimizer)")

            // A checkpoint without the schedule's state cannot resume a plateau run.
            var stateless = checkpoint
            stateless.schedule = nil
            XCTAssertThrowsError(try Trainer(config: config, task: task).restore(stateless)) { error in
                XCTAssertTrue("\(error)".contains("reduce_on_plateau"), "\(error)")
            }
        }
    }

    func testCheckpointsWithoutScheduleStateKeepTheirFormat() throws {
        let config = ModelConfig(cell: .gru, inputSize: 2, hiddenSize: 3, outputSize: 1, head: .linear)
        // Constant, step and cosine have no state: the header has no schedule key, as before it existed.
        let p = config.parameterCount
        let plain = Checkpoint(epoch: 2, model: config, parameters: (0..<p).map(Float.init),
                               optimizer: OptimizerState(step: 5, first: [Float](repeating: 0.5, count: p), second: [Float](repeating: 0.25, count: p)))
        let bytes = try plain.encoded()
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("schedule"))
        XCTAssertNil(try Checkpoint(decoding: bytes).schedule)
        // A plateau state round-trips to the bit, +∞ included.
        var withState = plain
        withState.schedule = LearningRateScheduleState(lr: 0.1 / 3, best: .infinity, badEpochs: 2)
        let decoded = try Checkpoint(decoding: try withState.encoded())
        XCTAssertEqual(decoded, withState)
        XCTAssertEqual(decoded.schedule?.best, .infinity)
        XCTAssertEqual(decoded.schedule?.lr.bitPattern, (0.1 / 3).bitPattern)
    }
}
