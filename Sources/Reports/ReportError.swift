// Errors the user can cause when asking for a report; each prints as one line.
import Foundation

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
