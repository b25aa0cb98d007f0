// `runner sweep` as a user runs it: killed with SIGKILL and rerun, shared by two
// processes, fed a bad spec or an unusable database path.
import XCTest
import Foundation
import GRDB
import SequenceModels

final class SweepProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Four runs of six epochs, slow enough (a second or two) to be killed mid-way.
    let spec = """
    {
      "name": "e2e",
      "task": {"name": "adding", "length": 20, "train_size": 1024, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 6, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 24},
      "grid": {"cell": ["gru", "lstm"], "seed": [1, 2]}
    }
    """

    func writeSpec(_ text: String, name: String = "spec.json") throws -> String {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }



    func testKilledSweepRerunsToTheSameTables() throws {
        let specFile = try writeSpec(spec)
        let reference = try RunnerBinary.run(["sweep", specFile, "--db", "straight.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)

        let p = try RunnerBinary.start(["sweep", specFile, "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("killed.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 3 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        let partial = try epochs("killed.db")
        XCTAssertGreaterThanOrEqual(partial.count, 3)
        XCTAssertLessThan(partial.count, 24, "the kill landed before the end")

        let rerun = try RunnerBinary.run(["sweep", specFile, "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        let straight = try epochs("straight.db"), resumed = try epochs("killed.db")
        XCTAssertEqual(resumed.count, 24, "every epoch exactly once")
        XCTAssertEqual(resumed, straight, "bitwise the same numbers")
        XCTAssertEqual(try scalar("killed.db", "SELECT group_concat(DISTINCT status) FROM runs"), "finished")
    }

    func testCtrlCMarksRunsInterruptedAndARerunCompletes() throws {
        let specFile = try writeSpec(spec)
        let straight = try RunnerBinary.run(["sweep", specFile, "--db", "straight.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        let p = try RunnerBinary.start(["sweep", specFile, "--db", "int.db", "--jobs", "2", "--no-report"], in: folder, tag: "int")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("int.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 2 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let (_, err) = RunnerBinary.output(folder, tag: "int")
        XCTAssertEqual(p.terminationStatus, 130, err)
        XCTAssertTrue(err.contains("interrupted"), err)
        XCTAssertEqual(try scalar("int.db", "PRAGMA integrity_check"), "ok")
        XCTAssertEqual(try scalar("int.db", "SELECT COUNT(*) FROM runs WHERE status = 'running'"), "0", "no run is left running")
        XCTAssertNotEqual(try scalar("int.db", "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'"), "0")

        let rerun = try RunnerBinary.run(["sweep", specFile, "--db", "int.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try epochs("int.db"), try epochs("straight.db"))
    }

    func testTwoProcessesShareTheWork() throws {
        let specFile = try writeSpec(spec)
        let a = try RunnerBinary.start(["sweep", specFile, "--db", "shared.db", "--jobs", "1", "--no-report"], in: folder, tag: "a")
        let b = try RunnerBinary.start(["sweep", specFile, "--db", "shared.db", "--jobs", "1", "--no-report"], in: folder, tag: "b")
        a.waitUntilExit(); b.waitUntilExit()
        let (_, errA) = RunnerBinary.output(folder, tag: "a"), (_, errB) = RunnerBinary.output(folder, tag: "b")
        XCTAssertEqual(a.terminationStatus, 0, errA)
        XCTAssertEqual(b.terminationStatus, 0, errB)
        func finished(_ log: String) -> Int {
            guard let line = log.split(separator: "\n").first(where: { $0.hasPrefix("sweep e2e:") }),
                  let n = line.split(separator: " ").dropFirst(2).first.flatMap({ Int($0) }) else { return -1 }
            return n
        }
        XCTAssertEqual(finished(errA) + finished(errB), 4, "each run trained by exactly one process\n\(errA)\n\(errB)")
        XCTAssertEqual(try scalar("shared.db", "SELECT COUNT(*) FROM epochs"), "24")
        XCTAssertEqual(try scalar("shared.db", "SELECT group_concat(DISTINCT status) FROM runs"), "finished")
        XCTAssertEqual(try scalar("shared.db", "PRAGMA integrity_check"), "ok")
    }

    func testASweepWhoseOutputPipeIsClosedFinishesItsRunsAndExitsOne() throws {
        // `runner sweep spec 2>&1 | head -2`: the reader goes away after two lines. SIGPIPE used
        // to kill the sweep mid-epoch (exit 141, runs left running).
        let specFile = try writeSpec(#"{"name": "pipe", "task": {"name": "adding", "length": 6, "train_size": 64, "val_size": 16}, "#
                                     + #""train": {"epochs": 3, "batch": 16}, "grid": {"cell": ["gru", "lstm"], "hidden": [4], "seed": [1, 2]}}"#)
        let p = Process()
        p.executableURL = RunnerBinary.url
        p.arguments = ["sweep", specFile, "--db", "pipe.db", "--jobs", "1"]
        p.currentDirectoryURL = folder
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try pipe.fileHandleForReading.close()   // no reader: the first write fails
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, "not killed by a signal (status \(p.terminationStatus))")
        XCTAssertEqual(p.terminationStatus, 1, "its report could not be written")
        let statuses = try DatabaseQueue(path: folder.appendingPathComponent("pipe.db").path).read {
            try String.fetchAll($0, sql: "SELECT status FROM runs")
        }
        XCTAssertEqual(statuses, ["finished", "finished", "finished", "finished"])
    }

    func testBadSpecExitsTwoWithOneLinePerProblemAndNoDatabase() throws {
        let specFile = try writeSpec("""
        {"name": "bad", "task": {"name": "adding", "length": 0},
         "train": {"epochs": 2, "hiden": 8}, "grid": {"cell": ["gru", "lstn"], "lr": []}}
        """)
        let r = try RunnerBinary.run(["sweep", specFile, "--db", "bad.db"], in: folder)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("hidden"), "suggests the closest field name:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("lstn"), r.stderr)
        XCTAssertTrue(r.stderr.contains("length"), r.stderr)
        XCTAssertGreaterThanOrEqual(r.stderr.split(separator: "\n").count, 4, "one line per problem:\n\(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad.db").path), "database untouched")
    }

    func testContradictoryFlagsAreRefusedBeforeAnythingIsWritten() throws {
        let specFile = try writeSpec(#"{"name": "flags", "task": {"name": "adding", "length": 4}, "grid": {"cell": ["gru"]}}"#)
        for (flags, says) in [(["--retry-failed", "--fresh"], "--retry-failed continues failed runs, --fresh deletes every run first"),
                              (["--tensorboard-append"], "--tensorboard-append needs --tensorboard DIR"),
                              (["--shard", "2/2"], "--shard 2/2: the shard index is 0-based, from 0 to 1 for 2 shards"),
                              (["--shard", "1/0"], "--shard 1/0: the number of shards must be positive")] {
            let r = try RunnerBinary.run(["sweep", specFile, "--db", "flags.db"] + flags, in: folder)
            XCTAssertEqual(r.status, 64, "\(flags): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("flags.db").path), "nothing written")
        }
        for command in [["sweep", specFile], ["runs"], ["report"]] {
            let r = try RunnerBinary.run(command + ["--db", ""], in: folder)
            XCTAssertEqual(r.status, 64, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--db needs the path of a database file, got an empty one"), r.stderr)
        }
    }

    func testARerunSaysWhichRunsAnotherProcessStillTrains() throws {
        // A run held by a live worker elsewhere (fresh heartbeat) is not taken: the rerun trains
        // nothing, and says so and who holds it, instead of ending silently.
        let specFile = try writeSpec(#"{"name": "held", "task": {"name": "adding", "length": 4, "train_size": 16, "val_size": 4}, "train": {"epochs": 1, "batch": 4, "hidden": 3}, "grid": {"cell": ["gru"]}}"#)
        let first = try RunnerBinary.run(["sweep", specFile, "--db", "h.db", "--no-report"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        try DatabaseQueue(path: folder.appendingPathComponent("h.db").path).write { db in
            try db.execute(sql: "UPDATE runs SET status = 'running', worker = 'otherhost:4242:0', heartbeat_at = ?", arguments: [Date().timeIntervalSince1970])
        }
        let again = try RunnerBinary.run(["sweep", specFile, "--db", "h.db", "--no-report"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("1 run is still training in another process (worker otherhost:4242:0): it continues there"),
                      again.stdout + again.stderr)
    }

    func testMalformedJSONNamesLineAndColumn() throws {
        let specFile = try writeSpec("{\n  \"name\": \"x\",\n  \"task\": {\"name\": \"adding\",}\n}")
        let r = try RunnerBinary.run(["sweep", specFile], in: folder)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("line 3"), r.stderr)
    }

    func testMissingSpecAndUnusableDatabaseGiveOneClearLine() throws {
        let missing = try RunnerBinary.run(["sweep", "nowhere.json"], in: folder)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nowhere.json"), missing.stderr)

        let specFile = try writeSpec(spec)
        try "not a folder".write(to: folder.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let r = try RunnerBinary.run(["sweep", specFile, "--db", "file/results.db"], in: folder)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("file/results.db"), r.stderr)
    }

    func testExportWritesTheTrainedWeightsAsSafetensors() throws {
        let specFile = try writeSpec(spec.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 1"))
        let sweep = try RunnerBinary.run(["sweep", specFile, "--db", "x.db", "--no-report"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        let r = try RunnerBinary.run(["export", "--db", "x.db", "--run", "1", "--output", "m.safetensors"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let model = try Safetensors.load(from: folder.appendingPathComponent("m.safetensors"))
        XCTAssertEqual(model.config.hiddenSize, 24)
        XCTAssertEqual("\(model.parameters.count)", try scalar("x.db", "SELECT param_count FROM runs WHERE id = 1"))
        let missing = try RunnerBinary.run(["export", "--db", "x.db", "--run", "99"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("run 99"), missing.stderr)
    }

    func testDryRunPrintsThePlanAndTouchesNothing() throws {
        let specFile = try writeSpec(spec)
        let r = try RunnerBinary.run(["sweep", specFile, "--db", "dry.db", "--dry-run"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 runs"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("dry.db").path))
    }
}
