// One sweep as the reports read it: the sweep, its runs and all their epochs, taken in one
// read transaction so that a sweep still being written reads consistently.
import Foundation
import GRDB

/// A sweep with its runs in plan order and its epochs ordered by run id, then epoch.
public struct SweepSnapshot: Sendable, Equatable {
    public var sweep: SweepRecord
    public var runs: [RunRecord]
    public var epochs: [EpochRecord]
}

/// Why a snapshot could not be taken.
public enum SweepSnapshotError: Error, Equatable {
    /// The database holds no sweep.
    case noSweeps
    /// No sweep has the asked name; `available` lists the sweeps there are, oldest first.
    case unknownSweep(name: String, available: [String])
    /// The file lacks one of the results tables (an SQLite file not written by `runner`).
    case missingTable(String)
    /// SQLite or a record refused a row; `reason` says why.
    case unreadable(reason: String)
}

extension ResultsDatabase {
    /// The sweep named `name` (the latest when nil), its runs and epochs, in one read.
    public func sweepSnapshot(named name: String?) throws -> SweepSnapshot {
        try reader.read { db in
            for table in [SweepRecord.databaseTableName, RunRecord.databaseTableName, EpochRecord.databaseTableName]
            where try !db.tableExists(table) {
                throw SweepSnapshotError.missingTable(table)
            }
            do {
                let sweep = try Self.sweep(db, named: name)
                return SweepSnapshot(sweep: sweep, runs: try Self.runs(db, sweepId: sweep.id!, status: nil),
                                     epochs: try Self.epochs(db, ofSweep: sweep.id!))
            } catch let error as SweepSnapshotError {
                throw error
            } catch let error as DatabaseError {
                throw SweepSnapshotError.unreadable(reason: error.message ?? "\(error.resultCode)")
            } catch {
                throw SweepSnapshotError.unreadable(reason: "\(error)")
            }
        }
    }

    private static func sweep(_ db: Database, named name: String?) throws -> SweepRecord {
        if let name {
            if let sweep = try SweepRecord.filter(SweepRecord.Columns.name == name).fetchOne(db) { return sweep }
            let names = try String.fetchAll(db, SweepRecord.select(SweepRecord.Columns.name)
                .order(SweepRecord.Columns.createdAt, SweepRecord.Columns.id))
            throw names.isEmpty ? SweepSnapshotError.noSweeps : SweepSnapshotError.unknownSweep(name: name, available: names)
        }
        guard let latest = try latestSweep(db) else { throw SweepSnapshotError.noSweeps }
        return latest
    }
}
