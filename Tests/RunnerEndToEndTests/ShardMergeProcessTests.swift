// `runner sweep --shard` and `runner merge` as a user runs them: shards computed by separate
// processes partition the plan, a shard killed with SIGKILL resumes to the same bits and merges
// into the one-process result, conflicts exit 3 after merging the rest.
import XCTest
import Foundation
import GRDB

final class ShardMergeProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Six runs of six epochs, slow enough to kill a shard mid-way.
    let spec = """
    {
      "name": "sharded-e2e",
      "task": {"name": "adding", "length": 20, "train_size": 1024, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 6, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 24},
      "grid": {"cell": ["gru", "lstm"], "seed": [1, 2, 3]}
    }
    """

    func writeSpec() throws -> String {
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        return "spec.json"
    }



    /// The 12-character hash prefixes that `runner sweep --dry-run` lists.
    func plannedHashes(_ arguments: [String]) throws -> [String] {
        let r = try RunnerBinary.run(["sweep", "spec.json", "--dry-run"] + arguments, in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").dropFirst(2).map { line in String(line.split(separator: " ")[1]) }
    }

    func testShardsComputedBySeparateProcessesPartitionThePlan() throws {
        _ = try writeSpec()
        let all = try plannedHashes([])
        XCTAssertEqual(all.count, 6)
        for count in [2, 3, 7] {
            let shards = try (0..<count).map { try plannedHashes(["--shard", "\($0)/\(count)"]) }
            XCTAssertEqual(shards.flatMap { $0 }.sorted(), all.sorted(), "\(count) shards: every run in exactly one")
        }
        XCTAssertEqual(try plannedHashes(["--shard", "1/3"]), try plannedHashes(["--shard", "1/3"]), "the same split every time")
    }

    func testKilledShardResumesToTheSameBitsAndMergesIntoTheOneProcessSweep() throws {
        let specFile = try writeSpec()
        let straight = try RunnerBinary.run(["sweep", specFile, "--db", "straight.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.stderr)

        // Kill the larger shard of two once it has recorded an epoch.
        let sizes = try (0..<2).map { try plannedHashes(["--shard", "\($0)/2"]).count }
        let big = sizes[0] >= sizes[1] ? 0 : 1, small = 1 - big
        let p = try RunnerBinary.start(["sweep", specFile, "--shard", "\(big)/2", "--db", "shard-\(big).db", "--jobs", "2", "--no-report"],
                                       in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("shard-\(big).db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 1 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("shard-\(big).db", "PRAGMA integrity_check"), "ok")
        XCTAssertLessThan(try epochs("shard-\(big).db").count, sizes[big] * 6, "the kill landed before the end of the shard")

        // Merging the killed shard reports it unfinished; the other shard runs meanwhile.
        let other = try RunnerBinary.run(["sweep", specFile, "--shard", "\(small)/2", "--db", "shard-\(small).db", "--no-report"], in: folder)
        XCTAssertEqual(other.status, 0, other.stderr)
        let early = try RunnerBinary.run(["merge", "--output", "merged.db", "shard-\(big).db", "shard-\(small).db"], in: folder)
        XCTAssertEqual(early.status, 0, early.stderr)
        XCTAssertTrue(early.stdout.contains("shard-\(big).db: \(sizes[big]) runs in sweep sharded-e2e") && early.stdout.contains("unfinished shard"),
                      early.stdout)

        // Resume the shard: same bits as the straight sweep, then merge again.
        let resumed = try RunnerBinary.run(["sweep", specFile, "--shard", "\(big)/2", "--db", "shard-\(big).db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let shardEpochs = try epochs("shard-\(big).db"), straightEpochs = try epochs("straight.db")
        XCTAssertEqual(shardEpochs.count, sizes[big] * 6, "every epoch of the shard exactly once")
        for (key, value) in shardEpochs { XCTAssertEqual(value, straightEpochs[key], key) }

        let merge = try RunnerBinary.run(["merge", "--output", "merged.db", "shard-\(big).db", "shard-\(small).db"], in: folder)
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertFalse(merge.stdout.contains("unfinished"), merge.stdout)
        XCTAssertTrue(merge.stdout.contains("merged.db: sweep sharded-e2e: 6 runs (6 finished)"), merge.stdout)
        XCTAssertEqual(try epochs("merged.db"), straightEpochs, "bit for bit the one-process sweep")
        XCTAssertEqual(try scalar("merged.db", "PRAGMA integrity_check"), "ok")

        // Idempotent; and report and query read the merged file.
        let again = try RunnerBinary.run(["merge", "--output", "merged.db", "shard-\(big).db", "shard-\(small).db", "shard-\(big).db"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout.components(separatedBy: "0 added, 0 advanced, 0 epochs added").count - 1, 3, again.stdout)
        XCTAssertEqual(try scalar("merged.db", "SELECT COUNT(*) FROM epochs"), "36")
        let report = try RunnerBinary.run(["report", "--db", "merged.db"], in: folder)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("Runs: 6 (6 finished)"), report.stdout)
        let query = try RunnerBinary.run(["query", "--db", "merged.db", "--format", "csv", "SELECT COUNT(*) AS n FROM run_summary WHERE epochs = 6"], in: folder)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertTrue(query.stdout.contains("6"), query.stdout)
    }

    func testConflictExitsThreeWithOneLineAfterMergingTheRest() throws {
        let specFile = try writeSpec()
        let cheap = spec.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 2")
            .replacingOccurrences(of: "\"train_size\": 1024", with: "\"train_size\": 64")
        try cheap.write(to: folder.appendingPathComponent(specFile), atomically: true, encoding: .utf8)
        for name in ["a.db", "b.db"] {
            let r = try RunnerBinary.run(["sweep", specFile, "--db", name, "--no-report"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // Tamper with one epoch of one run in b.db.
        let hash = try scalar("b.db", "SELECT config_hash FROM runs ORDER BY plan_index LIMIT 1")
        try DatabaseQueue(path: folder.appendingPathComponent("b.db").path).write { db in
            try db.execute(sql: "UPDATE epochs SET val_loss = val_loss + 1 WHERE epoch = 2 AND run_id = (SELECT id FROM runs WHERE config_hash = ?)",
                           arguments: [hash])
        }
        let r = try RunnerBinary.run(["merge", "--output", "m.db", "a.db", "b.db"], in: folder)
        XCTAssertEqual(r.status, 3, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("conflict: ") }.count, 1, r.stderr)
        let line = String(lines.first { $0.hasPrefix("conflict: ") } ?? "")
        for part in ["sweep sharded-e2e", String(hash.prefix(12)), "seed=", "epoch 2", "val_loss", "b.db"] {
            XCTAssertTrue(line.contains(part), "'\(part)' in: \(line)")
        }
        XCTAssertEqual(try scalar("m.db", "SELECT COUNT(*) FROM runs"), "6", "the rest is merged")
        XCTAssertEqual(try epochs("m.db"), try epochs("a.db"), "the value already merged is kept")

        let missing = try RunnerBinary.run(["merge", "--output", "n.db", "a.db", "nowhere.db"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nowhere.db: no such file (an input of the merge)"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("--db"), "merge has no --db: \(missing.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("n.db").path), "nothing written")
    }

    func testSlurmWritesScriptsForThisBinaryAndRejectsABadSpec() throws {
        let specFile = try writeSpec()
        let r = try RunnerBinary.run(["slurm", specFile, "--tasks", "3", "--output-dir", "out"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let sizes = try (0..<3).map { try plannedHashes(["--shard", "\($0)/3"]).count }
        XCTAssertTrue(r.stdout.contains("6 runs in 3 shards of \(sizes.map(String.init).joined(separator: ", ")) runs"), r.stdout)
        let out = folder.appendingPathComponent("out")
        let array = try String(contentsOf: out.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        let binary = RunnerBinary.url.resolvingSymlinksInPath().path
        XCTAssertTrue(array.contains("exec '\(binary)' sweep '\(folder.appendingPathComponent(specFile).resolvingSymlinksInPath().path)'")
                      || array.contains("exec '\(binary)' sweep '\(folder.appendingPathComponent(specFile).path)'"),
                      "the absolute paths of this runner and the spec:\n\(array)")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("merge.sbatch").path))
        XCTAssertTrue(r.stdout.contains("sbatch --parsable"), "says how to submit by hand: \(r.stdout)")

        try "{\"name\": \"x\", \"task\": {\"name\": \"addding\"}}".write(to: folder.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let bad = try RunnerBinary.run(["slurm", "bad.json", "--output-dir", "bad"], in: folder)
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("addding"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad").path))
    }

    func testSlurmRefusesValuesThatWouldBreakOutOfTheScriptsLines() throws {
        // Each value lands on an #SBATCH or comment line: a line break would end it, and what
        // follows would run as a command on the cluster. Refused (exit 64 for options, 2 for the
        // spec), one line each, and no scripts written.
        let specFile = try writeSpec()
        for (options, says) in [(["--time", "1:00:00\ntouch INJECTED"], "--time must be one word"),
                                (["--partition", "cpu #x"], "--partition must be one word"),
                                (["--output-dir", "out\ntouch INJECTED"], "--output-dir must not contain control characters")] {
            let r = try RunnerBinary.run(["slurm", specFile, "--output-dir", "o"] + options, in: folder)
            XCTAssertEqual(r.status, 64, "\(options): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
        let named = try String(contentsOfFile: folder.appendingPathComponent(specFile).path, encoding: .utf8)
            .replacingOccurrences(of: #""name": "sharded-e2e""#, with: #""name": "x\ntouch INJECTED\n#""#)
        XCTAssertTrue(named.contains("INJECTED"), "the spec's name was replaced")
        try named.write(to: folder.appendingPathComponent("named.json"), atomically: true, encoding: .utf8)
        let r = try RunnerBinary.run(["slurm", "named.json", "--output-dir", "o"], in: folder)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("name: must not contain control characters"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("o").path), "no scripts")
    }
}
