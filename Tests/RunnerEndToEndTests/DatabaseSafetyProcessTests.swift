// Nothing a user types destroys a database or crashes runner: sizes are refused at
// validation (exit 2, no database), foreign files are refused and left byte-identical,
// and a process that finds the write lock held waits instead of failing.
import Foundation
import GRDB
import XCTest

final class DatabaseSafetyProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func writeSpec(_ grid: String, name: String = "spec.json") throws -> String {
        try """
        {"name": "limits", "task": {"name": "adding", "length": 6, "train_size": 32, "val_size": 8},
         "train": {"epochs": 1, "batch": 8, "hidden": 4}, "grid": \(grid)}
        """.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testHugeSizesAreRefusedWithExitTwoAndNoDatabase() throws {
        for grid in [#"{"hidden": [2147483648]}"#, #"{"hidden": [2147483647]}"#, #"{"hidden": [4294967296]}"#,
                     #"{"hidden": [1000000, 8, 12]}"#] {
            let spec = try writeSpec(grid)
            for dryRun in [true, false] {
                let result = try RunnerBinary.run(["sweep", spec, "--db", "big.db"] + (dryRun ? ["--dry-run"] : []), in: folder)
                XCTAssertEqual(result.status, 2, "\(grid): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("grid.hidden[0]: must be at most 65536"), result.stderr)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path("big.db")), "no database left behind")
            }
        }
        // Within the bound but far too large for memory (25.7 GB for its weights alone).
        let spec = try writeSpec(#"{"hidden": [46340, 8]}"#)
        let result = try RunnerBinary.run(["sweep", spec, "--db", "big.db"], in: folder)
        XCTAssertEqual(result.status, 2, result.stderr)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(lines.first?.contains("plan run 0 (lstm hidden=46340 lr=0.001 seed=1): needs about") ?? false, result.stderr)
        XCTAssertTrue(result.stderr.contains("of physical memory"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("big.db")))
    }

    func testPlanAboveTheLimitIsRefusedQuickly() throws {
        let values = (1...300).map(String.init).joined(separator: ", ")
        let spec = try writeSpec(#"{"hidden": [\#(values)], "seed": [\#(values)], "batch": [\#(values)]}"#)
        let result = try RunnerBinary.run(["sweep", spec, "--dry-run"], in: folder, timeout: 60)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "spec.json: grid: the plan has 27000000 runs (300 hidden × 300 seed × 300 batch), above the limit of 1000000 runs per sweep; split it into several sweeps\n")
    }

    func testForeignFilesAreRefusedByEveryWriterAndLeftByteIdentical() throws {
        let foreign = path("other.db")
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE foo(x); INSERT INTO foo VALUES (42)") }
        let lookalike = path("lookalike.db")
        try DatabaseQueue(path: lookalike).write { try $0.execute(sql: "CREATE TABLE sweeps(a); CREATE TABLE runs(b)") }
        let spec = try writeSpec(#"{"cell": ["gru"]}"#)
        let good = try RunnerBinary.run(["sweep", spec, "--db", "good.db", "--no-report"], in: folder)
        XCTAssertEqual(good.status, 0, good.stderr)
        for file in [foreign, lookalike] {
            let before = try Data(contentsOf: URL(fileURLWithPath: file))
            for arguments in [["sweep", spec, "--db", file, "--no-report"], ["merge", "--output", file, "good.db"]] {
                let result = try RunnerBinary.run(arguments, in: folder)
                XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains("is not a runner results database"), result.stderr)
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before, "\(arguments) left the file byte-identical")
            }
        }
    }

    func testADamagedDatabaseGivesOneLineAndLeavesNoHalfExport() throws {
        let spec = try writeSpec(#"{"cell": ["gru", "lstm"], "hidden": [4, 8], "seed": [1, 2, 3]}"#)
        let good = try RunnerBinary.run(["sweep", spec, "--db", "good.db", "--no-report"], in: folder)
        XCTAssertEqual(good.status, 0, good.stderr)
        // Every page after the first two overwritten: the schema reads, the tables do not.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path("good.db")))
        XCTAssertGreaterThan(bytes.count, 4 * 4096)
        bytes.replaceSubrange(8192..<bytes.count, with: Data(repeating: 0xFF, count: bytes.count - 8192))
        try bytes.write(to: URL(fileURLWithPath: path("bad.db")))
        for arguments in [["runs", "--db", "bad.db"], ["export", "--db", "bad.db", "--tensorboard", "tb"],
                          ["merge", "--output", "m.db", "bad.db", "good.db"]] {
            let result = try RunnerBinary.run(arguments, in: folder)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): one line, no SQL statement: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("malformed") || result.stderr.contains("not a database"), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: path("tb"))) ?? []), [], "no half-exported sweep")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.db")), "no merged file")
    }

    func testEveryReaderRefusesAFIFOInsteadOfWaitingOnIt() throws {
        // SQLite opening a FIFO blocks until something writes to it: for ever.
        XCTAssertEqual(mkfifo(path("ff"), 0o644), 0)
        for arguments in [["runs", "--db", "ff"], ["report", "--db", "ff"], ["query", "--db", "ff", "SELECT 1"],
                          ["export", "--db", "ff", "--run", "1", "--output", "w.safetensors"], ["sample", "--db", "ff", "--run", "1"],
                          ["merge", "--output", "m.db", "ff"]] {
            let result = try RunnerBinary.run(arguments, in: folder, timeout: 60)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("ff") && result.stderr.contains("not a regular file"), "\(arguments): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.db")), "merge created nothing")
    }

    func testReadersOfRunsSayAForeignOrEmptyFileIsNotAResultsDatabase() throws {
        // runs, export and sample read the runs table: on another program's SQLite file or an
        // empty file they say what the file is not, in one line naming it (not SQLite's
        // "no such table" with the query's text), exit 1, and leave it as it was.
        let foreign = path("other.db")
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE foo(x); INSERT INTO foo VALUES (42)") }
        FileManager.default.createFile(atPath: path("empty.db"), contents: Data())
        for file in ["other.db", "empty.db"] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path(file)))
            for arguments in [["runs", "--db", file], ["export", "--db", file, "--run", "1", "--output", "w.safetensors"],
                              ["export", "--db", file, "--tensorboard", "tb"], ["sample", "--db", file, "--run", "1"]] {
                let result = try RunnerBinary.run(arguments, in: folder)
                XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertTrue(result.stderr.contains("\(file) is not a results database: it has no table"), result.stderr)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path(file))), before, "\(arguments) left the file as it was")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("w.safetensors")))
    }

    func testAWorkerFindingTheWriteLockHeldWaitsSaysForWhomAndContinues() throws {
        let spec = try writeSpec(#"{"cell": ["gru", "lstm"]}"#)
        let first = try RunnerBinary.run(["sweep", spec, "--db", "shared.db", "--no-report"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        // The holder: a run it works on, then the write lock, kept (as by a stopped process).
        let holderWorker = "testhost:\(getpid()):0"
        let holder = try DatabaseQueue(path: path("shared.db"))
        try holder.write { db in
            try db.execute(sql: "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('held', '{}', 'now', 'adding', 'mse', 0)")
            try db.execute(sql: """
                INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, epochs_planned, status, worker, heartbeat_at)
                SELECT id, 0, 'h', '{}', 'adding', 'gru', 8, 0.01, 1, 3, 'running', ?, 1 FROM sweeps WHERE name = 'held'
                """, arguments: [holderWorker])
        }
        let lock = try WriteLockHolder(path: path("shared.db"))
        defer { lock.unlock() }
        let fresh = try RunnerBinary.start(["sweep", spec, "--db", "shared.db", "--fresh", "--no-report"], in: folder, tag: "waiter")
        let deadline = Date().addingTimeInterval(120)
        var stderr = ""
        while Date() < deadline && fresh.isRunning {
            stderr = RunnerBinary.output(folder, tag: "waiter").1
            if stderr.contains("waiting for the write lock") { break }
            usleep(50_000)
        }
        XCTAssertTrue(fresh.isRunning, "still waiting, not failed: \(RunnerBinary.output(folder, tag: "waiter").1)")
        XCTAssertTrue(stderr.contains("waiting for the write lock on shared.db, held by process \(getpid()) (worker \(holderWorker))"), stderr)
        lock.unlock()
        fresh.waitUntilExit()
        let (_, finalErr) = RunnerBinary.output(folder, tag: "waiter")
        XCTAssertEqual(fresh.terminationStatus, 0, finalErr)
        XCTAssertEqual(finalErr.components(separatedBy: "waiting for the write lock").count, 2, "said once: \(finalErr)")
        XCTAssertFalse(finalErr.contains("database is locked"), finalErr)
    }

    func testCtrlCStopsAProcessWaitingForTheLockAtOnce() throws {
        let spec = try writeSpec(#"{"cell": ["gru"]}"#)
        let first = try RunnerBinary.run(["sweep", spec, "--db", "shared.db", "--no-report"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let lock = try WriteLockHolder(path: path("shared.db"))
        defer { lock.unlock() }
        let waiter = try RunnerBinary.start(["sweep", spec, "--db", "shared.db", "--fresh", "--no-report"], in: folder, tag: "waiter")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && waiter.isRunning && !RunnerBinary.output(folder, tag: "waiter").1.contains("waiting for the write lock") {
            usleep(50_000)
        }
        XCTAssertTrue(waiter.isRunning)
        kill(waiter.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(30)
        while waiter.isRunning && Date() < stopDeadline { usleep(20_000) }
        XCTAssertFalse(waiter.isRunning, "Ctrl-C stopped the waiting process")
        if waiter.isRunning { waiter.terminate() }
        waiter.waitUntilExit()
    }

    func testCtrlCStopsATrainingSweepWaitingForTheLockAtOnce() throws {
        try """
        {"name": "long", "task": {"name": "adding", "length": 6, "train_size": 4096, "val_size": 8},
         "train": {"epochs": 5000, "batch": 8, "hidden": 4}, "grid": {"cell": ["gru"]}}
        """.write(to: folder.appendingPathComponent("long.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.start(["sweep", "long.json", "--db", "long.db", "--jobs", "1", "--no-report"], in: folder, tag: "long")
        defer { if sweep.isRunning { kill(sweep.processIdentifier, SIGKILL) } }
        var deadline = Date().addingTimeInterval(120)
        while Date() < deadline, sweep.isRunning, (Int((try? scalar("long.db", "SELECT COUNT(*) FROM epochs")) ?? "") ?? 0) < 1 {
            usleep(20_000)
        }
        // Take the write lock while the sweep trains: its next epoch's write waits.
        let lock = try WriteLockHolder(path: path("long.db"))
        defer { lock.unlock() }
        deadline = Date().addingTimeInterval(120)
        while Date() < deadline && sweep.isRunning && !RunnerBinary.output(folder, tag: "long").1.contains("waiting for the write lock") {
            usleep(50_000)
        }
        XCTAssertTrue(sweep.isRunning, RunnerBinary.output(folder, tag: "long").1)
        kill(sweep.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(30)
        while sweep.isRunning && Date() < stopDeadline { usleep(20_000) }
        XCTAssertFalse(sweep.isRunning, "one Ctrl-C stopped the sweep waiting for the lock")
        if !sweep.isRunning {
            XCTAssertEqual(sweep.terminationStatus, 130)
            XCTAssertTrue(RunnerBinary.output(folder, tag: "long").1.contains("interrupted while waiting for the write lock"))
        }
    }
}
