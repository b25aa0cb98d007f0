// Run operations of the results database, as the scheduler uses them: write the plan,
// claim runs across threads and processes, heartbeat, record epochs with checkpoints, set status.
import Foundation
import GRDB
import GRDBSQLite

/// One run of a plan, before it is in the database.
public struct PlannedRun: Sendable, Equatable {
    public var planIndex: Int
    public var configHash: String
    public var configJSON: String
    public var task: String
    public var cell: String
    public var hidden: Int
    public var lr: Double
    public var seed: Int
    public var epochsPlanned: Int
    public var paramCount: Int?

    public init(planIndex: Int, configHash: String, configJSON: String, task: String, cell: String,
                hidden: Int, lr: Double, seed: Int, epochsPlanned: Int, paramCount: Int? = nil) {
        self.planIndex = planIndex
        self.configHash = configHash
        self.configJSON = configJSON
        self.task = task
        self.cell = cell
        self.hidden = hidden
        self.lr = lr
        self.seed = seed
        self.epochsPlanned = epochsPlanned
        self.paramCount = paramCount
    }
}

/// A run a worker now holds, and where to continue it.
public struct ClaimedRun: Sendable, Equatable {
    /// The run as it is after the claim (status running, worker and heartbeat set).
    public var run: RunRecord
    /// The last epoch recorded for the run (0 when none): training resumes at the next one.
    public var lastCompletedEpoch: Int
}

/// A run with its sweep's name and how far it got, for listings (`runner runs`).
public struct RunProgress: Sendable, Equatable {
    public var run: RunRecord
    public var sweepName: String
    /// Number of epochs recorded.
    public var epochsDone: Int
    /// Validation loss of the last recorded epoch.
    public var lastValLoss: Double?
}

extension ResultsDatabase {
    /// Seconds without a heartbeat after which a `running` run is considered abandoned by a
    /// dead process and may be claimed by another worker.
    public static let defaultStaleAfter: TimeInterval = 60

    /// Current time in unix seconds, the unit of `runs.heartbeat_at`.
    public static func unixNow() -> Double { Date().timeIntervalSince1970 }

    // MARK: - Plan

    /// Writes the plan of a sweep in one transaction. Idempotent by (sweep, config hash): a
    /// run already present keeps its status, epochs and checkpoint (finished runs stay
    /// finished); only its plan index follows the new plan, and a missing parameter count
    /// is filled in. Returns the plan's runs, in plan order.
    @discardableResult
    public func insertPlan(sweepId: Int64, runs planned: [PlannedRun]) throws -> [RunRecord] {
        try immediateWrite { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed,
                                 status, param_count, epochs_planned)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                ON CONFLICT(sweep_id, config_hash) DO UPDATE SET
                    plan_index = excluded.plan_index,
                    param_count = COALESCE(runs.param_count, excluded.param_count)
                """)
            for run in planned {
                try statement.execute(arguments: [
                    sweepId, run.planIndex, run.configHash, run.configJSON, run.task, run.cell, run.hidden,
                    run.lr, run.seed, run.paramCount, run.epochsPlanned,
                ])
            }
            let hashes = Set(planned.map(\.configHash))
            return try RunRecord
                .filter(RunRecord.Columns.sweepId == sweepId)
                .order(RunRecord.Columns.planIndex, RunRecord.Columns.id)
                .fetchAll(db)
                .filter { hashes.contains($0.configHash) }
        }
    }

    // MARK: - Claims

    /// Claims the next run of a sweep for `worker`, in one IMMEDIATE transaction, so that no
    /// two threads or processes ever get the same run.
    ///
    /// Only runs whose config hash is in `configHashes` (the current plan, or a shard of it)
    /// are considered, lowest plan index first. A run is claimable when it is `pending` or
    /// `interrupted`, or `running` with a heartbeat older than `staleAfter` seconds (its
    /// process died). The claimed run becomes `running` with `worker`, `heartbeat_at = now`,
    /// `started_at` set if it was null, and `error`/`finished_at` cleared.
    /// Runs in `excluding` (the ones the calling process still holds: training, or with
    /// results still being written) are never claimed, however stale their heartbeat looks.
    /// Returns nil when nothing is left to claim.
    public func claimNextRun(sweepId: Int64, configHashes: Set<String>, worker: String,
                             staleAfter: TimeInterval = defaultStaleAfter,
                             now: Double = unixNow(), excluding: Set<Int64> = []) throws -> ClaimedRun? {
        try claimNextRun(sweepId: sweepId, configHashes: configHashes, worker: worker, staleAfter: staleAfter,
                         now: now, excluding: excluding, rankedBy: nil)
    }

    /// The claim, with candidates ordered by `rankedBy` (lowest first, then plan order) when given.
    func claimNextRun(sweepId: Int64, configHashes: Set<String>, worker: String, staleAfter: TimeInterval,
                      now: Double, excluding: Set<Int64>, rankedBy rank: ((RunRecord) -> Int)?) throws -> ClaimedRun? {
        try immediateWrite { db in
            let candidates = try RunRecord.fetchAll(db, sql: """
                SELECT * FROM runs
                 WHERE sweep_id = ?
                   AND (status IN ('pending', 'interrupted')
                        OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?)))
                 ORDER BY plan_index, id
                """, arguments: [sweepId, now - staleAfter])
            let eligible = candidates.filter { configHashes.contains($0.configHash) && !excluding.contains($0.id!) }
            let first = rank.map { rank in eligible.enumerated().min { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }?.element }
                ?? eligible.first
            guard var run = first else { return nil }
            run.status = .running
            run.worker = worker
            run.heartbeatAt = now
            if run.startedAt == nil { run.startedAt = ResultsDatabase.timestamp(Date(timeIntervalSince1970: now)) }
            run.error = nil
            run.finishedAt = nil
            try run.update(db)
            let lastEpoch = try Int.fetchOne(db, sql: "SELECT MAX(epoch) FROM epochs WHERE run_id = ?",
                                             arguments: [run.id!]) ?? 0
            return ClaimedRun(run: run, lastCompletedEpoch: lastEpoch)
        }
    }

    /// Records that `worker` still works on the run. Throws ``ResultsStoreError/runNotOwned(runId:worker:owner:)``
    /// when the run is no longer running under this worker (another process took it over).
    public func heartbeat(runId: Int64, worker: String, now: Double = unixNow()) throws {
        try immediateWrite { db in
            let run = try requireRun(db, runId)
            guard run.status == .running, run.worker == worker else {
                throw ResultsStoreError.runNotOwned(runId: runId, worker: worker, owner: run.status == .running ? run.worker : nil)
            }
            try db.execute(sql: "UPDATE runs SET heartbeat_at = ? WHERE id = ?", arguments: [now, runId])
        }
    }

    // MARK: - Epochs and checkpoints

    /// Records one completed epoch and replaces the run's checkpoint, in ONE transaction:
    /// after a crash at any moment, the checkpoint's epoch is the last recorded epoch.
    ///
    /// Throws ``ResultsStoreError/epochAlreadyRecorded(runId:epoch:)`` when the run has this
    /// epoch already (nothing is written), ``ResultsStoreError/runNotFound(runId:)`` for an
    /// unknown run, and, when `worker` is given, ``ResultsStoreError/runNotOwned(runId:worker:owner:)``
    /// if the run is no longer running under that worker. Also refreshes the heartbeat.
    public func recordEpoch(_ epoch: EpochRecord, checkpoint state: Data, worker: String? = nil,
                            now: Double = unixNow()) throws {
        try immediateWrite { db in
            // Binding a blob over SQLite's limit would abort the process (GRDB treats a failed bind
            // as a bug); the limit is on the whole row, so leave room for its other columns.
            let limit = Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, -1)) - ResultsDatabase.checkpointRowRoom
            if state.count > limit { throw ResultsStoreError.checkpointTooLarge(runId: epoch.runId, bytes: state.count, limit: limit) }
            let run = try requireRun(db, epoch.runId)
            if let worker, run.status != .running || run.worker != worker {
                throw ResultsStoreError.runNotOwned(runId: epoch.runId, worker: worker,
                                                    owner: run.status == .running ? run.worker : nil)
            }
            if try EpochRecord.exists(db, key: ["run_id": epoch.runId, "epoch": epoch.epoch]) {
                throw ResultsStoreError.epochAlreadyRecorded(runId: epoch.runId, epoch: epoch.epoch)
            }
            try epoch.insert(db)
            try CheckpointRecord(runId: epoch.runId, epoch: epoch.epoch, state: state).upsert(db)
            try db.execute(sql: "UPDATE runs SET heartbeat_at = ? WHERE id = ?", arguments: [now, epoch.runId])
        }
    }

    /// Bytes of a `checkpoints` row besides its state: SQLITE_LIMIT_LENGTH bounds the whole row.
    static let checkpointRowRoom = 4096

    /// The latest checkpoint of a run, or nil if it has none.
    public func loadCheckpoint(runId: Int64) throws -> CheckpointRecord? {
        try reader.read { db in try CheckpointRecord.fetchOne(db, key: runId) }
    }

    /// The recorded epochs of a run, in order.
    public func epochs(runId: Int64) throws -> [EpochRecord] {
        try reader.read { db in
            try EpochRecord.filter(EpochRecord.Columns.runId == runId).order(EpochRecord.Columns.epoch).fetchAll(db)
        }
    }

    /// All recorded epochs of a sweep's runs in one query, ordered by run id then epoch
    /// (for reports over many runs).
    public func epochs(ofSweep sweepId: Int64) throws -> [EpochRecord] {
        try reader.read { db in try Self.epochs(db, ofSweep: sweepId) }
    }

    static func epochs(_ db: Database, ofSweep sweepId: Int64) throws -> [EpochRecord] {
        try EpochRecord.fetchAll(db, sql: """
            SELECT e.* FROM epochs e JOIN runs r ON r.id = e.run_id
             WHERE r.sweep_id = ? ORDER BY e.run_id, e.epoch
            """, arguments: [sweepId])
    }

    // MARK: - Status

    /// Sets a run's status, with an error text for `failed` (or a note for `diverged`).
    /// `finished_at` is set for finished, failed and diverged, cleared otherwise. When `worker`
    /// is given, the run must still be held by it (``ResultsStoreError/runNotOwned(runId:worker:owner:)``).
    /// `stopEpoch` and `stopReason` record where and why a run ended before its planned
    /// epochs (early stopping); they are cleared when not given.
    public func markRun(_ runId: Int64, status: RunStatus, error: String? = nil, worker: String? = nil,
                        stopEpoch: Int? = nil, stopReason: String? = nil, now: Date = Date()) throws {
        try immediateWrite { db in
            var run = try requireRun(db, runId)
            if let worker, run.status != .running || run.worker != worker {
                throw ResultsStoreError.runNotOwned(runId: runId, worker: worker,
                                                    owner: run.status == .running ? run.worker : nil)
            }
            run.status = status
            run.error = error
            run.stopEpoch = stopEpoch
            run.stopReason = stopReason
            run.finishedAt = status.isTerminal ? ResultsDatabase.timestamp(now) : nil
            try run.update(db)
        }
    }

    /// Stores a run's parameter count (known once its model is built).
    public func setParamCount(runId: Int64, paramCount: Int) throws {
        try immediateWrite { db in
            _ = try requireRun(db, runId)
            try db.execute(sql: "UPDATE runs SET param_count = ? WHERE id = ?", arguments: [paramCount, runId])
        }
    }

    // MARK: - Listings

    /// One run by id, or nil.
    public func run(id: Int64) throws -> RunRecord? {
        try reader.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    /// The runs of a sweep in plan order, optionally only those with `status`.
    public func runs(sweepId: Int64, status: RunStatus? = nil) throws -> [RunRecord] {
        try reader.read { db in try Self.runs(db, sweepId: sweepId, status: status) }
    }

    static func runs(_ db: Database, sweepId: Int64, status: RunStatus?) throws -> [RunRecord] {
        var request = RunRecord.filter(RunRecord.Columns.sweepId == sweepId)
        if let status { request = request.filter(RunRecord.Columns.status == status) }
        return try request.order(RunRecord.Columns.planIndex, RunRecord.Columns.id).fetchAll(db)
    }

    /// How many runs of a sweep are in each status (statuses with no run are absent).
    static func statusCounts(_ db: Database, sweepId: Int64) throws -> [RunStatus: Int] {
        var counts: [RunStatus: Int] = [:]
        let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM runs WHERE sweep_id = ? GROUP BY status",
                                    arguments: [sweepId])
        for row in rows {
            if let status = RunStatus(rawValue: row["status"]) { counts[status] = row["n"] }
        }
        return counts
    }

    /// Recorded epochs of each run of a sweep, by config hash (runs without epochs are absent),
    /// in one query.
    public func epochCounts(sweepId: Int64) throws -> [String: Int] {
        try reader.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.config_hash AS hash, COUNT(*) AS n FROM epochs e JOIN runs r ON r.id = e.run_id
                 WHERE r.sweep_id = ? GROUP BY r.config_hash
                """, arguments: [sweepId]) {
                counts[row["hash"]] = row["n"]
            }
            return counts
        }
    }

    /// Runs with their sweep name and epochs done, sweep by sweep (oldest first) and in plan
    /// order, optionally only one sweep (by name) and/or one status. Throws
    /// ``ResultsStoreError/sweepNotFound(name:)`` for an unknown sweep name.
    public func runProgress(sweepName: String? = nil, status: RunStatus? = nil) throws -> [RunProgress] {
        try reader.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let sweepName {
                guard try SweepRecord.filter(SweepRecord.Columns.name == sweepName).fetchOne(db) != nil else {
                    throw ResultsStoreError.sweepNotFound(name: sweepName)
                }
                conditions.append("s.name = ?")
                _ = arguments.append(contentsOf: [sweepName])
            }
            if let status {
                conditions.append("r.status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.*, s.name AS sweep_name,
                       (SELECT COUNT(*) FROM epochs e WHERE e.run_id = r.id) AS epochs_done,
                       (SELECT e.val_loss FROM epochs e WHERE e.run_id = r.id ORDER BY e.epoch DESC LIMIT 1) AS last_val_loss
                  FROM runs r JOIN sweeps s ON s.id = r.sweep_id
                  \(whereClause)
                 ORDER BY s.created_at, s.id, r.plan_index, r.id
                """, arguments: arguments)
            return try rows.map { row in
                RunProgress(run: try RunRecord(row: row), sweepName: row["sweep_name"],
                            epochsDone: row["epochs_done"], lastValLoss: row["last_val_loss"])
            }
        }
    }

    private func requireRun(_ db: Database, _ runId: Int64) throws -> RunRecord {
        guard let run = try RunRecord.fetchOne(db, key: runId) else { throw ResultsStoreError.runNotFound(runId: runId) }
        return run
    }
}
