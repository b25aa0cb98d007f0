// Store operations of successive halving and failure control: the state a decision is
// computed from, the decision written once in the transaction that takes it, decisions
// copied into shard databases, and failed runs set up to run again.
import Foundation
import GRDB

/// A run as successive halving sees it.
public struct HalvingRunState: Sendable, Equatable {
    public var runId: Int64
    public var configHash: String
    public var status: RunStatus
    /// Recorded epochs in order: (epoch, val_loss, val_metric).
    public var epochs: [HalvingEpoch]

    public var epochsDone: Int { epochs.last?.epoch ?? 0 }

    public init(runId: Int64, configHash: String, status: RunStatus, epochs: [HalvingEpoch]) {
        self.runId = runId
        self.configHash = configHash
        self.status = status
        self.epochs = epochs
    }
}

public struct HalvingEpoch: Sendable, Equatable {
    public var epoch: Int
    public var valLoss: Double?
    public var valMetric: Double?

    public init(epoch: Int, valLoss: Double?, valMetric: Double?) {
        self.epoch = epoch
        self.valLoss = valLoss
        self.valMetric = valMetric
    }
}

/// Everything a halving decision depends on, read in one transaction.
public struct HalvingSnapshot: Sendable, Equatable {
    public var runs: [HalvingRunState]
    public var decisions: [HalvingDecisionRecord]

    public init(runs: [HalvingRunState], decisions: [HalvingDecisionRecord]) {
        self.runs = runs
        self.decisions = decisions
    }
}

/// A run to mark `pruned`, at which epoch and why.
public struct RunPruning: Sendable, Equatable {
    public var runId: Int64
    public var rung: Int
    public var stopEpoch: Int
    public var reason: String

    public init(runId: Int64, rung: Int, stopEpoch: Int, reason: String) {
        self.runId = runId
        self.rung = rung
        self.stopEpoch = stopEpoch
        self.reason = reason
    }
}

/// What one decision transaction writes.
public struct HalvingOutcome: Sendable, Equatable {
    public var decisions: [HalvingDecisionRecord]
    public var prunings: [RunPruning]

    public init(decisions: [HalvingDecisionRecord] = [], prunings: [RunPruning] = []) {
        self.decisions = decisions
        self.prunings = prunings
    }

    public var isEmpty: Bool { decisions.isEmpty && prunings.isEmpty }
}

extension ResultsDatabase {
    /// The halving state of a sweep (runs with their epochs' monitored values, decisions so far).
    public func halvingSnapshot(sweepId: Int64) throws -> HalvingSnapshot {
        try reader.read { db in try Self.halvingSnapshot(db, sweepId: sweepId) }
    }

    /// The decisions of a sweep, by rung, cohort and rank.
    public func halvingDecisions(sweepId: Int64) throws -> [HalvingDecisionRecord] {
        try reader.read { db in try Self.decisions(db, sweepId: sweepId) }
    }

    /// Decides in ONE IMMEDIATE transaction: reads the snapshot, asks `decide` what to write
    /// (a pure function of the snapshot), inserts its decisions and marks its runs pruned.
    /// Because the snapshot is read under the write lock, two processes deciding at once
    /// take turns and the second sees the first one's decisions (and decides nothing new).
    /// Inserting a decision that exists already is a programmer error (primary key).
    /// `checkRecorded` sees the sweep's recorded spec first, in the same transaction (the
    /// caller refuses to decide under a rule other than the recorded one). Returns what was written.
    @discardableResult
    public func decideHalving(sweepId: Int64, checkRecorded: ((_ specJSON: String) throws -> Void)? = nil,
                              _ decide: (HalvingSnapshot) throws -> HalvingOutcome) throws -> HalvingOutcome {
        try immediateWrite { db in
            try Self.checkRecordedSpec(db, sweepId: sweepId, checkRecorded)
            let outcome = try decide(try Self.halvingSnapshot(db, sweepId: sweepId))
            for decision in outcome.decisions { try decision.insert(db) }
            try Self.prune(db, outcome.prunings)
            return outcome
        }
    }

    /// Copies decisions (taken in another database: the merged one of a Slurm chain) into this
    /// one's sweep `sweepId` where they are missing, and prunes the given runs, in one
    /// transaction. A decision present with other numbers throws
    /// ``ResultsStoreError/halvingDecisionConflict(rung:configuration:)``; `checkRecorded`, as
    /// for ``decideHalving(sweepId:checkRecorded:_:)``, sees this sweep's recorded spec first.
    public func importHalvingDecisions(sweepId: Int64, _ decisions: [HalvingDecisionRecord],
                                       checkRecorded: ((_ specJSON: String) throws -> Void)? = nil,
                                       prune: (HalvingSnapshot) throws -> [RunPruning]) throws -> Int {
        try immediateWrite { db in
            try Self.checkRecordedSpec(db, sweepId: sweepId, checkRecorded)
            let existing = try Self.decisionsByKey(db, sweepId: sweepId)
            var added = 0
            for var decision in decisions {
                decision.sweepId = sweepId
                if let present = existing[decision.key] {
                    guard present.agrees(with: decision) else {
                        throw ResultsStoreError.halvingDecisionConflict(rung: decision.rung, configuration: decision.configuration)
                    }
                    continue
                }
                try decision.insert(db)
                added += 1
            }
            try Self.prune(db, try prune(try Self.halvingSnapshot(db, sweepId: sweepId)))
            return added
        }
    }

    /// Sets the failed runs among `configHashes` back to `interrupted` (error and finish time
    /// cleared), so the next claim continues each from its last checkpoint. Returns how many.
    @discardableResult
    public func retryFailedRuns(sweepId: Int64, configHashes: Set<String>) throws -> Int {
        try immediateWrite { db in
            var count = 0
            for var run in try RunRecord.filter(RunRecord.Columns.sweepId == sweepId && RunRecord.Columns.status == RunStatus.failed).fetchAll(db)
            where configHashes.contains(run.configHash) {
                run.status = .interrupted
                run.error = nil
                run.finishedAt = nil
                try run.update(db)
                count += 1
            }
            return count
        }
    }

    /// Like ``claimNextRun(sweepId:configHashes:worker:staleAfter:now:)``, but the candidates
    /// are taken in the order of `preference` (config hashes, most urgent first); runs not in
    /// it are not claimed, nor are those in `excluding`.
    public func claimNextRun(sweepId: Int64, preference: [String], worker: String,
                             staleAfter: TimeInterval = defaultStaleAfter, now: Double = unixNow(),
                             excluding: Set<Int64> = []) throws -> ClaimedRun? {
        let order = Dictionary(preference.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return try claimNextRun(sweepId: sweepId, configHashes: Set(preference), worker: worker, staleAfter: staleAfter,
                                now: now, excluding: excluding, rankedBy: { order[$0.configHash] ?? Int.max })
    }

    // MARK: - Helpers inside a transaction

    /// Gives `check` the sweep's recorded spec (the decisions are taken under its rule), in the
    /// transaction that then writes them: another process that registered another rule in the
    /// meantime is seen.
    static func checkRecordedSpec(_ db: Database, sweepId: Int64, _ check: ((String) throws -> Void)?) throws {
        guard let check else { return }
        guard let specJSON = try String.fetchOne(db, sql: "SELECT spec_json FROM sweeps WHERE id = ?", arguments: [sweepId]) else {
            throw ResultsStoreError.sweepNotFound(name: "#\(sweepId)")
        }
        try check(specJSON)
    }

    static func halvingSnapshot(_ db: Database, sweepId: Int64) throws -> HalvingSnapshot {
        let runs = try Self.runs(db, sweepId: sweepId, status: nil)
        var epochsByRun: [Int64: [HalvingEpoch]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT e.run_id, e.epoch, e.val_loss, e.val_metric FROM epochs e JOIN runs r ON r.id = e.run_id
             WHERE r.sweep_id = ? ORDER BY e.run_id, e.epoch
            """, arguments: [sweepId]) {
            epochsByRun[row["run_id"], default: []].append(HalvingEpoch(epoch: row["epoch"], valLoss: row["val_loss"],
                                                                         valMetric: row["val_metric"]))
        }
        return HalvingSnapshot(
            runs: runs.map { HalvingRunState(runId: $0.id!, configHash: $0.configHash, status: $0.status, epochs: epochsByRun[$0.id!] ?? []) },
            decisions: try decisions(db, sweepId: sweepId))
    }

    static func decisions(_ db: Database, sweepId: Int64) throws -> [HalvingDecisionRecord] {
        try HalvingDecisionRecord.fetchAll(db, sql: """
            SELECT * FROM halving_decisions WHERE sweep_id = ? ORDER BY rung, cohort, rank
            """, arguments: [sweepId])
    }

    /// The decisions of a sweep by (rung, configuration), the key a decision is taken once under.
    static func decisionsByKey(_ db: Database, sweepId: Int64) throws -> [HalvingDecisionRecord.Key: HalvingDecisionRecord] {
        Dictionary(try decisions(db, sweepId: sweepId).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Marks runs pruned (those not already ended: not in a terminal ``RunStatus``), with their
    /// stop epoch and reason.
    static func prune(_ db: Database, _ prunings: [RunPruning]) throws {
        let now = ResultsDatabase.timestamp()
        let ended = RunStatus.allCases.filter(\.isTerminal).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        for pruning in prunings {
            try db.execute(sql: """
                UPDATE runs SET status = ?, pruned_rung = ?, stop_epoch = ?, stop_reason = ?, finished_at = ?,
                                worker = NULL, heartbeat_at = NULL
                 WHERE id = ? AND status NOT IN (\(ended))
                """, arguments: [RunStatus.pruned, pruning.rung, pruning.stopEpoch, pruning.reason, now, pruning.runId])
        }
    }
}
