// A run's latest checkpoint from the results database, for the commands that use
// a trained model (`sample`, `export`).
import ArgumentParser
import Experiments
import ResultsStore

struct TrainedRun {
    var record: RunRecord
    var checkpoint: Checkpoint

    /// Loads run `runId` from the database at `path` (read-only). A missing run, a run
    /// with no checkpoint yet, or an unreadable file ends the command with one line and exit 1.
    static func load(databasePath path: String, runId: Int64) throws -> TrainedRun {
        do {
            let results = try ResultsDatabase.openReadOnly(path: path)
            defer { try? results.close() }
            try results.requireResultsSchema()
            guard let record = try results.run(id: runId) else {
                throw fail("run \(runId) is not in \(path) (see `runner runs`)", code: 1)
            }
            guard let stored = try results.loadCheckpoint(runId: runId) else {
                throw fail("run \(runId) has no checkpoint yet: it has not finished an epoch", code: 1)
            }
            return TrainedRun(record: record, checkpoint: try Checkpoint(decoding: stored.state))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("\(errorLine(error))", code: 1)
        }
    }
}
