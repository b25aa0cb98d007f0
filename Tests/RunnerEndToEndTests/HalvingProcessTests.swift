// Successive halving, early stopping and failure control through the real binary: a halving
// sweep killed (SIGKILL) at a rung barrier and rerun, the shard chain of `runner sweep --shard`
// + `runner merge` + `runner decide` equal to one process, `--dry-run` with budgets and rungs,
// `--fail-fast` and `--retry-failed`.
import XCTest
import Foundation
import GRDB

/// The halving decisions of a database as comparable text (scores as bit patterns; no times).
func decisionRows(atPath path: String) throws -> [String] {
    try DatabaseQueue(path: path).read { db in
        try Row.fetchAll(db, sql: """
            SELECT d.rung, d.epoch, d.configuration, d.cohort, d.cohort_size, d.score, d.rank, d.kept, d.seeds
              FROM halving_decisions d ORDER BY d.rung, d.cohort, d.rank
            """).map { row in
            let score: Double? = row[5]
            return "\(row[0] as Int) \(row[1] as Int) \(row[2] as String) \(row[3] as Int)/\(row[4] as Int) \(score.map { String($0.bitPattern, radix: 16) } ?? "NULL") #\(row[6] as Int) \(row[7] as Int) \(row[8] as Int)"
        }
    }
}

/// Each run's status, stop epoch and reason, by config hash.
func runEndings(atPath path: String) throws -> [String: String] {
    try DatabaseQueue(path: path).read { db in
        Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT config_hash, status, stop_epoch, stop_reason FROM runs").map {
            ($0[0], "\($0[1] as String) \(($0[2] as Int?).map(String.init) ?? "-") \(($0[3] as String?) ?? "-")")
        })
    }
}

final class HalvingProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// 6 configurations × 2 seeds, 4 epochs, rungs at epochs 1 and 2 (η = 2).
    static let spec = """
    {
      "name": "halving-e2e",
      "task": {"name": "adding", "length": 12, "train_size": 512, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 4, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 12},
      "grid": {"cell": ["gru", "lstm"], "lr": [0.003, 0.01, 0.03], "seed": [1, 2]},
      "halving": {"min_epochs": 1, "eta": 2}
    }
    """

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func writeSpec(_ text: String = HalvingProcessTests.spec) throws {
        try text.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
    }

    func localSweep() throws -> String {
        let r = try RunnerBinary.run(["sweep", "spec.json", "--db", "local.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("halving: 9 configurations ranked and 8 runs pruned in this process"), r.stderr)
        return path("local.db")
    }

    func assertSameResult(_ db: String, as reference: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try decisionRows(atPath: db), try decisionRows(atPath: reference), file: file, line: line)
        XCTAssertEqual(try epochTable(atPath: db), try epochTable(atPath: reference), file: file, line: line)
        XCTAssertEqual(try runEndings(atPath: db), try runEndings(atPath: reference), file: file, line: line)
    }

    func testKilledAtARungBarrierAndRerunDecidesAndTrainsTheSame() throws {
        try writeSpec()
        let reference = try localSweep()
        XCTAssertEqual(try decisionRows(atPath: reference).count, 9)
        // Kill -9 while some runs wait at rung 1 for the others and nothing is decided yet.
        let p = try RunnerBinary.start(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        var atBarrier = false
        while p.isRunning && Date() < deadline && !atBarrier {
            usleep(20_000)
            atBarrier = (try? DatabaseQueue(path: path("killed.db")).read { db in
                let waiting = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM runs r WHERE r.status = 'pending' AND (SELECT COUNT(*) FROM epochs e WHERE e.run_id = r.id) = 1
                    """) ?? 0
                let decided = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM halving_decisions") ?? 0
                return waiting >= 1 && decided == 0
            }) ?? false
        }
        XCTAssertTrue(atBarrier, "a run waited at the first rung")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("killed.db", "SELECT COUNT(*) FROM halving_decisions"), "0")
        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        try assertSameResult(path("killed.db"), as: reference)
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
    }

    func testTwoProcessesSharingADatabaseDecideEachRungOnceAndTrainTheSame() throws {
        try writeSpec()
        let reference = try localSweep()
        let first = try RunnerBinary.start(["sweep", "spec.json", "--db", "shared.db", "--jobs", "1", "--no-report"], in: folder, tag: "p1")
        let second = try RunnerBinary.start(["sweep", "spec.json", "--db", "shared.db", "--jobs", "1", "--no-report"], in: folder, tag: "p2")
        let deadline = Date().addingTimeInterval(240)
        while (first.isRunning || second.isRunning) && Date() < deadline { usleep(20_000) }
        for p in [first, second] where p.isRunning { p.terminate() }
        first.waitUntilExit()
        second.waitUntilExit()
        let (_, err1) = RunnerBinary.output(folder, tag: "p1"), (_, err2) = RunnerBinary.output(folder, tag: "p2")
        XCTAssertEqual(first.terminationStatus, 0, err1)
        XCTAssertEqual(second.terminationStatus, 0, err2)
        // Each process says how many configurations it ranked: together, each of the 9 rankings once.
        func ranked(_ text: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.contains(" configurations ranked and ") }),
                  let range = line.range(of: "halving: ") else { return -1 }
            return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? -1
        }
        XCTAssertEqual(ranked(err1) + ranked(err2), 9, err1 + err2)
        try assertSameResult(path("shared.db"), as: reference)
    }

    func testShardsChainedThroughRunnerDecideMergeIntoTheOneProcessSweep() throws {
        try writeSpec()
        let reference = try localSweep()
        let shards = ["shard-0.db", "shard-1.db"]
        for pass in 0...2 {       // two rungs: three passes of the shards, a decision after each of the first two
            for (index, shard) in shards.enumerated() {
                let r = try RunnerBinary.run(["sweep", "spec.json", "--shard", "\(index)/2", "--db", shard, "--jobs", "1", "--no-report"], in: folder)
                XCTAssertEqual(r.status, 0, r.stderr)
                if pass < 2 { XCTAssertTrue(r.stderr.contains("runs wait at a rung barrier"), r.stderr) }
            }
            let merge = try RunnerBinary.run(["merge", "--output", "merged.db"] + shards, in: folder)
            XCTAssertEqual(merge.status, 0, merge.stderr)
            guard pass < 2 else { break }
            if pass == 0 {
                // A shard list with a database of another sweep: refused before anything is written.
                try FileManager.default.copyItem(atPath: path("merged.db"), toPath: path("other.db"))
                try DatabaseQueue(path: path("other.db")).write { try $0.execute(sql: "UPDATE sweeps SET name = 'other'") }
                let wrong = try RunnerBinary.run(["decide", "spec.json", "--db", "merged.db", shards[0], "other.db", shards[1]], in: folder)
                XCTAssertEqual(wrong.status, 1, wrong.stderr)
                XCTAssertEqual(wrong.stderr, "decide: no sweep named 'halving-e2e' in other.db; nothing was decided or copied\n")
                for file in ["merged.db"] + shards {
                    XCTAssertEqual(try DatabaseQueue(path: path(file)).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM halving_decisions") }, 0, file)
                }
            }
            if pass == 1 {
                // A decision step given another halving rule than the one the sweep was registered
                // (and rung 1 decided) with: refused before anything is written.
                try HalvingProcessTests.spec.replacingOccurrences(of: "\"eta\": 2", with: "\"eta\": 3")
                    .write(to: folder.appendingPathComponent("eta3.json"), atomically: true, encoding: .utf8)
                let before = try decisionRows(atPath: path("merged.db"))
                let changed = try RunnerBinary.run(["decide", "eta3.json", "--db", "merged.db"] + shards, in: folder)
                XCTAssertEqual(changed.status, 1, changed.stderr)
                XCTAssertEqual(changed.stderr, "decide: merged.db: sweep 'halving-e2e' in this database is registered with "
                               + "\"halving\": {\"min_epochs\": 1, \"eta\": 2, \"monitor\": \"val_loss\"}, "
                               + "but this spec gives \"halving\": {\"min_epochs\": 1, \"eta\": 3, \"monitor\": \"val_loss\"}; no rung was decided: "
                               + "decide with the spec the sweep is registered with; nothing was decided or copied\n")
                XCTAssertEqual(try decisionRows(atPath: path("merged.db")), before)
                for shard in shards { XCTAssertEqual(try decisionRows(atPath: path(shard)).count, before.count, shard) }
            }
            let decide = try RunnerBinary.run(["decide", "spec.json", "--db", "merged.db"] + shards, in: folder)
            XCTAssertEqual(decide.status, 0, decide.stderr)
            XCTAssertTrue(decide.stdout.contains("rung \(pass + 1) (epoch \(pass + 1)): kept \(pass == 0 ? 3 : 2) of \(pass == 0 ? 6 : 3) configurations"), decide.stdout)
            let again = try RunnerBinary.run(["decide", "spec.json", "--db", "merged.db"] + shards, in: folder)
            XCTAssertTrue(again.stdout.contains("no rung can be decided yet"), again.stdout)
            let missing = try RunnerBinary.run(["decide", "spec.json", "--db", "nowhere/merged.db"], in: folder)
            XCTAssertEqual(missing.status, 1)
            XCTAssertTrue(missing.stderr.contains("no results database at nowhere/merged.db"), missing.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("nowhere")), "decide creates nothing")
        }
        try assertSameResult(path("merged.db"), as: reference)
        // `runner runs` shows where runs were pruned and what that saved.
        let runs = try RunnerBinary.run(["runs", "--db", "merged.db"], in: folder)
        XCTAssertEqual(runs.status, 0, runs.stderr)
        let lines = runs.stdout.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains(" pruned ") && $0.contains("1/4") && $0.contains("rung 1") }.count, 6, runs.stdout)
        XCTAssertEqual(lines.filter { $0.contains(" pruned ") && $0.contains("2/4") && $0.contains("rung 2") }.count, 2, runs.stdout)
        XCTAssertTrue(runs.stdout.contains("(12 runs: 4 finished, 8 pruned)"), runs.stdout)
        XCTAssertTrue(runs.stdout.contains("halving-e2e: 26 of the full grid's 48 epochs trained (54.2%, 22 saved): 8 runs pruned, 0 stopped early"), runs.stdout)
        // So does the report.
        let report = try RunnerBinary.run(["report", "--db", "merged.db"], in: folder)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("Epochs trained: 26 of the full grid's 48 (54.2%, 22 saved); 8 run(s) pruned by successive halving"), report.stdout)
        XCTAssertTrue(report.stdout.contains("Every run finished or was pruned."), report.stdout)
    }

    func testDryRunPrintsBudgetSizesAndTheHalvingSchedule() throws {
        try writeSpec("""
        {"name": "budget", "task": {"name": "adding", "length": 10},
         "train": {"epochs": 27, "params_scope": "recurrent"},
         "grid": {"cell": ["rnn", "gru", "lstm"], "params": [2000], "lr": [0.001, 0.003, 0.01], "seed": [1, 2]},
         "halving": {"min_epochs": 1, "eta": 3}}
        """)
        let r = try RunnerBinary.run(["sweep", "spec.json", "--dry-run"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("params 2000 (recurrent): rnn hidden 43: 1978 recurrent parameters, 2022 in all"), r.stdout)
        XCTAssertTrue(r.stdout.contains("params 2000 (recurrent): gru hidden 24: 1944 recurrent parameters"), r.stdout)
        XCTAssertTrue(r.stdout.contains("params 2000 (recurrent): lstm hidden 21: 2016 recurrent parameters"), r.stdout)
        XCTAssertTrue(r.stdout.contains("halving: rungs at epochs 1, 3, 9 of 27 (eta 3, monitor val_loss); configurations reaching each: 9 → 3 → 1 → 1"), r.stdout)
        // 2 seeds × (9·1 + 3·2 + 1·6 + 1·18) = 78 of 9·2·27 = 486 epochs.
        XCTAssertTrue(r.stdout.contains("halving: at most 78 of the full grid's 486 epochs (16.0%)"), r.stdout)
    }

    func testFailFastStopsAtTheFirstFailedRunAndRetryFailedContinuesIt() throws {
        try writeSpec("""
        {"name": "failing", "task": {"name": "adding", "length": 8, "train_size": 128, "val_size": 32, "data_seed": 1},
         "train": {"epochs": 3, "batch": 16, "hidden": 6}, "grid": {"cell": ["gru", "lstm"], "seed": [1]}}
        """)
        let straight = try RunnerBinary.run(["sweep", "spec.json", "--db", "straight.db", "--no-report"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let first = try RunnerBinary.run(["sweep", "spec.json", "--db", "f.db", "--no-report"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        // Take the gru run back to epoch 2 without its checkpoint: resuming it must fail.
        try DatabaseQueue(path: path("f.db")).write { db in
            try db.execute(sql: """
                UPDATE runs SET status = 'interrupted' WHERE cell = 'gru';
                DELETE FROM epochs WHERE epoch = 3 AND run_id = (SELECT id FROM runs WHERE cell = 'gru');
                DELETE FROM checkpoints WHERE run_id = (SELECT id FROM runs WHERE cell = 'gru');
                UPDATE runs SET status = 'pending' WHERE cell = 'lstm';
                DELETE FROM epochs WHERE run_id = (SELECT id FROM runs WHERE cell = 'lstm');
                DELETE FROM checkpoints WHERE run_id = (SELECT id FROM runs WHERE cell = 'lstm');
                """)
        }
        let failFast = try RunnerBinary.run(["sweep", "spec.json", "--db", "f.db", "--jobs", "1", "--fail-fast", "--no-report"], in: folder)
        XCTAssertEqual(failFast.status, 1, failFast.stderr)
        XCTAssertTrue(failFast.stderr.contains("--fail-fast: stopped at the first failed run, run 1 (gru"), failFast.stderr)
        XCTAssertEqual(try scalar("f.db", "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY plan_index)"), "failed,pending")
        // The lstm run trains on a rerun; --retry-failed tries the gru run again (still no checkpoint: it fails again, exit 1).
        let retry = try RunnerBinary.run(["sweep", "spec.json", "--db", "f.db", "--retry-failed", "--no-report"], in: folder)
        XCTAssertEqual(retry.status, 1, retry.stderr)
        XCTAssertTrue(retry.stderr.contains("--retry-failed: 1 failed run will continue from its last checkpoint"), retry.stderr)
        XCTAssertEqual(try scalar("f.db", "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY plan_index)"), "failed,finished")
        XCTAssertEqual(try scalar("f.db", "SELECT error FROM runs WHERE cell = 'gru'"), "checkpoint is unreadable: run 1 has 2 epochs but no matching checkpoint")
    }
}
