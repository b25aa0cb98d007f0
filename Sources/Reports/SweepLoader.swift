// Reads one sweep (by name, or the latest) from the results database into plain values,
// with three set-based queries: the sweep, its runs, and all their epochs in one pass.
import Foundation
import GRDB
import ResultsStore

/// Errors the user can cause when asking for a report; each prints as one line.
public enum ReportError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The database holds no sweep yet.
    case noSweeps(databasePath: String)
    /// `--sweep NAME` names no sweep; `available` lists the ones there are.
    case unknownSweep(name: String, databasePath: String, available: [String])
    /// The file is an SQLite database but not one written by `runner sweep`.
    case notAResultsDatabase(path: String, reason: String)
    /// A run's `config_json` is not a JSON object.
    case badRunConfig(runId: Int64, reason: String)
    /// The report could not be written to `--output`.
    case cannotWriteOutput(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSweeps(let path):
            return "no sweep in the results database at \(path) (run `runner sweep SPEC` first)"
        case .unknownSweep(let name, let path, let available):
            return "no sweep named '\(name)' in \(path); expected one of: \(available.joined(separator: ", "))"
        case .notAResultsDatabase(let path, let reason):
            return "\(path) is not a runner results database (\(reason))"
        case .badRunConfig(let runId, let reason):
            return "run \(runId) has an unreadable config_json: \(reason)"
        case .cannotWriteOutput(let path, let reason):
            return "cannot write the report to \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

public enum SweepLoader {
    /// Opens the database at `databasePath` read-only and loads the sweep named `sweepName`
    /// (the most recently created one when `nil`).
    public static func load(databasePath: String, sweepName: String?) throws -> SweepData {
        let database = try ResultsDatabase.openReadOnly(path: databasePath)
        return try database.reader.read { db in
            try load(db, sweepName: sweepName, databasePath: databasePath)
        }
    }

    /// Loads the sweep from an already open database (for example the sweep command's own).
    public static func load(database: ResultsDatabase, sweepName: String?) throws -> SweepData {
        try database.reader.read { db in try load(db, sweepName: sweepName, databasePath: database.path) }
    }

    /// Loads a sweep inside an open connection (one read transaction gives a consistent view
    /// of a sweep that is still being written).
    public static func load(_ db: Database, sweepName: String?, databasePath: String) throws -> SweepData {
        for table in ["sweeps", "runs", "epochs"] where try !db.tableExists(table) {
            throw ReportError.notAResultsDatabase(path: databasePath, reason: "it has no \(table) table")
        }
        do {
            return try loadChecked(db, sweepName: sweepName, databasePath: databasePath)
        } catch let error as DatabaseError {
            throw ReportError.notAResultsDatabase(path: databasePath, reason: error.message ?? "\(error.resultCode)")
        }
    }

    private static func loadChecked(_ db: Database, sweepName: String?, databasePath: String) throws -> SweepData {
        let sweepColumns = """
            SELECT id, name, created_at, task, metric_name, metric_higher_is_better, baseline_loss, baseline_metric
              FROM sweeps
            """
        let sweepRow: Row?
        if let sweepName {
            sweepRow = try Row.fetchOne(db, sql: sweepColumns + " WHERE name = ?", arguments: [sweepName])
            if sweepRow == nil {
                let names = try String.fetchAll(db, sql: "SELECT name FROM sweeps ORDER BY created_at, id")
                if names.isEmpty { throw ReportError.noSweeps(databasePath: databasePath) }
                throw ReportError.unknownSweep(name: sweepName, databasePath: databasePath, available: names)
            }
        } else {
            sweepRow = try Row.fetchOne(db, sql: sweepColumns + " ORDER BY created_at DESC, id DESC LIMIT 1")
        }
        guard let sweepRow else { throw ReportError.noSweeps(databasePath: databasePath) }
        let sweep = SweepInfo(
            id: sweepRow[0], name: sweepRow[1], createdAt: sweepRow[2], task: sweepRow[3], metricName: sweepRow[4],
            metricHigherIsBetter: (sweepRow[5] as Int64) != 0, baselineLoss: sweepRow[6], baselineMetric: sweepRow[7])

        var runs: [SweepRun] = []
        var runIndex: [Int64: Int] = [:]
        let runRows = try Row.fetchCursor(db, sql: """
            SELECT id, plan_index, config_json, cell, hidden, lr, seed, status, param_count, epochs_planned, error
              FROM runs WHERE sweep_id = ? ORDER BY plan_index, id
            """, arguments: [sweep.id])
        while let row = try runRows.next() {
            let id: Int64 = row[0]
            let config: [String: ConfigValue]
            do {
                config = try parseRunConfig(row[2])
            } catch {
                throw ReportError.badRunConfig(runId: id, reason: "\(error)")
            }
            let statusText: String = row[7]
            guard let status = RunStatus(rawValue: statusText) else {
                throw ReportError.notAResultsDatabase(path: databasePath, reason: "run \(id) has status '\(statusText)'")
            }
            runIndex[id] = runs.count
            runs.append(SweepRun(id: id, planIndex: row[1], config: config, cell: row[3], hidden: row[4], lr: row[5],
                                 seed: row[6], status: status, paramCount: row[8], epochsPlanned: row[9],
                                 error: row[10], epochs: []))
        }

        let epochRows = try Row.fetchCursor(db, sql: """
            SELECT e.run_id, e.epoch, e.train_loss, e.val_loss, e.val_metric, e.grad_norm, e.seconds, e.tokens_per_second
              FROM epochs AS e JOIN runs AS r ON r.id = e.run_id
             WHERE r.sweep_id = ?
             ORDER BY e.run_id, e.epoch
            """, arguments: [sweep.id])
        while let row = try epochRows.next() {
            guard let index = runIndex[row[0]] else { continue }
            runs[index].epochs.append(RunEpoch(
                epoch: row[1], trainLoss: row[2], valLoss: row[3], valMetric: row[4], gradNorm: row[5],
                seconds: row[6], tokensPerSecond: row[7]))
        }
        return SweepData(sweep: sweep, runs: runs)
    }
}
