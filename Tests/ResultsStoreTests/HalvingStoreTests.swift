// Tests of the store side of pruning: the v3 migration from an older file, decisions
// written once in the deciding transaction, decisions imported into a shard, claims in
// preference order, and failed runs set up to run again.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class HalvingStoreTests: XCTestCase {
    let description = SweepDescription(name: "s", specJSON: "{}", task: "adding", metricName: "mse", metricHigherIsBetter: false)

    func planned(_ count: Int) -> [PlannedRun] {
        (0..<count).map { PlannedRun(planIndex: $0, configHash: "h\($0)", configJSON: "{}", task: "adding", cell: "gru",
                                     hidden: 4, lr: 0.1, seed: $0, epochsPlanned: 9) }
    }

    func decision(_ sweepId: Int64, rung: Int, configuration: String, rank: Int, kept: Bool, score: Double? = 1) -> HalvingDecisionRecord {
        HalvingDecisionRecord(sweepId: sweepId, rung: rung, epoch: rung, configuration: configuration, configurationJSON: "{}",
                              cohort: 1, cohortSize: 2, score: score, rank: rank, kept: kept, seeds: 1, decidedAt: "t")
    }

    func testMigrationFromTheVersion2SchemaKeepsEveryRowAndAllowsPruned() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("old.db")
        // A database as the previous release left it: schema v2 with a run, its epochs and checkpoint.
        let old = try DatabaseQueue(path: path)
        try ResultsDatabase.migrator.migrate(old, upTo: "v2-epoch-details")
        try old.write { db in
            try db.execute(sql: """
                INSERT INTO sweeps(id, name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES (1, 's', '{}', 'now', 'adding', 'mse', 0);
                INSERT INTO runs(id, sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, status, epochs_planned)
                    VALUES (7, 1, 0, 'h', '{}', 'adding', 'gru', 8, 0.1, 1, 'interrupted', 3);
                INSERT INTO epochs(run_id, epoch, val_loss) VALUES (7, 1, 0.5), (7, 2, 0.25);
                INSERT INTO checkpoints(run_id, epoch, state) VALUES (7, 2, x'00');
                """)
        }
        try old.close()

        let database = try ResultsDatabase.open(path: path)
        try database.writer.write { db in
            XCTAssertEqual(try ResultsDatabase.migrator.completedMigrations(db), ResultsDatabase.migrationIdentifiers)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM epochs WHERE run_id = 7"), 2)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT epochs FROM run_summary WHERE run_id = 7"), 2)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = 7"), "interrupted")
            XCTAssertEqual(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count, 0)
            XCTAssertTrue(try db.indexes(on: "runs").contains { $0.columns == ["sweep_id", "status"] })
            try db.execute(sql: "UPDATE runs SET status = 'pruned', stop_epoch = 2, stop_reason = 'r' WHERE id = 7")
            XCTAssertThrowsError(try db.execute(sql: "UPDATE runs SET status = 'sleeping' WHERE id = 7"))
            // The foreign keys still cascade from the rebuilt table.
            try db.execute(sql: "DELETE FROM sweeps WHERE id = 1")
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM epochs"), 0)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoints"), 0)
        }
    }

    func testADecisionIsWrittenOnceAndPrunesItsRuns() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        let runs = try database.insertPlan(sweepId: sweep.id!, runs: planned(2))
        try database.recordEpoch(EpochRecord(runId: runs[0].id!, epoch: 1, valLoss: 0.5), checkpoint: Data([1]))
        var seen: [HalvingSnapshot] = []
        let decide = { (snapshot: HalvingSnapshot) -> HalvingOutcome in
            seen.append(snapshot)
            guard snapshot.decisions.isEmpty else { return HalvingOutcome() }
            return HalvingOutcome(decisions: [self.decision(sweep.id!, rung: 1, configuration: "a", rank: 1, kept: true),
                                              self.decision(sweep.id!, rung: 1, configuration: "b", rank: 2, kept: false)],
                                  prunings: [RunPruning(runId: runs[1].id!, rung: 1, stopEpoch: 1, reason: "pruned at rung 1")])
        }
        XCTAssertEqual(try database.decideHalving(sweepId: sweep.id!, decide).decisions.count, 2)
        XCTAssertTrue(try database.decideHalving(sweepId: sweep.id!, decide).isEmpty)
        XCTAssertEqual(seen.count, 2)
        XCTAssertEqual(seen[0].runs.map(\.epochsDone), [1, 0])
        XCTAssertEqual(seen[0].runs[0].epochs, [HalvingEpoch(epoch: 1, valLoss: 0.5, valMetric: nil)])
        XCTAssertEqual(seen[1].decisions.map(\.configuration), ["a", "b"])
        let pruned = try XCTUnwrap(try database.run(id: runs[1].id!))
        XCTAssertEqual(pruned.status, .pruned)
        XCTAssertEqual(pruned.stopEpoch, 1)
        XCTAssertEqual(pruned.prunedRung, 1)
        XCTAssertEqual(pruned.stopReason, "pruned at rung 1")
        XCTAssertNotNil(pruned.finishedAt)
        XCTAssertTrue(RunStatus.pruned.isTerminal)
        // A pruned run is never claimed.
        try database.markRun(runs[0].id!, status: .finished)
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, configHashes: ["h0", "h1"], worker: "w"))
    }

    func testImportedDecisionsAreAddedOnceAndAConflictingOneIsRefused() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        let runs = try database.insertPlan(sweepId: sweep.id!, runs: planned(1))
        let decisions = [decision(99, rung: 1, configuration: "a", rank: 1, kept: false)]
        let prune = { (snapshot: HalvingSnapshot) in
            snapshot.runs.filter { !$0.status.isTerminal }.map { RunPruning(runId: $0.runId, rung: 1, stopEpoch: 0, reason: "pruned") }
        }
        XCTAssertEqual(try database.importHalvingDecisions(sweepId: sweep.id!, decisions, prune: prune), 1)
        XCTAssertEqual(try database.importHalvingDecisions(sweepId: sweep.id!, decisions, prune: prune), 0)
        XCTAssertEqual(try database.halvingDecisions(sweepId: sweep.id!).map(\.sweepId), [sweep.id!])
        XCTAssertEqual(try database.run(id: runs[0].id!)?.status, .pruned)
        var other = decisions[0]
        other.score = 2
        XCTAssertThrowsError(try database.importHalvingDecisions(sweepId: sweep.id!, [other], prune: prune)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .halvingDecisionConflict(rung: 1, configuration: "a"))
        }
    }

    func testClaimFollowsThePreferenceOrder() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        try database.insertPlan(sweepId: sweep.id!, runs: planned(3))
        XCTAssertEqual(try database.claimNextRun(sweepId: sweep.id!, preference: ["h2", "h0"], worker: "w")?.run.configHash, "h2")
        XCTAssertEqual(try database.claimNextRun(sweepId: sweep.id!, preference: ["h2", "h0"], worker: "w")?.run.configHash, "h0")
        XCTAssertNil(try database.claimNextRun(sweepId: sweep.id!, preference: ["h2", "h0"], worker: "w"))
    }

    func testRetryFailedRunsResumesThemFromTheirLastEpoch() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let sweep = try database.createOrGetSweep(description)
        let runs = try database.insertPlan(sweepId: sweep.id!, runs: planned(2))
        try database.recordEpoch(EpochRecord(runId: runs[0].id!, epoch: 1, valLoss: 0.5), checkpoint: Data([1]))
        try database.markRun(runs[0].id!, status: .failed, error: "disk")
        try database.markRun(runs[1].id!, status: .failed, error: "disk")
        XCTAssertEqual(try database.retryFailedRuns(sweepId: sweep.id!, configHashes: ["h0"]), 1)
        let retried = try XCTUnwrap(try database.run(id: runs[0].id!))
        XCTAssertEqual(retried.status, .interrupted)
        XCTAssertNil(retried.error)
        XCTAssertNil(retried.finishedAt)
        XCTAssertEqual(try database.run(id: runs[1].id!)?.status, .failed)
        XCTAssertEqual(try database.claimNextRun(sweepId: sweep.id!, configHashes: ["h0", "h1"], worker: "w")?.lastCompletedEpoch, 1)
    }
}

final class HalvingMergeTests: XCTestCase {
    let description = SweepDescription(name: "s", specJSON: "{}", task: "adding", metricName: "mse", metricHigherIsBetter: false)

    /// A shard with one pruned run and the decision that pruned it (with `score`).
    func shard(_ folder: TemporaryFolder, _ name: String, score: Double) throws -> String {
        let path = folder.path(name)
        let database = try ResultsDatabase.open(path: path)
        let sweep = try database.createOrGetSweep(description)
        let runs = try database.insertPlan(sweepId: sweep.id!, runs: [
            PlannedRun(planIndex: 0, configHash: "h0", configJSON: "{}", task: "adding", cell: "gru", hidden: 4, lr: 0.1, seed: 1, epochsPlanned: 9),
        ])
        try database.recordEpoch(EpochRecord(runId: runs[0].id!, epoch: 1, valLoss: score), checkpoint: Data([1]))
        try database.decideHalving(sweepId: sweep.id!) { _ in
            HalvingOutcome(decisions: [HalvingDecisionRecord(sweepId: sweep.id!, rung: 1, epoch: 1, configuration: "c", configurationJSON: "{}",
                                                             cohort: 1, cohortSize: 2, score: score, rank: 2, kept: false, seeds: 1,
                                                             decidedAt: "t-\(name)")],
                           prunings: [RunPruning(runId: runs[0].id!, rung: 1, stopEpoch: 1, reason: "pruned at rung 1")])
        }
        try database.close()
        return path
    }

    func testDecisionsAndPrunedRunsMergeOnceAndADisagreeingDecisionIsAConflict() throws {
        let folder = try TemporaryFolder()
        let a = try shard(folder, "a.db", score: 0.5), same = try shard(folder, "same.db", score: 0.5)
        let output = folder.path("out.db")
        let first = try ResultsDatabase.merge(inputPaths: [a, same], into: output, includeCheckpoints: false)
        XCTAssertEqual(first.conflicts, [])
        XCTAssertEqual(first.inputs.map(\.decisionsAdded), [1, 0])
        let merged = try ResultsDatabase.openReadOnly(path: output)
        let sweep = try XCTUnwrap(try merged.sweep(named: "s"))
        XCTAssertEqual(try merged.halvingDecisions(sweepId: sweep.id!).map(\.decidedAt), ["t-a.db"])
        let run = try XCTUnwrap(try merged.runs(sweepId: sweep.id!).first)
        XCTAssertEqual(run.status, .pruned)
        XCTAssertEqual(run.prunedRung, 1)
        XCTAssertEqual(run.stopReason, "pruned at rung 1")
        try merged.close()
        // Idempotent; a shard whose decision says otherwise is a conflict and changes nothing.
        XCTAssertEqual(try ResultsDatabase.merge(inputPaths: [a], into: output, includeCheckpoints: false).inputs[0].decisionsAdded, 0)
        let other = try shard(folder, "other.db", score: 0.25)
        let report = try ResultsDatabase.merge(inputPaths: [other], into: output, includeCheckpoints: false)
        XCTAssertEqual(report.conflicts.filter { $0.field == "halving_decisions" }.count, 1)
        let line = report.conflicts.first { $0.field == "halving_decisions" }!.description
        XCTAssertTrue(line.contains("halving decision at rung 1, configuration c") && line.contains("this input's decision was not merged"), line)
    }
}
