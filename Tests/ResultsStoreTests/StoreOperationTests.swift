// Tests of the store operations the scheduler uses: sweeps, plan, claims (threads, staleness),
// heartbeats, epochs with checkpoints, statuses, listings and the run_summary view.
import Foundation
import GRDB
import GRDBSQLite
import XCTest
@testable import ResultsStore

final class StoreOperationTests: XCTestCase {
    let description = SweepDescription(name: "adding-t50", specJSON: #"{"name":"adding-t50"}"#, task: "adding",
                                       metricName: "mse", metricHigherIsBetter: false,
                                       baselineLoss: 0.167, baselineMetric: 0.167)

    func plannedRuns(_ count: Int, epochs: Int = 3) -> [PlannedRun] {
        (0..<count).map { index in
            PlannedRun(planIndex: index, configHash: "hash\(index)", configJSON: #"{"seed":\#(index)}"#,
                       task: "adding", cell: index.isMultiple(of: 2) ? "gru" : "lstm", hidden: 8,
                       lr: 0.01, seed: index, epochsPlanned: epochs, paramCount: 100 + index)
        }
    }

    // MARK: Sweeps

    func testCreateOrGetSweepReturnsTheSameSweepAndUpdatesItsSpec() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let first = try database.createOrGetSweep(description)
        XCTAssertNotNil(first.id)
        XCTAssertEqual(first.metricName, "mse")
        XCTAssertEqual(first.baselineLoss, 0.167)
        var changed = description
        changed.specJSON = #"{"name":"adding-t50","grid":{}}"#
        let second = try database.createOrGetSweep(changed)
        XCTAssertEqual(second.id, first.id)
        XCTAssertEqual(second.createdAt, first.createdAt)
        XCTAssertEqual(try database.sweep(named: "adding-t50")?.specJSON, changed.specJSON)
        XCTAssertEqual(try database.sweeps().count, 1)
        XCTAssertNil(try database.sweep(named: "other"))
    }

    func testSpecOfAnotherTaskUnderASweepsNameIsRefusedUnlessFresh() throws {
        // The sweep's runs measure mse; a spec of the same name on another task (or metric) would
        // have reports read those values as its metric. Refused while the sweep has runs; --fresh
        // replaces them; a sweep without runs simply takes the new task.
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        var copy = description
        copy.task = "copy"; copy.metricName = "copy_accuracy"; copy.metricHigherIsBetter = true
        XCTAssertEqual(try database.createOrGetSweep(copy).task, "copy", "no runs yet: nothing to misread")
        _ = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(2))
        for changed in [copy, { var d = description; d.metricHigherIsBetter = true; return d }()] {
            XCTAssertThrowsError(try database.createOrGetSweep(changed)) { error in
                XCTAssertEqual(error as? ResultsStoreError, .sweepTaskChanged(
                    name: "adding-t50", recorded: "task adding (metric mse, lower is better)",
                    given: "task \(changed.task) (metric \(changed.metricName), higher is better)"))
            }
        }
        XCTAssertEqual("\(ResultsStoreError.sweepTaskChanged(name: "s", recorded: "task adding (metric mse, lower is better)", given: "task copy (metric copy_accuracy, higher is better)"))",
                       "sweep 's' in this database has runs of task adding (metric mse, lower is better), but the spec is task copy "
                       + "(metric copy_accuracy, higher is better); nothing was changed: give the spec another \"name\", another --db, or --fresh to replace that sweep's runs")
        let kept = try XCTUnwrap(database.sweep(named: "adding-t50"))
        XCTAssertEqual([kept.task, kept.metricName], ["adding", "mse"])
        XCTAssertEqual(try database.runs(sweepId: sweep.id!).count, 2)
        var grown = description
        grown.specJSON = #"{"name":"adding-t50","grid":{"hidden":[8,16]}}"#
        XCTAssertEqual(try database.createOrGetSweep(grown).specJSON, grown.specJSON, "same task: the spec may grow")
        let fresh = try database.createOrGetSweep(copy, fresh: true)
        XCTAssertEqual([fresh.task, fresh.metricName], ["copy", "copy_accuracy"])
        XCTAssertEqual(try database.runs(sweepId: sweep.id!).count, 0)
    }

    func testLatestSweepIsTheMostRecentlyCreated() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        XCTAssertNil(try database.latestSweep())
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        _ = try database.createOrGetSweep(description, now: t0)
        var other = description
        other.name = "copy"
        _ = try database.createOrGetSweep(other, now: t0.addingTimeInterval(10))
        XCTAssertEqual(try database.latestSweep()?.name, "copy")
        // Starting the first sweep afresh makes it the latest again.
        _ = try database.createOrGetSweep(description, fresh: true, now: t0.addingTimeInterval(20))
        XCTAssertEqual(try database.latestSweep()?.name, "adding-t50")
    }

    func testFreshDeletesRunsEpochsAndCheckpointsOfThatSweepOnly() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        var otherDescription = description
        otherDescription.name = "other"
        let other = try database.createOrGetSweep(otherDescription)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(2))
        try database.insertPlan(sweepId: other.id!, runs: plannedRuns(1))
        let claim = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash0"], worker: "w"))
        try database.recordEpoch(EpochRecord(runId: claim.run.id!, epoch: 1, valLoss: 1), checkpoint: Data([1]))

        let again = try database.createOrGetSweep(description, fresh: true)
        XCTAssertEqual(again.id, sweep.id)
        XCTAssertEqual(try database.runs(sweepId: sweep.id!), [])
        XCTAssertEqual(try database.runs(sweepId: other.id!).count, 1)
        try database.reader.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM epochs"), 0)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints"), 0)
        }
        XCTAssertEqual(try database.deleteRuns(ofSweep: other.id!), 1)
    }

    // MARK: Plan

    func testInsertPlanIsIdempotentAndKeepsExistingRuns() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        let runs = try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(3))
        XCTAssertEqual(runs.map(\.configHash), ["hash0", "hash1", "hash2"])
        XCTAssertEqual(runs.map(\.status), [.pending, .pending, .pending])
        XCTAssertEqual(runs[1].cell, "lstm")
        XCTAssertEqual(runs[2].paramCount, 102)
        XCTAssertEqual(runs[0].epochsPlanned, 3)

        let claim = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash1"], worker: "w"))
        try database.recordEpoch(EpochRecord(runId: claim.run.id!, epoch: 1), checkpoint: Data([1]))
        try database.markRun(claim.run.id!, status: .finished)

        // A larger plan: a new run in front, the old ones after it.
        var larger = [PlannedRun(planIndex: 0, configHash: "new", configJSON: "{}", task: "adding", cell: "rnn",
                                 hidden: 4, lr: 0.1, seed: 9, epochsPlanned: 3)]
        larger += plannedRuns(3).map { var run = $0; run.planIndex += 1; return run }
        let again = try database.insertPlan(sweepId: sweep.id!, runs: larger)
        XCTAssertEqual(again.map(\.configHash), ["new", "hash0", "hash1", "hash2"])
        XCTAssertEqual(again.map(\.planIndex), [0, 1, 2, 3])
        XCTAssertEqual(again[2].id, claim.run.id)
        XCTAssertEqual(again[2].status, .finished)
        XCTAssertEqual(try database.epochs(runId: claim.run.id!).count, 1)
        XCTAssertEqual(try database.runs(sweepId: sweep.id!).count, 4)
    }

    // MARK: Claims

    func testEpochCountsByConfigHashInOneQuery() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(3))
        let hashes: Set<String> = ["hash0", "hash2"]
        let a = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "w"))
        let b = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "w"))
        for epoch in 1...2 { try database.recordEpoch(EpochRecord(runId: a.run.id!, epoch: epoch), checkpoint: Data([1])) }
        try database.recordEpoch(EpochRecord(runId: b.run.id!, epoch: 1), checkpoint: Data([1]))
        XCTAssertEqual(try database.epochCounts(sweepId: sweep.id!), ["hash0": 2, "hash2": 1])
    }

    func testClaimTakesPlanOrderWithinTheGivenHashesAndReportsLastEpoch() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(4))
        let shard: Set<String> = ["hash3", "hash1"]
        let first = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: shard, worker: "a", now: 1000))
        XCTAssertEqual(first.run.configHash, "hash1")
        XCTAssertEqual(first.run.status, .running)
        XCTAssertEqual(first.run.worker, "a")
        XCTAssertEqual(first.run.heartbeatAt, 1000)
        XCTAssertNotNil(first.run.startedAt)
        XCTAssertEqual(first.lastCompletedEpoch, 0)
        XCTAssertEqual(try database.run(id: first.run.id!), first.run)
        let second = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: shard, worker: "b", now: 1000))
        XCTAssertEqual(second.run.configHash, "hash3")
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, configHashes: shard, worker: "c", now: 1001))

        // Interrupted after two epochs: claimable again, continuing after epoch 2, started_at kept.
        try database.recordEpoch(EpochRecord(runId: first.run.id!, epoch: 1), checkpoint: Data([1]), worker: "a")
        try database.recordEpoch(EpochRecord(runId: first.run.id!, epoch: 2), checkpoint: Data([2]), worker: "a")
        XCTAssertEqual(try database.interruptRuns(heldBy: "a"), 1)
        XCTAssertEqual(try database.run(id: first.run.id!)?.status, .interrupted)
        let resumed = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: shard, worker: "c", now: 1002))
        XCTAssertEqual(resumed.run.id, first.run.id)
        XCTAssertEqual(resumed.lastCompletedEpoch, 2)
        XCTAssertEqual(resumed.run.startedAt, first.run.startedAt)
        XCTAssertEqual(resumed.run.worker, "c")
    }

    func testFinishedFailedAndDivergedRunsAreNeverClaimed() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(3))
        let all: Set<String> = ["hash0", "hash1", "hash2"]
        for status in [RunStatus.finished, .failed, .diverged] {
            let claim = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: all, worker: "w"))
            try database.markRun(claim.run.id!, status: status, error: status == .failed ? "boom" : nil, worker: "w")
            let stored = try XCTUnwrap(database.run(id: claim.run.id!))
            XCTAssertEqual(stored.status, status)
            XCTAssertNotNil(stored.finishedAt)
        }
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, configHashes: all, worker: "w", staleAfter: 0,
                                               now: ResultsDatabase.unixNow() + 1e6))
        XCTAssertEqual(try database.runs(sweepId: sweep.id!, status: .failed).first?.error, "boom")
        XCTAssertEqual(try database.statusCounts(sweepId: sweep.id!), [.finished: 1, .failed: 1, .diverged: 1])
    }

    func testStaleRunningRunIsTakenOverAndTheOldWorkerIsRefused() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(1))
        let hashes: Set<String> = ["hash0"]
        let dead = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "dead", now: 1000))
        try database.recordEpoch(EpochRecord(runId: dead.run.id!, epoch: 1), checkpoint: Data([7]), worker: "dead", now: 1010)
        // Heartbeat at 1010: still fresh at 1060 with a 60 s limit, stale at 1071.
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "new", staleAfter: 60, now: 1060))
        let takeover = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "new", staleAfter: 60, now: 1071))
        XCTAssertEqual(takeover.run.id, dead.run.id)
        XCTAssertEqual(takeover.run.worker, "new")
        XCTAssertEqual(takeover.lastCompletedEpoch, 1)
        XCTAssertEqual(try database.loadCheckpoint(runId: dead.run.id!)?.state, Data([7]))
        // The old holder, if it was only slow, can no longer write for the run.
        XCTAssertThrowsError(try database.heartbeat(runId: dead.run.id!, worker: "dead")) { error in
            XCTAssertEqual(error as? ResultsStoreError, .runNotOwned(runId: dead.run.id!, worker: "dead", owner: "new"))
        }
        XCTAssertThrowsError(try database.recordEpoch(EpochRecord(runId: dead.run.id!, epoch: 2), checkpoint: Data(), worker: "dead"))
        XCTAssertThrowsError(try database.markRun(dead.run.id!, status: .finished, worker: "dead"))
        try database.heartbeat(runId: dead.run.id!, worker: "new", now: 2000)
        XCTAssertEqual(try database.run(id: dead.run.id!)?.heartbeatAt, 2000)
    }

    func testARunTheCallerStillHoldsIsNotClaimedHoweverStale() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(2))
        let hashes: Set<String> = ["hash0", "hash1"]
        let first = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "w:0", now: 1000))
        // Stale by any measure, but held by the caller (its last writes still queued): skipped.
        let next = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "w:0", staleAfter: 0,
                                                       now: 5000, excluding: [first.run.id!]))
        XCTAssertNotEqual(next.run.id, first.run.id)
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "w:0", staleAfter: 0,
                                               now: 6000, excluding: [first.run.id!, next.run.id!]))
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, preference: ["hash0", "hash1"], worker: "w:0", staleAfter: 0,
                                               now: 6000, excluding: [first.run.id!, next.run.id!]))
        // Without the exclusion the stale run is taken over, as before.
        XCTAssertEqual(try database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "v:0", staleAfter: 0,
                                                 now: 7000, excluding: [next.run.id!])?.run.id, first.run.id)
    }

    func testTwoThreadsClaimingNeverGetTheSameRun() throws {
        let (database, folder) = try makeDatabase()
        let sweep = try database.createOrGetSweep(description)
        let count = 40
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(count))
        let hashes = Set((0..<count).map { "hash\($0)" })
        // Each thread uses its own handle on the file, as separate processes would.
        let handles = [database, try ResultsDatabase.open(path: folder.path("results.db"))]
        let lock = NSLock()
        var claimedBy: [[Int64]] = [[], []]
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            do {
                while let claim = try handles[thread].claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: "t\(thread)") {
                    lock.lock(); claimedBy[thread].append(claim.run.id!); lock.unlock()
                    try handles[thread].markRun(claim.run.id!, status: .finished, worker: "t\(thread)")
                }
            } catch { errors.append(error) }
        }
        XCTAssertEqual(errors.all.map { "\($0)" }, [])
        let all = claimedBy[0] + claimedBy[1]
        XCTAssertEqual(all.count, count)
        XCTAssertEqual(Set(all).count, count, "a run was claimed twice")
        XCTAssertEqual(try database.runs(sweepId: sweep.id!, status: .finished).count, count)
    }

    // MARK: Epochs and checkpoints

    func testRecordEpochStoresEpochAndReplacesCheckpointAtomically() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(1))
        let claim = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash0"], worker: "w"))
        let runId = claim.run.id!
        XCTAssertNil(try database.loadCheckpoint(runId: runId))
        let first = EpochRecord(runId: runId, epoch: 1, trainLoss: 0.9, valLoss: 0.8, valMetric: 0.5,
                                gradNorm: 1.5, seconds: 0.25, tokensPerSecond: 1000)
        try database.recordEpoch(first, checkpoint: Data([1, 2, 3]), worker: "w", now: 5000)
        try database.recordEpoch(EpochRecord(runId: runId, epoch: 2, valLoss: 0.7), checkpoint: Data([4, 5]), worker: "w")
        XCTAssertEqual(try database.epochs(runId: runId).map(\.epoch), [1, 2])
        XCTAssertEqual(try database.epochs(runId: runId).first, first)
        XCTAssertEqual(try database.epochs(ofSweep: sweep.id!).map(\.epoch), [1, 2])
        XCTAssertEqual(try database.epochs(ofSweep: sweep.id! + 1), [])
        XCTAssertEqual(try database.loadCheckpoint(runId: runId), CheckpointRecord(runId: runId, epoch: 2, state: Data([4, 5])))
        XCTAssertEqual(try database.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints") }, 1)
    }

    func testCheckpointAboveSQLitesValueLimitIsRefusedAndWritesNothing() throws {
        // SQLite refuses to bind a value above SQLITE_LIMIT_LENGTH (and GRDB would abort on it):
        // the store checks first. The limit is lowered on the writer's connection to test it small.
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(1))
        let runId = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash0"], worker: "w")).run.id!
        try database.writer.writeWithoutTransaction { db in _ = sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, 10_000) }
        let most = 10_000 - ResultsDatabase.checkpointRowRoom
        XCTAssertThrowsError(try database.recordEpoch(EpochRecord(runId: runId, epoch: 1), checkpoint: Data(count: most + 1), worker: "w")) { error in
            XCTAssertEqual(error as? ResultsStoreError, .checkpointTooLarge(runId: runId, bytes: most + 1, limit: most))
            XCTAssertEqual("\(error)", "run \(runId): its checkpoint of \(most + 1) bytes is larger than SQLite stores in one row (at most \(most) bytes); "
                           + "nothing of this epoch was written: train a smaller model")
        }
        XCTAssertEqual(try database.epochs(runId: runId), [])
        XCTAssertNil(try database.loadCheckpoint(runId: runId))
        try database.recordEpoch(EpochRecord(runId: runId, epoch: 1), checkpoint: Data(count: most), worker: "w")
        XCTAssertEqual(try database.loadCheckpoint(runId: runId)?.state.count, most)
        XCTAssertEqual(try database.epochs(runId: runId).map(\.epoch), [1])
    }

    func testDuplicateEpochIsRefusedAndChangesNothing() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(1))
        let runId = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash0"], worker: "w")).run.id!
        try database.recordEpoch(EpochRecord(runId: runId, epoch: 1, valLoss: 0.5), checkpoint: Data([1]))
        XCTAssertThrowsError(try database.recordEpoch(EpochRecord(runId: runId, epoch: 1, valLoss: 0.1), checkpoint: Data([9]))) { error in
            XCTAssertEqual(error as? ResultsStoreError, .epochAlreadyRecorded(runId: runId, epoch: 1))
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertEqual(try database.epochs(runId: runId).map(\.valLoss), [0.5])
        XCTAssertEqual(try database.loadCheckpoint(runId: runId)?.state, Data([1]))
    }

    func testOperationsOnUnknownRunThrowRunNotFound() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        XCTAssertThrowsError(try database.recordEpoch(EpochRecord(runId: 42, epoch: 1), checkpoint: Data())) { error in
            XCTAssertEqual(error as? ResultsStoreError, .runNotFound(runId: 42))
        }
        XCTAssertThrowsError(try database.markRun(42, status: .finished)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .runNotFound(runId: 42))
        }
        XCTAssertThrowsError(try database.heartbeat(runId: 42, worker: "w"))
    }

    // MARK: Listings and the summary view

    func testRunProgressAndRunSummary() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        var accuracy = description
        accuracy.name = "reber"
        accuracy.metricName = "accuracy"
        accuracy.metricHigherIsBetter = true
        let sweep = try database.createOrGetSweep(accuracy)
        try database.insertPlan(sweepId: sweep.id!, runs: plannedRuns(2))
        let runId = try XCTUnwrap(database.claimNextRun(sweepId: sweep.id!, configHashes: ["hash0"], worker: "w")).run.id!
        let losses: [(Double, Double, Double)] = [(0.9, 0.6, 1.0), (0.5, 0.9, 3.0), (0.7, 0.8, 2.0)]
        for (index, (valLoss, metric, seconds)) in losses.enumerated() {
            try database.recordEpoch(EpochRecord(runId: runId, epoch: index + 1, valLoss: valLoss, valMetric: metric,
                                                 seconds: seconds), checkpoint: Data())
        }
        try database.setParamCount(runId: runId, paramCount: 777)
        XCTAssertEqual(try database.run(id: runId)?.paramCount, 777)

        let progress = try database.runProgress(sweepName: "reber")
        XCTAssertEqual(progress.map(\.epochsDone), [3, 0])
        XCTAssertEqual(progress.map(\.sweepName), ["reber", "reber"])
        XCTAssertEqual(progress[0].lastValLoss, 0.7)
        XCTAssertEqual(progress[0].run.status, .running)
        XCTAssertEqual(try database.runProgress(status: .pending).map(\.run.configHash), ["hash1"])
        XCTAssertThrowsError(try database.runProgress(sweepName: "nope")) { error in
            XCTAssertEqual(error as? ResultsStoreError, .sweepNotFound(name: "nope"))
        }

        let summary = try database.query("SELECT * FROM run_summary ORDER BY run_id")
        XCTAssertEqual(summary.rows.count, 2)
        let row = Dictionary(uniqueKeysWithValues: zip(summary.columns, summary.rows[0]))
        XCTAssertEqual(row["sweep"], .text("reber"))
        XCTAssertEqual(row["epochs"], .integer(3))
        XCTAssertEqual(row["best_val_loss"], .real(0.5))
        XCTAssertEqual(row["final_val_loss"], .real(0.7))
        XCTAssertEqual(row["best_val_metric"], .real(0.9))   // higher is better: MAX
        XCTAssertEqual(row["seconds_per_epoch"], .real(2.0))
        let empty = Dictionary(uniqueKeysWithValues: zip(summary.columns, summary.rows[1]))
        XCTAssertEqual(empty["epochs"], .integer(0))
        XCTAssertEqual(empty["best_val_loss"], .null)

        // Lower is better: the view takes MIN of the metric.
        try database.writer.write { db in
            try db.execute(sql: "UPDATE sweeps SET metric_higher_is_better = 0")
        }
        let lower = try database.query("SELECT best_val_metric FROM run_summary WHERE run_id = \(runId)")
        XCTAssertEqual(lower.rows, [[.real(0.6)]])
    }
}
