// Test helpers: whole-sweep operations the tests use to set up and check a database, built
// on the store's own transactions and queries.
import GRDB
@testable import ResultsStore

extension ResultsDatabase {
    /// Deletes all runs of a sweep as `--fresh` does (with their epochs and checkpoints);
    /// returns how many.
    @discardableResult
    func deleteRuns(ofSweep sweepId: Int64) throws -> Int {
        try immediateWrite { db in try Self.deleteRuns(db, ofSweep: sweepId) }
    }

    /// Marks every run that `worker` holds as `interrupted` (what a stopping worker does to
    /// its run); returns how many.
    @discardableResult
    func interruptRuns(heldBy worker: String) throws -> Int {
        try immediateWrite { db in
            try db.execute(sql: "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND worker = ?",
                           arguments: [worker])
            return db.changesCount
        }
    }

    /// How many runs of a sweep are in each status, as the merge report counts them.
    func statusCounts(sweepId: Int64) throws -> [RunStatus: Int] {
        try reader.read { db in try Self.statusCounts(db, sweepId: sweepId) }
    }
}
