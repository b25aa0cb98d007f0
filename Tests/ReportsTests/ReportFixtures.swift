// Test helpers: results databases with known numbers, written with plain SQL through the
// ResultsStore migrator, and sweeps built directly as values.
import Foundation
import GRDB
import XCTest
@testable import Reports
import ResultsStore

/// A temporary folder per test, removed afterwards.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ReportsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// One epoch to store: validation loss and metric, seconds and tokens per second.
struct FixtureEpoch {
    var valLoss: Double?
    var metric: Double?
    var seconds: Double
    var tokensPerSecond: Double
}

/// One run to store.
struct FixtureRun {
    var cell: String
    var hidden: Int
    var lr: Double
    var seed: Int
    var status: RunStatus = .finished
    var paramCount: Int?
    var error: String?
    var epochsPlanned = 3
    var epochs: [FixtureEpoch]

    var configJSON: String {
        let config: [String: Any] = [
            "cell": cell, "hidden": hidden, "lr": lr, "seed": seed, "batch": 32, "epochs": epochsPlanned,
            "optimizer": "adam", "clip_norm": 1.0, "task": ["name": "adding", "length": 20],
        ]
        let data = try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

struct FixtureSweep {
    var name = "fixture"
    var createdAt = "2026-11-27T10:00:00.000Z"
    var metricName = "accuracy"
    var higherIsBetter = true
    var baselineLoss: Double? = 0.75
    var baselineMetric: Double? = 0.5
    var runs: [FixtureRun]
}

/// Writes `sweeps` into a new database at `path` (created through `ResultsDatabase.open`,
/// so the schema is the real migrator's) in one transaction.
func writeDatabase(at path: String, sweeps: [FixtureSweep]) throws {
    let database = try ResultsDatabase.open(path: path)
    try database.writer.write { db in
        for sweep in sweeps {
            try db.execute(sql: """
                INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better, baseline_loss, baseline_metric)
                VALUES (?, '{}', ?, 'adding', ?, ?, ?, ?)
                """, arguments: [sweep.name, sweep.createdAt, sweep.metricName, sweep.higherIsBetter, sweep.baselineLoss, sweep.baselineMetric])
            let sweepId = db.lastInsertedRowID
            let insertRun = try db.makeStatement(sql: """
                INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, status,
                                 param_count, epochs_planned, error)
                VALUES (?, ?, ?, ?, 'adding', ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertEpoch = try db.makeStatement(sql: """
                INSERT INTO epochs(run_id, epoch, train_loss, val_loss, val_metric, grad_norm, seconds, tokens_per_second)
                VALUES (?, ?, ?, ?, ?, 1.0, ?, ?)
                """)
            for (index, run) in sweep.runs.enumerated() {
                try insertRun.execute(arguments: [sweepId, index, "hash-\(index)", run.configJSON, run.cell, run.hidden,
                                                  run.lr, run.seed, run.status.rawValue, run.paramCount, run.epochsPlanned, run.error])
                let runId = db.lastInsertedRowID
                for (number, epoch) in run.epochs.enumerated() {
                    try insertEpoch.execute(arguments: [runId, number + 1, epoch.valLoss, epoch.valLoss, epoch.metric,
                                                        epoch.seconds, epoch.tokensPerSecond])
                }
            }
        }
    }
}

/// The sweep with hand-chosen numbers the report tests check (all values multiples of 1/64,
/// so means, differences and ties are exact in binary floating point).
///
/// cell × hidden {8, 16} × seed {1, 2, 3}, lr 0.01; accuracy at the best epoch (epoch 2), in 64ths:
///   hidden 8:  gru 48 50 52 (mean 50, sd 2)   lstm 40 44 48 (mean 44, sd 4)
///   hidden 16: gru 56 57 58 (mean 57, sd 1)   lstm 58 56 60 (mean 58, sd 2)
/// Every run: epoch 1 val loss 0.9375, accuracy 0.25; epoch 2 val loss 1 − accuracy (its best);
/// epoch 3 val loss + 2/64 and accuracy − 8/64 (so --at final reads 8/64 less).
/// gru takes 1 s per epoch at 1000 tokens/s, lstm 1.5 s at 600 tokens/s.
/// Plus: lstm h8 seed 4 diverged at epoch 2, gru h16 seed 4 failed, lstm h16 seed 4 pending.
func knownSweep(name: String = "known", createdAt: String = "2026-11-27T10:00:00.000Z") -> FixtureSweep {
    let accuracy64: [String: [Int: [Int]]] = [
        "gru": [8: [48, 50, 52], 16: [56, 57, 58]],
        "lstm": [8: [40, 44, 48], 16: [58, 56, 60]],
    ]
    let params: [String: [Int: Int]] = ["gru": [8: 264, 16: 912], "lstm": [8: 352, 16: 1216]]
    var runs: [FixtureRun] = []
    for cell in ["gru", "lstm"] {
        for hidden in [8, 16] {
            for (seedIndex, sixtyFourths) in accuracy64[cell]![hidden]!.enumerated() {
                let accuracy = Double(sixtyFourths) / 64
                let seconds = cell == "gru" ? 1.0 : 1.5, speed = cell == "gru" ? 1000.0 : 600.0
                runs.append(FixtureRun(
                    cell: cell, hidden: hidden, lr: 0.01, seed: seedIndex + 1, paramCount: params[cell]![hidden]!,
                    epochs: [
                        FixtureEpoch(valLoss: 0.9375, metric: 0.25, seconds: seconds, tokensPerSecond: speed),
                        FixtureEpoch(valLoss: 1 - accuracy, metric: accuracy, seconds: seconds, tokensPerSecond: speed),
                        FixtureEpoch(valLoss: 1 - accuracy + 2.0 / 64, metric: accuracy - 8.0 / 64, seconds: seconds, tokensPerSecond: speed),
                    ]))
            }
        }
    }
    runs.append(FixtureRun(cell: "lstm", hidden: 8, lr: 0.01, seed: 4, status: .diverged, paramCount: 352, epochs: [
        FixtureEpoch(valLoss: 0.9375, metric: 0.25, seconds: 1.5, tokensPerSecond: 600),
        FixtureEpoch(valLoss: nil, metric: nil, seconds: 1.5, tokensPerSecond: 600),
    ]))
    runs.append(FixtureRun(cell: "gru", hidden: 16, lr: 0.01, seed: 4, status: .failed, paramCount: 912,
                           error: "model threw\nat step 3", epochs: []))
    runs.append(FixtureRun(cell: "lstm", hidden: 16, lr: 0.01, seed: 4, status: .pending, epochs: []))
    return FixtureSweep(name: name, createdAt: createdAt, runs: runs)
}

/// Compares two doubles and reports the size of the error.
func assertClose(_ actual: Double?, _ expected: Double, tolerance: Double = 1e-12,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("nil, expected \(expected) \(message)", file: file, line: line) }
    XCTAssertLessThanOrEqual(abs(actual - expected), tolerance,
                             "\(actual) vs \(expected): error \(abs(actual - expected)) \(message)", file: file, line: line)
}

/// RFC 4180 csv into rows of fields (quoted fields may hold commas, quotes and newlines).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var inQuotes = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        if inQuotes {
            if character == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { inQuotes = false }
            } else {
                field.append(character)
            }
        } else if character == "\"" {
            inQuotes = true
        } else if character == "," {
            row.append(field); field = ""
        } else if character == "\r\n" || character == "\n" {
            row.append(field); field = ""
            rows.append(row); row = []
        } else {
            field.append(character)
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
