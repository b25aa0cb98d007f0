// Merging results databases (`runner merge`): the shards of a sweep run on several machines
// (each with its own SQLite file) combined into one database, as if the sweep had run in one place.
import Foundation
import GRDB

/// A disagreement between the output and an input that the merge did not resolve: the value
/// already in the output is kept. Prints as one line.
public struct MergeConflict: Sendable, Equatable, CustomStringConvertible {
    /// The run a conflict is about, as a user recognises it.
    public struct RunIdentity: Sendable, Equatable {
        public var configHash: String
        public var cell: String
        public var hidden: Int
        public var lr: Double
        public var seed: Int
    }

    public var sweep: String
    /// Nil for a conflict about the sweep itself (task or metric).
    public var run: RunIdentity?
    /// The first epoch whose numbers differ, nil for a status or sweep conflict.
    public var epoch: Int?
    /// The column (`val_loss`, `status`, `task`, ...) or `epochs` (the number of epochs).
    public var field: String
    /// The value already in the output (kept) and the input's value (not merged).
    public var keptValue: String
    public var inputValue: String
    /// The input file whose value was refused.
    public var inputPath: String
    /// For a conflict about a halving decision: "rung R, configuration C".
    public var decision: String? = nil

    public var description: String {
        var location = "sweep \(sweep)"
        if let run {
            location += String(format: ", run %@ (%@ hidden=%d lr=%@ seed=%d)", String(run.configHash.prefix(12)),
                             run.cell, run.hidden, "\(run.lr)", run.seed)
        }
        if let epoch { location += ", epoch \(epoch)" }
        if let decision { location += ", halving decision at \(decision)" }
        return "conflict: \(location), \(field): \(keptValue) already merged, \(inputValue) in \(inputPath); kept the merged value, "
            + (decision != nil ? "this input's decision was not merged"
               : run == nil ? "this input's runs of the sweep were not merged" : "this input's copy of the run was not merged")
    }
}

/// What merging one input did.
public struct MergeInputSummary: Sendable, Equatable {
    public var path: String
    /// Names of the input's sweeps.
    public var sweeps: [String] = []
    /// Runs in the input, and how many of them are not finished, diverged or failed.
    public var runs = 0
    public var unfinishedRuns = 0
    /// The input's unfinished runs by status (pending, running, interrupted).
    public var unfinishedByStatus: [RunStatus: Int] = [:]
    /// Runs new to the output, and runs already there that this input brought further.
    public var runsAdded = 0
    public var runsAdvanced = 0
    public var epochsAdded = 0
    public var checkpointsCopied = 0
    /// Halving decisions new to the output.
    public var decisionsAdded = 0
    public var conflicts = 0

    public init(path: String) { self.path = path }
}

/// The outcome of ``ResultsDatabase/merge(inputPaths:into:includeCheckpoints:)``.
public struct MergeReport: Sendable, Equatable {
    public var inputs: [MergeInputSummary] = []
    public var conflicts: [MergeConflict] = []
    /// Remarks that are not conflicts (a sweep's spec text differs between inputs).
    public var notes: [String] = []
    /// For each merged sweep, its run counts by status in the output after the merge.
    public var outputCounts: [String: [RunStatus: Int]] = [:]
}

extension ResultsDatabase {
    /// Merges the results databases at `inputPaths` into the one at `outputPath` (created if
    /// needed), in ONE transaction on the output; the inputs are opened read-only.
    ///
    /// - Sweeps are matched by name. A new sweep is copied; for one already in the output the
    ///   earliest `created_at` is kept. A different task, metric name or metric direction is a
    ///   conflict, and that input's runs of the sweep are not merged. A different spec text is
    ///   only noted (a spec may grow between shards).
    /// - Runs are matched by (sweep name, config hash); epochs by epoch number. A run's epochs
    ///   present on both sides must agree bit for bit in `train_loss`, `val_loss`, `val_metric`,
    ///   `grad_norm`, `test_loss`, `test_metric`, and `lr` where both recorded it (timings may
    ///   differ and are not compared; the output's are kept).
    ///   Otherwise the run is a conflict: reported, and the input's copy is not merged.
    /// - A consistent run keeps the most advanced state: epochs are the union of both sides;
    ///   status, times, error and parameter count come from the side that got further, where
    ///   an ended run (finished, diverged, failed) is further than an unfinished one if it has
    ///   at least as many epochs, and between two unfinished runs the one with more epochs is
    ///   further (ties keep the output). Two ended runs with different statuses or epoch counts,
    ///   or an ended run with fewer epochs than an unfinished copy, are conflicts.
    /// - A run `running` in an input (its process is gone: it is a file copied from a shard)
    ///   arrives as `interrupted`, without worker or heartbeat.
    /// - Checkpoints are copied only with `includeCheckpoints`: the one with the later epoch
    ///   wins. Without them, the merged database can be reported on and queried, not resumed.
    ///
    /// Merging is idempotent: an input merged twice adds nothing the second time. Conflicts
    /// do not stop the merge: everything else is merged and the conflicts are returned.
    /// Throws (and writes nothing) for an input that is missing, not a results database or
    /// the output itself, and for an output that cannot be opened.
    public static func merge(inputPaths: [String], into outputPath: String,
                             includeCheckpoints: Bool) throws -> MergeReport {
        let outputIdentity = fileIdentity(outputPath)
        var inputs: [ResultsDatabase] = []
        for path in inputPaths {
            if let outputIdentity, fileIdentity(path) == outputIdentity {
                throw ResultsStoreError.mergeInputIsOutput(path: path)
            }
            let input: ResultsDatabase
            do { input = try ResultsDatabase.openReadOnly(path: path) } catch ResultsStoreError.databaseNotFound {
                throw ResultsStoreError.cannotOpen(path: path, reason: "no such file (an input of the merge); nothing was merged")
            }
            try input.requireResultsSchema()
            inputs.append(input)
        }
        let output = try ResultsDatabase.open(path: outputPath)
        defer {
            for input in inputs { try? input.close() }
            try? output.close()     // the merged file alone holds everything
        }
        return try output.immediateWrite { db in
            var report = MergeReport()
            for input in inputs {
                do {
                    report.inputs.append(try output.merge(input, into: db, includeCheckpoints: includeCheckpoints, report: &report))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
                    // Name the input that cannot be read (the output's transaction rolls back).
                    throw ResultsStoreError.cannotOpen(path: input.path, reason: "it is damaged (SQLite: \(error.message ?? "\(error.resultCode)")); "
                                                       + "it was left untouched and nothing was merged")
                }
            }
            var touched = Set<String>()
            for input in report.inputs { touched.formUnion(input.sweeps) }
            for name in touched.sorted() {
                // Sweep names are unique in the output.
                let sweep = try SweepRecord.filter(SweepRecord.Columns.name == name).fetchOne(db)
                report.outputCounts[name] = try sweep.map { try Self.statusCounts(db, sweepId: $0.id!) } ?? [:]
            }
            return report
        }
    }

    /// Device and inode of a file, to recognise the output among the inputs whatever the spelling of its path.
    private static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// Throws ``ResultsStoreError/notAResultsDatabase(path:missing:)`` unless the file has the
    /// tables of this schema (another program's SQLite file, an empty file).
    public func requireResultsSchema() throws {
        let tables = try reader.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"))
        }
        let missing = ["sweeps", "runs", "epochs", "checkpoints"].filter { !tables.contains($0) }
        if !missing.isEmpty { throw ResultsStoreError.notAResultsDatabase(path: path, missing: missing) }
    }

    private func merge(_ input: ResultsDatabase, into db: Database, includeCheckpoints: Bool,
                       report: inout MergeReport) throws -> MergeInputSummary {
        var summary = MergeInputSummary(path: input.path)
        for incomingSweep in try input.sweeps() {
            summary.sweeps.append(incomingSweep.name)
            let incomingRuns = try input.runs(sweepId: incomingSweep.id!)
            summary.runs += incomingRuns.count
            for run in incomingRuns where !run.status.isTerminal {
                summary.unfinishedRuns += 1
                summary.unfinishedByStatus[run.status, default: 0] += 1
            }

            // The sweep row.
            let sweepId: Int64
            if var existing = try SweepRecord.filter(SweepRecord.Columns.name == incomingSweep.name).fetchOne(db) {
                let differences: [(String, String, String)] = [
                    ("task", existing.task, incomingSweep.task),
                    ("metric_name", existing.metricName, incomingSweep.metricName),
                    ("metric_higher_is_better", "\(existing.metricHigherIsBetter)", "\(incomingSweep.metricHigherIsBetter)"),
                ].filter { $0.1 != $0.2 }
                if let (field, kept, refused) = differences.first {
                    report.conflicts.append(MergeConflict(sweep: existing.name, run: nil, epoch: nil, field: field,
                                                          keptValue: kept, inputValue: refused, inputPath: input.path))
                    summary.conflicts += 1
                    continue
                }
                if existing.specJSON != incomingSweep.specJSON {
                    report.notes.append("sweep \(existing.name): the spec in \(input.path) differs from the one already merged; kept the latter")
                }
                if incomingSweep.createdAt < existing.createdAt {
                    existing.createdAt = incomingSweep.createdAt
                    try existing.update(db)
                }
                sweepId = existing.id!
            } else {
                var copy = incomingSweep
                copy.id = nil
                try copy.insert(db)
                sweepId = copy.id!
            }

            // Its runs.
            let incomingEpochs = Dictionary(grouping: try input.epochs(ofSweep: incomingSweep.id!), by: \.runId)
            let existingRuns = Dictionary(
                try RunRecord.filter(RunRecord.Columns.sweepId == sweepId).fetchAll(db).map { ($0.configHash, $0) },
                uniquingKeysWith: { first, _ in first })
            for incoming in incomingRuns {
                let epochs = incomingEpochs[incoming.id!] ?? []
                let checkpoint = includeCheckpoints ? try input.loadCheckpoint(runId: incoming.id!) : nil
                guard var existing = existingRuns[incoming.configHash] else {
                    var copy = Self.arrived(incoming)
                    copy.id = nil
                    copy.sweepId = sweepId
                    try copy.insert(db)
                    for var epoch in epochs {
                        epoch.runId = copy.id!
                        try epoch.insert(db)
                    }
                    if var checkpoint {
                        checkpoint.runId = copy.id!
                        try checkpoint.insert(db)
                        summary.checkpointsCopied += 1
                    }
                    summary.runsAdded += 1
                    summary.epochsAdded += epochs.count
                    continue
                }
                let existingEpochs = try EpochRecord.filter(EpochRecord.Columns.runId == existing.id!)
                    .order(EpochRecord.Columns.epoch).fetchAll(db)
                let identity = MergeConflict.RunIdentity(configHash: incoming.configHash, cell: incoming.cell,
                                                         hidden: incoming.hidden, lr: incoming.lr, seed: incoming.seed)
                func conflict(epoch: Int?, field: String, kept: String, refused: String) {
                    report.conflicts.append(MergeConflict(sweep: incomingSweep.name, run: identity, epoch: epoch, field: field,
                                                          keptValue: kept, inputValue: refused, inputPath: input.path))
                    summary.conflicts += 1
                }
                if let difference = Self.firstDifference(existingEpochs, epochs) {
                    conflict(epoch: difference.epoch, field: difference.field, kept: difference.kept, refused: difference.refused)
                    continue
                }
                let takeIncoming: Bool
                switch Self.advance(existing: existing, existingEpochs: existingEpochs.count,
                                    incoming: incoming, incomingEpochs: epochs.count) {
                case .conflict(let field):
                    conflict(epoch: nil, field: field,
                             kept: "\(existing.status.rawValue) with \(existingEpochs.count) epochs",
                             refused: "\(incoming.status.rawValue) with \(epochs.count) epochs")
                    continue
                case .keep: takeIncoming = false
                case .takeIncoming: takeIncoming = true
                }
                let have = Set(existingEpochs.map(\.epoch))
                let missing = epochs.filter { !have.contains($0.epoch) }
                for var epoch in missing {
                    epoch.runId = existing.id!
                    try epoch.insert(db)
                }
                summary.epochsAdded += missing.count
                if takeIncoming {
                    let arrived = Self.arrived(incoming)
                    existing.status = arrived.status
                    existing.startedAt = arrived.startedAt ?? existing.startedAt
                    existing.finishedAt = arrived.finishedAt
                    existing.error = arrived.error
                    existing.worker = arrived.worker
                    existing.heartbeatAt = arrived.heartbeatAt
                    existing.paramCount = arrived.paramCount ?? existing.paramCount
                    existing.stopEpoch = arrived.stopEpoch
                    existing.stopReason = arrived.stopReason
                    existing.prunedRung = arrived.prunedRung
                    try existing.update(db)
                }
                if takeIncoming || !missing.isEmpty { summary.runsAdvanced += 1 }
                if var checkpoint {
                    let current = try CheckpointRecord.fetchOne(db, key: existing.id!)
                    if current == nil || current!.epoch < checkpoint.epoch {
                        checkpoint.runId = existing.id!
                        try checkpoint.upsert(db)
                        summary.checkpointsCopied += 1
                    }
                }
            }
            try mergeHalvingDecisions(from: input, sweep: incomingSweep, into: db, sweepId: sweepId, report: &report, summary: &summary)
        }
        return summary
    }

    /// A run as it arrives in the output: `running` becomes `interrupted` (nobody runs it there).
    private static func arrived(_ run: RunRecord) -> RunRecord {
        var run = run
        if run.status == .running { run.status = .interrupted }
        run.worker = nil
        run.heartbeatAt = nil
        return run
    }

    private enum Advance: Equatable { case keep, takeIncoming, conflict(field: String) }

    /// Which side of a consistent run (equal numbers on shared epochs) is further; see ``merge(inputPaths:into:includeCheckpoints:)``.
    private static func advance(existing: RunRecord, existingEpochs: Int, incoming: RunRecord, incomingEpochs: Int) -> Advance {
        switch (existing.status.isTerminal, incoming.status.isTerminal) {
        case (true, true):
            if existing.status != incoming.status { return .conflict(field: "status") }
            return existingEpochs == incomingEpochs ? .keep : .conflict(field: "epochs")
        case (true, false):
            return incomingEpochs > existingEpochs ? .conflict(field: "epochs") : .keep
        case (false, true):
            return existingEpochs > incomingEpochs ? .conflict(field: "epochs") : .takeIncoming
        case (false, false):
            return incomingEpochs > existingEpochs ? .takeIncoming : .keep
        }
    }

    /// The first epoch number present on both sides whose numbers differ (bitwise), and the first differing field.
    private static func firstDifference(_ kept: [EpochRecord], _ incoming: [EpochRecord])
        -> (epoch: Int, field: String, kept: String, refused: String)? {
        let keptByEpoch = Dictionary(kept.map { ($0.epoch, $0) }, uniquingKeysWith: { first, _ in first })
        for epoch in incoming.sorted(by: { $0.epoch < $1.epoch }) {
            guard let mine = keptByEpoch[epoch.epoch] else { continue }
            let fields: [(String, Double?, Double?)] = [
                ("train_loss", mine.trainLoss, epoch.trainLoss), ("val_loss", mine.valLoss, epoch.valLoss),
                ("val_metric", mine.valMetric, epoch.valMetric), ("grad_norm", mine.gradNorm, epoch.gradNorm),
                ("test_loss", mine.testLoss, epoch.testLoss), ("test_metric", mine.testMetric, epoch.testMetric),
            ]
            // The learning rate is compared where both copies recorded it (databases from
            // before the epochs.lr column have none).
            + (mine.lr != nil && epoch.lr != nil ? [("lr", mine.lr, epoch.lr)] : [])
            for (field, a, b) in fields where a?.bitPattern != b?.bitPattern {
                return (epoch.epoch, field, a.map { "\($0)" } ?? "NULL", b.map { "\($0)" } ?? "NULL")
            }
        }
        return nil
    }
}
