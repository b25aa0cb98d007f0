// Early stopping (patience, min_delta, resumed runs stop at the same epoch) and failure
// control (--fail-fast stops the sweep at the first failed run; --retry-failed continues
// failed runs from their last checkpoint with the bits of an uninterrupted run).
import Foundation
import XCTest
@testable import Experiments
import ResultsStore

/// Cancels the scheduler once any run has finished epoch `epoch`.
final class CancelAfterEpoch: ProgressSink, @unchecked Sendable {
    let epoch: Int
    var scheduler: Scheduler?
    init(epoch: Int) { self.epoch = epoch }
    func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {}
    func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {}
    func epochFinished(runId: Int64, label: String, result: EpochResult, epochs: Int) { if result.epoch == epoch { scheduler?.cancel() } }
    func runEnded(runId: Int64, label: String, status: String, detail: String?) {}
    func message(_ text: String) {}
    func sweepEnded() {}
}

final class EarlyStopAndFailureTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func earlyStopSpec(_ rule: String) -> String {
        smallSpec(cells: ["gru"], epochs: 8, seeds: [1]).replacingOccurrences(of: "\"clip_norm\": 1.0", with: "\"clip_norm\": 1.0, \"early_stop\": \(rule)")
    }

    func testTrackerStopsAfterPatienceEpochsWithoutImprovementByMoreThanMinDelta() {
        var stopping = EarlyStopping(rule: EarlyStopRule(patience: 2, minDelta: 0.1), metricHigherIsBetter: false)
        XCTAssertFalse(stopping.observe(epoch: 1, value: 1.0))
        XCTAssertFalse(stopping.observe(epoch: 2, value: 0.8))     // improved by 0.2
        XCTAssertFalse(stopping.observe(epoch: 3, value: 0.75))    // by 0.05 only: 1 epoch without
        XCTAssertFalse(stopping.observe(epoch: 4, value: 0.65))    // 0.15 below the best 0.8: improved
        XCTAssertFalse(stopping.observe(epoch: 5, value: nil))     // not finite: no improvement
        XCTAssertTrue(stopping.observe(epoch: 6, value: 0.6))
        XCTAssertEqual(stopping.bestEpoch, 4)
        XCTAssertTrue(stopping.reason.contains("val_loss did not improve by more than 0.1 for 2 epochs (best 0.65 at epoch 4)"), stopping.reason)
        var up = EarlyStopping(rule: EarlyStopRule(patience: 1, monitor: .valMetric), metricHigherIsBetter: true)
        XCTAssertFalse(up.observe(epoch: 1, value: 0.5))
        XCTAssertFalse(up.observe(epoch: 2, value: 0.6))
        XCTAssertTrue(up.observe(epoch: 3, value: 0.55))
    }

    func testAnEarlyStoppedRunIsFinishedWithItsStopEpochAndReason() throws {
        let db = path("stop.db")
        // No epoch after the first can beat it by 1000: the run stops after epoch 1 + patience 2.
        let summary = try runSweep(spec: earlyStopSpec(#"{"patience": 2, "min_delta": 1000}"#), in: folder, dbPath: db, jobs: 1)
        XCTAssertEqual(summary.epochsTrained, 3)
        let database = try ResultsDatabase.open(path: db)
        let run = try XCTUnwrap(try database.runs(sweepId: try database.latestSweep()!.id!).first)
        XCTAssertEqual(run.status, .finished)
        XCTAssertEqual(run.stopEpoch, 3)
        XCTAssertEqual(run.epochsPlanned, 8)
        XCTAssertTrue(run.stopReason?.hasPrefix("early stop: val_loss did not improve by more than 1000.0 for 2 epochs (best ") ?? false,
                      run.stopReason ?? "nil")
        XCTAssertEqual(try database.epochs(runId: run.id!).count, 3)
        // A patient rule on a run that keeps improving trains every epoch.
        let full = path("full.db")
        try runSweep(spec: earlyStopSpec(#"{"patience": 8}"#), in: folder, dbPath: full, jobs: 1)
        XCTAssertEqual(try epochTable(full).count, 8)
        // Patience running out exactly at the last epoch is no early stop: the run finished as planned.
        let last = path("last.db")
        let lastSummary = try runSweep(spec: earlyStopSpec(#"{"patience": 7, "min_delta": 1000}"#), in: folder, dbPath: last, jobs: 1)
        XCTAssertEqual(lastSummary.earlyStopped, 0)
        XCTAssertEqual(Set(try runOutcomes(last).values), ["finished stop=- epochs=8"])
    }

    func testAResumedRunStopsAtTheSameEpoch() throws {
        let spec = earlyStopSpec(#"{"patience": 2, "min_delta": 1000}"#)
        let straight = path("straight.db"), resumed = path("resumed.db")
        try runSweep(spec: spec, in: folder, dbPath: straight, jobs: 1)
        let sink = CancelAfterEpoch(epoch: 2)
        let specURL = folder.appendingPathComponent("spec.json")
        try spec.write(to: specURL, atomically: true, encoding: .utf8)
        let setup = try SweepSetup.load(specPath: specURL.path)
        let database = try ResultsDatabase.open(path: resumed)
        let sweep = try setup.register(in: database, fresh: false)
        let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                                  options: SchedulerOptions(jobs: 1), progress: sink)
        sink.scheduler = scheduler
        XCTAssertTrue(try scheduler.run().cancelled)
        XCTAssertEqual(try epochTable(resumed).count, 2)
        try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 1)
        XCTAssertEqual(try epochTable(resumed), try epochTable(straight))
        XCTAssertEqual(try runOutcomes(resumed), try runOutcomes(straight))
        XCTAssertEqual(Set(try runOutcomes(resumed).values), ["finished stop=3 epochs=3"])
    }

    func testFailFastStopsAtTheFirstFailedRunAndRetryFailedContinuesItFromItsCheckpoint() throws {
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 4, seeds: [1], trainSize: 512)
        let straight = path("straight.db"), db = path("failing.db")
        try runSweep(spec: spec, in: folder, dbPath: straight, jobs: 1)
        // The gru run fails before its third epoch; with --fail-fast the sweep stops there.
        var options = SchedulerOptions(jobs: 1, failFast: true)
        options.failureInjection = { config, epoch in config.cell == .gru && epoch == 3 ? "disk full (injected)" : nil }
        let summary = try runHalvingFreeSweep(spec: spec, dbPath: db, options: options)
        XCTAssertEqual(summary.counts[.failed], 1)
        XCTAssertTrue(summary.cancelled)
        XCTAssertTrue(summary.failedFast?.contains("disk full (injected)") ?? false, summary.failedFast ?? "nil")
        let outcomes = try runOutcomes(db)
        XCTAssertEqual(outcomes.values.sorted(), ["failed stop=- epochs=2", "pending stop=- epochs=0"])
        // Without --retry-failed a rerun leaves the failed run alone.
        try runHalvingFreeSweep(spec: spec, dbPath: db, options: SchedulerOptions(jobs: 1))
        XCTAssertEqual(try runOutcomes(db).values.sorted(), ["failed stop=- epochs=2", "finished stop=- epochs=4"])
        // With it, the run continues from its epoch-2 checkpoint to the same bits as a run that never failed.
        try runHalvingFreeSweep(spec: spec, dbPath: db, options: SchedulerOptions(jobs: 1), retryFailed: true)
        XCTAssertEqual(try epochTable(db), try epochTable(straight))
        XCTAssertEqual(Set(try runOutcomes(db).values), ["finished stop=- epochs=4"])
    }

    func testFailFastMarksTheRunsTrainingBesideTheFailedOneInterrupted() throws {
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 4, seeds: [1], trainSize: 512)
        let db = path("beside.db")
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let setup = try SweepSetup.load(specPath: folder.appendingPathComponent("spec.json").path)
        let database = try ResultsDatabase.open(path: db)
        let sweep = try setup.register(in: database, fresh: false)
        final class Box: @unchecked Sendable {
            var scheduler: Scheduler?
            let lstmTrainedOneEpoch = DispatchSemaphore(value: 0)
        }
        let box = Box()
        var options = SchedulerOptions(jobs: 2, failFast: true)
        // Both runs train one epoch; then the gru run fails before its second, and the lstm run,
        // training beside it, starts its second only once the sweep is stopping.
        options.failureInjection = { config, epoch in
            guard epoch == 2 else { return nil }
            if config.cell == .gru {
                _ = box.lstmTrainedOneEpoch.wait(timeout: .now() + 60)
                return "disk full (injected)"
            }
            box.lstmTrainedOneEpoch.signal()
            for _ in 0..<6000 where !(box.scheduler?.isCancelled ?? false) { usleep(10_000) }
            return nil
        }
        let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                                  options: options, progress: SilentProgress(), halving: setup.halving)
        box.scheduler = scheduler
        let summary = try scheduler.run()
        XCTAssertTrue(summary.cancelled)
        XCTAssertEqual(summary.counts[.failed], 1)
        XCTAssertEqual(summary.counts[.interrupted], 1)
        XCTAssertTrue(summary.failedFast?.contains("disk full (injected)") ?? false, summary.failedFast ?? "nil")
        XCTAssertEqual(try database.runs(sweepId: sweep.id!).map { "\($0.cell) \($0.status.rawValue)" }.sorted(),
                       ["gru failed", "lstm interrupted"])
        XCTAssertEqual(Set(try runOutcomes(db).values), ["failed stop=- epochs=1", "interrupted stop=- epochs=1"])
    }

    func testADivergedRunDoesNotStopAFailFastSweep() throws {
        let db = path("diverged.db")
        let spec = smallSpec(cells: ["rnn"], lrs: [1e6, 0.01], seeds: [1]).replacingOccurrences(of: ", \"clip_norm\": 1.0", with: "")
            .replacingOccurrences(of: "\"optimizer\": \"adam\"", with: "\"optimizer\": \"sgd\"")
        let summary = try runHalvingFreeSweep(spec: spec, dbPath: db, options: SchedulerOptions(jobs: 1, failFast: true))
        XCTAssertFalse(summary.cancelled)
        XCTAssertNil(summary.failedFast)
        XCTAssertEqual(summary.counts[.diverged], 1)
        XCTAssertEqual(summary.counts[.finished], 1)
    }

    /// A sweep with the given options (and optionally its failed runs retried first).
    @discardableResult
    func runHalvingFreeSweep(spec text: String, dbPath: String, options: SchedulerOptions, retryFailed: Bool = false) throws -> SchedulerSummary {
        let specURL = folder.appendingPathComponent("spec.json")
        try text.write(to: specURL, atomically: true, encoding: .utf8)
        let setup = try SweepSetup.load(specPath: specURL.path)
        let database = try ResultsDatabase.open(path: dbPath)
        let sweep = try setup.register(in: database, fresh: false)
        if retryFailed { try setup.retryFailedRuns(in: database, sweepId: sweep.id!) }
        return try Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                             options: options, progress: SilentProgress(), halving: setup.halving).run()
    }
}
