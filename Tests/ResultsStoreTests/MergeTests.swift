// Tests of ResultsDatabase.merge (`runner merge`): shards combined by sweep name and config
// hash, idempotence, conflicts kept out, the most advanced state of a run, checkpoints on demand.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class MergeTests: XCTestCase {
    let sweep = SweepDescription(name: "adding-t8", specJSON: #"{"name":"adding-t8"}"#, task: "adding",
                                 metricName: "mse", metricHigherIsBetter: false, baselineLoss: 0.167, baselineMetric: 0.167)

    /// A run of a fake shard: its epochs' train losses (val_loss = loss / 2, val_metric = loss / 3).
    struct FakeRun {
        var hash: String
        var status: RunStatus
        var losses: [Double]
        var seed = 1
    }

    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder = nil }

    /// Writes a shard database through the store API, as a sweep would, and returns its path.
    @discardableResult
    func makeShard(_ name: String, _ runs: [FakeRun], sweep description: SweepDescription? = nil) throws -> String {
        let path = folder.path(name)
        let database = try ResultsDatabase.open(path: path)
        let sweep = try database.createOrGetSweep(description ?? self.sweep)
        let records = try database.insertPlan(sweepId: sweep.id!, runs: runs.enumerated().map { index, run in
            PlannedRun(planIndex: index, configHash: run.hash, configJSON: #"{"run":"\#(run.hash)"}"#, task: "adding",
                       cell: "gru", hidden: 8, lr: 0.01, seed: run.seed, epochsPlanned: 3, paramCount: 100)
        })
        for (record, run) in zip(records, runs) {
            for (index, loss) in run.losses.enumerated() {
                try database.recordEpoch(EpochRecord(runId: record.id!, epoch: index + 1, trainLoss: loss, valLoss: loss / 2,
                                                     valMetric: loss / 3, gradNorm: 1, seconds: 0.5, tokensPerSecond: 1000),
                                         checkpoint: Data("\(run.hash)@\(index + 1)".utf8))
            }
            if run.status != .pending { try database.markRun(record.id!, status: run.status) }
        }
        return path
    }

    /// The output's runs: config hash -> (status, train losses by epoch, worker).
    func contents(_ path: String) throws -> [String: (status: String, losses: [Double], worker: String?)] {
        try ResultsDatabase.openReadOnly(path: path).reader.read { db in
            var out: [String: (String, [Double], String?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, config_hash, status, worker FROM runs") {
                let losses = try Double.fetchAll(db, sql: "SELECT train_loss FROM epochs WHERE run_id = ? ORDER BY epoch",
                                                 arguments: [row[0] as Int64])
                out[row[1]] = (row[2], losses, row[3])
            }
            return out
        }
    }

    func scalar(_ path: String, _ sql: String) throws -> Int {
        try ResultsDatabase.openReadOnly(path: path).reader.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    func testShardsMergeIntoOneSweepAndMergingAgainAddsNothing() throws {
        let a = try makeShard("a.db", [FakeRun(hash: "h0", status: .finished, losses: [3, 2, 1]),
                                      FakeRun(hash: "h1", status: .finished, losses: [4, 3, 2])])
        let b = try makeShard("b.db", [FakeRun(hash: "h2", status: .diverged, losses: [5]),
                                      FakeRun(hash: "h3", status: .interrupted, losses: [6])])
        let out = folder.path("merged.db")
        let first = try ResultsDatabase.merge(inputPaths: [a, b], into: out, includeCheckpoints: false)
        XCTAssertEqual(first.conflicts, [])
        XCTAssertEqual(first.inputs.map(\.runsAdded), [2, 2])
        XCTAssertEqual(first.inputs.map(\.epochsAdded), [6, 2])
        XCTAssertEqual(first.inputs.map(\.unfinishedRuns), [0, 1], "the unfinished shard is reported")
        XCTAssertEqual(first.inputs[1].unfinishedByStatus, [.interrupted: 1])
        XCTAssertEqual(first.outputCounts["adding-t8"], [.finished: 2, .diverged: 1, .interrupted: 1])
        XCTAssertEqual(try scalar(out, "SELECT COUNT(*) FROM sweeps"), 1)
        XCTAssertEqual(try scalar(out, "SELECT COUNT(*) FROM checkpoints"), 0, "no checkpoints unless asked")
        let merged = try contents(out)
        XCTAssertEqual(merged["h1"]?.losses, [4, 3, 2])
        XCTAssertEqual(merged["h3"]?.status, "interrupted")

        // Again, and the same shard twice in one call: nothing is added or changed.
        let second = try ResultsDatabase.merge(inputPaths: [a, b, a], into: out, includeCheckpoints: false)
        XCTAssertEqual(second.conflicts, [])
        XCTAssertEqual(second.inputs.map(\.runsAdded), [0, 0, 0])
        XCTAssertEqual(second.inputs.map(\.runsAdvanced), [0, 0, 0])
        XCTAssertEqual(second.inputs.map(\.epochsAdded), [0, 0, 0])
        XCTAssertEqual(try scalar(out, "SELECT COUNT(*) FROM runs"), 4)
        XCTAssertEqual(try scalar(out, "SELECT COUNT(*) FROM epochs"), 8)
        XCTAssertEqual(try contents(out).mapValues(\.losses), merged.mapValues(\.losses))
        // The merged view works as in a sweep database.
        XCTAssertEqual(try scalar(out, "SELECT epochs FROM run_summary WHERE run_id = (SELECT id FROM runs WHERE config_hash = 'h0')"), 3)
    }

    func testDifferentNumbersForTheSameEpochAreAConflictAndNotOverwritten() throws {
        let a = try makeShard("a.db", [FakeRun(hash: "h0", status: .finished, losses: [3, 2, 1], seed: 7)])
        let c = try makeShard("c.db", [FakeRun(hash: "h0", status: .finished, losses: [3, 2.5, 1], seed: 7),
                                      FakeRun(hash: "h9", status: .finished, losses: [9, 8, 7])])
        let out = folder.path("merged.db")
        let report = try ResultsDatabase.merge(inputPaths: [a, c], into: out, includeCheckpoints: false)
        XCTAssertEqual(report.conflicts.count, 1)
        let conflict = try XCTUnwrap(report.conflicts.first)
        XCTAssertEqual(conflict.sweep, "adding-t8")
        XCTAssertEqual(conflict.run?.configHash, "h0")
        XCTAssertEqual(conflict.epoch, 2)
        XCTAssertEqual(conflict.field, "train_loss")
        XCTAssertEqual(conflict.keptValue, "2.0")
        XCTAssertEqual(conflict.inputValue, "2.5")
        let line = conflict.description
        for part in ["adding-t8", "h0", "gru", "hidden=8", "lr=0.01", "seed=7", "epoch 2", "train_loss", "2.5", c] {
            XCTAssertTrue(line.contains(part), "'\(part)' in: \(line)")
        }
        XCTAssertFalse(line.contains("\n"))
        XCTAssertEqual(report.inputs[1].conflicts, 1)
        let merged = try contents(out)
        XCTAssertEqual(merged["h0"]?.losses, [3, 2, 1], "the value already merged is kept")
        XCTAssertEqual(merged["h9"]?.losses, [9, 8, 7], "the rest of the conflicting input is merged")
    }

    func testAFinishedCopyAdvancesAnInterruptedOneInEitherOrder() throws {
        let partial = try makeShard("partial.db", [FakeRun(hash: "h0", status: .interrupted, losses: [3]),
                                                  FakeRun(hash: "h1", status: .running, losses: [4, 3])])
        let done = try makeShard("done.db", [FakeRun(hash: "h0", status: .finished, losses: [3, 2, 1]),
                                            FakeRun(hash: "h1", status: .interrupted, losses: [4])])
        for (name, order) in [("forward.db", [partial, done]), ("backward.db", [done, partial])] {
            let out = folder.path(name)
            let report = try ResultsDatabase.merge(inputPaths: order, into: out, includeCheckpoints: false)
            XCTAssertEqual(report.conflicts, [], name)
            let merged = try contents(out)
            XCTAssertEqual(merged["h0"]?.status, "finished", name)
            XCTAssertEqual(merged["h0"]?.losses, [3, 2, 1], name)
            // The copy with more epochs wins between unfinished copies; running arrives as interrupted.
            XCTAssertEqual(merged["h1"]?.status, "interrupted", name)
            XCTAssertEqual(merged["h1"]?.losses, [4, 3], name)
            XCTAssertNil(merged["h1"]?.worker, name)
            XCTAssertNotNil(try ResultsDatabase.openReadOnly(path: out).reader.read {
                try String.fetchOne($0, sql: "SELECT finished_at FROM runs WHERE config_hash = 'h0'")
            }, "the finished copy's times come along")
        }
    }

    func testEndedRunsThatDisagreeOnHowTheyEndedAreConflicts() throws {
        let finished = try makeShard("f.db", [FakeRun(hash: "h0", status: .finished, losses: [3, 2]),
                                             FakeRun(hash: "h1", status: .finished, losses: [3, 2, 1])])
        let other = try makeShard("o.db", [FakeRun(hash: "h0", status: .interrupted, losses: [3, 2, 1]),
                                          FakeRun(hash: "h1", status: .diverged, losses: [3, 2, 1])])
        let out = folder.path("merged.db")
        let report = try ResultsDatabase.merge(inputPaths: [finished, other], into: out, includeCheckpoints: false)
        let byRun = Dictionary(uniqueKeysWithValues: report.conflicts.map { ($0.run!.configHash, $0) })
        XCTAssertEqual(byRun["h0"]?.field, "epochs")
        XCTAssertEqual(byRun["h0"]?.keptValue, "finished with 2 epochs")
        XCTAssertEqual(byRun["h0"]?.inputValue, "interrupted with 3 epochs")
        XCTAssertEqual(byRun["h1"]?.field, "status")
        let merged = try contents(out)
        XCTAssertEqual(merged["h0"]?.losses, [3, 2], "no epoch of the refused copy is added")
        XCTAssertEqual(merged["h1"]?.status, "finished")
    }

    func testCheckpointsAreCopiedOnlyWhenAskedAndTheLatestWins() throws {
        let early = try makeShard("early.db", [FakeRun(hash: "h0", status: .interrupted, losses: [3])])
        let late = try makeShard("late.db", [FakeRun(hash: "h0", status: .interrupted, losses: [3, 2])])
        let out = folder.path("merged.db")
        let report = try ResultsDatabase.merge(inputPaths: [late, early], into: out, includeCheckpoints: true)
        XCTAssertEqual(report.inputs.map(\.checkpointsCopied), [1, 0])
        let state = try ResultsDatabase.openReadOnly(path: out).reader.read {
            try Data.fetchOne($0, sql: "SELECT state FROM checkpoints")
        }
        XCTAssertEqual(state.map { String(decoding: $0, as: UTF8.self) }, "h0@2")
    }

    func testASweepWithAnotherTaskUnderTheSameNameIsAConflict() throws {
        let a = try makeShard("a.db", [FakeRun(hash: "h0", status: .finished, losses: [1])])
        var copyTask = sweep
        copyTask.task = "copy"
        let b = try makeShard("b.db", [FakeRun(hash: "h5", status: .finished, losses: [1])], sweep: copyTask)
        let out = folder.path("merged.db")
        let report = try ResultsDatabase.merge(inputPaths: [a, b], into: out, includeCheckpoints: false)
        XCTAssertEqual(report.conflicts.map(\.field), ["task"])
        XCTAssertNil(report.conflicts[0].run)
        XCTAssertTrue(report.conflicts[0].description.contains("adding") && report.conflicts[0].description.contains("copy"))
        XCTAssertEqual(Set(try contents(out).keys), ["h0"])
    }

    func testBadInputsThrowOneLineAndWriteNothing() throws {
        let good = try makeShard("good.db", [FakeRun(hash: "h0", status: .finished, losses: [1])])
        let out = folder.path("merged.db")
        XCTAssertThrowsError(try ResultsDatabase.merge(inputPaths: [good, folder.path("missing.db")], into: out, includeCheckpoints: false)) {
            XCTAssertEqual($0 as? ResultsStoreError, .cannotOpen(path: self.folder.path("missing.db"),
                                                                 reason: "no such file (an input of the merge); nothing was merged"))
        }
        let foreign = folder.path("foreign.db")
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE sweeps(x)") }
        XCTAssertThrowsError(try ResultsDatabase.merge(inputPaths: [good, foreign], into: out, includeCheckpoints: false)) {
            XCTAssertEqual($0 as? ResultsStoreError, .notAResultsDatabase(path: foreign, missing: ["runs", "epochs", "checkpoints"]))
            XCTAssertFalse("\($0)".contains("\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written")
        XCTAssertThrowsError(try ResultsDatabase.merge(inputPaths: [good], into: folder.url.appendingPathComponent("./good.db").path,
                                                       includeCheckpoints: false)) {
            guard case .mergeInputIsOutput = $0 as? ResultsStoreError else { return XCTFail("\($0)") }
        }
    }

    func testInputsAreLeftUntouched() throws {
        let a = try makeShard("a.db", [FakeRun(hash: "h0", status: .running, losses: [3, 2])])
        let files = [a, a + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        _ = try ResultsDatabase.merge(inputPaths: [a], into: folder.path("merged.db"), includeCheckpoints: true)
        XCTAssertEqual(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }, before)
        let status = try ResultsDatabase.openReadOnly(path: a).reader.read { try String.fetchOne($0, sql: "SELECT status FROM runs") }
        XCTAssertEqual(status, "running", "the input keeps its own state; only the output says interrupted")
    }
}
