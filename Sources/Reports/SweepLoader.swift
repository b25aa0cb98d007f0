// Reads one sweep (by name, or the latest) from the results database as plain values: the
// store's snapshot of the sweep, its runs with their configuration parsed, and their epochs.
import Foundation
import ResultsStore

public enum SweepLoader {
    /// Opens the database at `databasePath` read-only and loads the sweep named `sweepName`
    /// (the most recently created one when `nil`).
    public static func load(databasePath: String, sweepName: String?) throws -> SweepData {
        try load(database: ResultsDatabase.openReadOnly(path: databasePath), sweepName: sweepName)
    }

    /// Loads the sweep from an already open database (one read transaction gives a consistent
    /// view of a sweep that is still being written).
    public static func load(database: ResultsDatabase, sweepName: String?) throws -> SweepData {
        let path = database.path
        let snapshot: SweepSnapshot
        do {
            snapshot = try database.sweepSnapshot(named: sweepName)
        } catch let error as SweepSnapshotError {
            switch error {
            case .noSweeps: throw ReportError.noSweeps(databasePath: path)
            case .unknownSweep(let name, let available):
                throw ReportError.unknownSweep(name: name, databasePath: path, available: available)
            case .missingTable(let table): throw ReportError.notAResultsDatabase(path: path, reason: "it has no \(table) table")
            case .unreadable(let reason): throw ReportError.notAResultsDatabase(path: path, reason: reason)
            }
        }
        return try SweepData(snapshot)
    }
}

extension SweepData {
    /// The report's view of a store snapshot; a run whose `config_json` is not a JSON object
    /// is ``ReportError/badRunConfig(runId:reason:)``.
    init(_ snapshot: SweepSnapshot) throws {
        var runs: [SweepRun] = []
        var runIndex: [Int64: Int] = [:]
        for run in snapshot.runs {
            let id = run.id!
            let config: [String: ConfigValue]
            do {
                config = try parseRunConfig(run.configJSON)
            } catch {
                throw ReportError.badRunConfig(runId: id, reason: "\(error)")
            }
            runIndex[id] = runs.count
            runs.append(SweepRun(run, config: config, epochs: []))
        }
        for epoch in snapshot.epochs {
            guard let index = runIndex[epoch.runId] else { continue }
            runs[index].epochs.append(epoch)
        }
        self.init(sweep: SweepInfo(snapshot.sweep), runs: runs, halvingDecisions: snapshot.halvingDecisions)
    }
}
