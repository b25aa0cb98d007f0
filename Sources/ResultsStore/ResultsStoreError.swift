// Errors the user can cause through the results database (bad path, unreadable
// file, a refused write in a read-only query, a duplicate epoch); each prints as one line.
import Foundation
import GRDB

public enum ResultsStoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The database file (or its folder) could not be created, opened or written.
    case cannotOpen(path: String, reason: String)
    /// A read-only open (`runner query`, `runner runs`) named a file that does not exist.
    case databaseNotFound(path: String)
    /// `recordEpoch` was asked to record an epoch the run already has.
    case epochAlreadyRecorded(runId: Int64, epoch: Int)
    /// An operation named a run that is not in the database.
    case runNotFound(runId: Int64)
    /// A worker tried to write for a run that another worker has claimed since.
    case runNotOwned(runId: Int64, worker: String, owner: String?)
    /// An operation named a sweep that is not in the database.
    case sweepNotFound(name: String)
    /// A read-only query was given a statement that would modify the database.
    case writeRefused(sql: String)
    /// SQLite rejected a query; `message` is SQLite's own message.
    case invalidQuery(sql: String, message: String)
    /// `runner merge` was given a file without the results tables.
    case notAResultsDatabase(path: String, missing: [String])
    /// `runner merge` was given its output as one of its inputs.
    case mergeInputIsOutput(path: String)
    /// A halving decision copied from another database differs from the one already here.
    case halvingDecisionConflict(rung: Int, configuration: String)
    /// A file that is neither empty nor a results database was opened for writing; it is left as it was.
    case foreignFile(path: String, reason: String)
    /// A results database written by a newer runner (a migration or schema version this one
    /// does not know) was opened for writing, or for reading without a schema this runner reads.
    case newerDatabase(path: String, detail: String)
    /// A results database that opening would change failed SQLite's `quick_check`; it is left as it was.
    case damagedDatabase(path: String, detail: String)
    /// A checkpoint larger than SQLite stores in one row (`SQLITE_LIMIT_LENGTH` less room for the row's
    /// other columns); nothing was written.
    case checkpointTooLarge(runId: Int64, bytes: Int, limit: Int)
    /// A spec reuses the name of a sweep whose runs are of another task or metric.
    case sweepTaskChanged(name: String, recorded: String, given: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open results database at \(path): \(reason)"
        case .databaseNotFound(let path):
            return "no results database at \(path) (run `runner sweep` first, or pass --db PATH)"
        case .epochAlreadyRecorded(let runId, let epoch):
            return "run \(runId) already has epoch \(epoch) recorded; an epoch is never recorded twice"
        case .runNotFound(let runId):
            return "no run with id \(runId) in the results database"
        case .runNotOwned(let runId, let worker, let owner):
            return "run \(runId) is now held by worker \(owner.map { "'\($0)'" } ?? "none"), not by '\(worker)'"
        case .halvingDecisionConflict(let rung, let configuration):
            return "halving decision at rung \(rung) for configuration \(configuration.prefix(12)) differs from the one already recorded; decisions are never taken twice"
        case .sweepNotFound(let name):
            return "no sweep named '\(name)' in the results database"
        case .writeRefused(let sql):
            return "refused: queries are read-only, and this statement would modify the database: \(ResultsStoreError.oneLine(sql))"
        case .invalidQuery(let sql, let message):
            return "SQL error: \(message) (in: \(ResultsStoreError.oneLine(sql)))"
        case .notAResultsDatabase(let path, let missing):
            return "\(path) is not a results database: it has no table \(missing.joined(separator: ", ")) (expected a file written by `runner sweep`)"
        case .mergeInputIsOutput(let path):
            return "\(path) is both an input and the --output of the merge: give a new or another file as --output"
        case .foreignFile(let path, let reason):
            return "\(path) is not a runner results database (\(reason)); it was left untouched: give another path"
        case .newerDatabase(let path, let detail):
            return "\(path) was created by a newer runner: \(detail); it was left untouched: use that runner's version"
        case .damagedDatabase(let path, let detail):
            return "\(path) is damaged (SQLite's quick_check: \(ResultsStoreError.oneLine(detail))); it was left untouched"
        case .checkpointTooLarge(let runId, let bytes, let limit):
            return "run \(runId): its checkpoint of \(bytes) bytes is larger than SQLite stores in one row (at most \(limit) bytes); "
                + "nothing of this epoch was written: train a smaller model"
        case .sweepTaskChanged(let name, let recorded, let given):
            return "sweep '\(name)' in this database has runs of \(recorded), but the spec is \(given); nothing was changed: "
                + "give the spec another \"name\", another --db, or --fresh to replace that sweep's runs"
        }
    }

    public var errorDescription: String? { description }

    /// Collapses whitespace so that a multi-line statement stays on one line of output.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension ResultsDatabase {
    /// Whether `error` is SQLite's own failure (a full disk, an I/O error), not one of the
    /// store's: its message names no file, so callers add the database's path.
    public static func isSQLiteFailure(_ error: Error) -> Bool { error is DatabaseError }
}
