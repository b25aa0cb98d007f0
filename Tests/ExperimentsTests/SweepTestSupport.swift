// Helpers for sweep tests: temporary specs and databases, silent progress, and
// the epochs table keyed by config hash (timings left out: they vary).
import Foundation
import XCTest
@testable import Experiments
import ResultsStore
import GRDB

final class SilentProgress: ProgressSink, @unchecked Sendable {
    func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {}
    func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {}
    func epochFinished(runId: Int64, label: String, result: EpochResult, epochs: Int) {}
    func runEnded(runId: Int64, label: String, status: String, detail: String?) {}
    func message(_ text: String) {}
    func sweepEnded() {}
}

/// A fresh folder under the temporary directory, removed by the caller.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("runner-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small adding-task spec over rnn/gru/lstm.
func smallSpec(name: String = "small", cells: [String] = ["rnn", "gru", "lstm"], lrs: [Double] = [0.01],
               epochs: Int = 3, seeds: [Int] = [1, 2], trainSize: Int = 128) -> String {
    """
    {
      "name": "\(name)",
      "task": {"name": "adding", "length": 8, "train_size": \(trainSize), "val_size": 32, "data_seed": 3},
      "train": {"epochs": \(epochs), "batch": 16, "optimizer": "adam", "clip_norm": 1.0},
      "grid": {"cell": [\(cells.map { "\"\($0)\"" }.joined(separator: ", "))], "hidden": [6],
               "lr": [\(lrs.map { "\($0)" }.joined(separator: ", "))], "seed": [\(seeds.map(String.init).joined(separator: ", "))]}
    }
    """
}

/// Writes the spec, registers it (or one shard of it) in the database at `dbPath` and runs it with `jobs` workers.
@discardableResult
/// `options` replaces the default options of `jobs` workers.
func runSweep(spec text: String, in folder: URL, dbPath: String, jobs: Int, shard: (index: Int, count: Int)? = nil,
              options: SchedulerOptions? = nil, configure: (Scheduler) -> Void = { _ in }) throws -> SchedulerSummary {
    let specURL = folder.appendingPathComponent("spec.json")
    try text.write(to: specURL, atomically: true, encoding: .utf8)
    let setup = try SweepSetup.load(specPath: specURL.path, shard: shard)
    let database = try ResultsDatabase.open(path: dbPath)
    let sweep = try setup.register(in: database, fresh: false)
    let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                              options: options ?? SchedulerOptions(jobs: jobs), progress: SilentProgress())
    configure(scheduler)
    return try scheduler.run()
}

/// One epoch row's numbers (bit patterns), keyed by the run's config hash and epoch.
struct EpochKey: Hashable { var hash: String; var epoch: Int }

func epochTable(_ dbPath: String) throws -> [EpochKey: [UInt64?]] {
    let queue = try DatabaseQueue(path: dbPath)
    return try queue.read { db in
        var table: [EpochKey: [UInt64?]] = [:]
        let rows = try Row.fetchAll(db, sql: """
            SELECT r.config_hash, e.epoch, e.train_loss, e.val_loss, e.val_metric, e.grad_norm
              FROM epochs e JOIN runs r ON r.id = e.run_id
            """)
        for row in rows {
            let values: [Double?] = [row[2], row[3], row[4], row[5]]
            table[EpochKey(hash: row[0], epoch: row[1])] = values.map { $0?.bitPattern }
        }
        return table
    }
}

func statuses(_ dbPath: String) throws -> [String: String] {
    let queue = try DatabaseQueue(path: dbPath)
    return try queue.read { db in
        Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT config_hash, status FROM runs").map { ($0[0], $0[1]) })
    }
}

func integrityCheck(_ dbPath: String) throws -> String {
    try DatabaseQueue(path: dbPath).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
}
