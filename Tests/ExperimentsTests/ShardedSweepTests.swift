// A sweep split into shards (each in its own database, as Slurm array tasks run it) and
// merged gives the same tables and report as the sweep run in one place; the sbatch scripts.
import XCTest
import Foundation
import GRDB
@testable import Experiments
import Reports
import ResultsStore

final class ShardedSweepTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// run_summary without timings, ordered: what a report of the sweep is computed from.
    func summary(_ dbPath: String) throws -> [[String]] {
        try DatabaseQueue(path: dbPath).read { db in
            try Row.fetchAll(db, sql: """
                SELECT sweep, cell, hidden, lr, seed, status, epochs, best_val_loss, final_val_loss, best_val_metric
                  FROM run_summary ORDER BY cell, hidden, lr, seed
                """).map { row in row.databaseValues.map { "\($0)" } }
        }
    }

    func testShardsInTheirOwnDatabasesMergeToTheOneProcessSweep() throws {
        let spec = smallSpec(name: "sharded")
        try runSweep(spec: spec, in: folder, dbPath: path("straight.db"), jobs: 2)
        var shardPaths: [String] = []
        for index in 0..<3 {
            shardPaths.append(path("shard-\(index).db"))
            try runSweep(spec: spec, in: folder, dbPath: shardPaths[index], jobs: 1, shard: (index, 3))
        }
        let shardEpochs = try shardPaths.map { try epochTable($0) }
        XCTAssertEqual(shardEpochs.map(\.count).reduce(0, +), 6 * 3, "the shards hold each run once")

        let merged = path("merged.db")
        let report = try ResultsDatabase.merge(inputPaths: shardPaths, into: merged, includeCheckpoints: false)
        XCTAssertEqual(report.conflicts, [])
        XCTAssertEqual(report.inputs.map(\.runsAdded).reduce(0, +), 6)
        XCTAssertEqual(try epochTable(merged), try epochTable(path("straight.db")), "bit for bit the same epochs")
        XCTAssertEqual(try summary(merged), try summary(path("straight.db")))
        XCTAssertEqual(try integrityCheck(merged), "ok")

        let text = try ReportRunner.textReport(databasePath: merged, sweepName: "sharded")
        XCTAssertTrue(text.contains("Sweep sharded"), text)
        XCTAssertTrue(text.contains("Runs: 6 (6 finished)"), text)
    }

    func testACancelledShardMergedThenResumedAndMergedAgainCatchesUp() throws {
        let spec = smallSpec(name: "resumed", cells: ["gru", "lstm"], epochs: 4, seeds: [1, 2], trainSize: 512)
        try runSweep(spec: spec, in: folder, dbPath: path("straight.db"), jobs: 1)
        let plan = Plan(spec: try Spec.parse(spec))
        // The shard of 2 with the most runs, cancelled after its first recorded epoch.
        let index = plan.shard(0, of: 2).count >= plan.shard(1, of: 2).count ? 0 : 1
        let shard = path("shard-\(index).db"), other = path("shard-\(1 - index).db")
        try runSweep(spec: spec, in: folder, dbPath: other, jobs: 1, shard: (1 - index, 2))
        let first = try runSweep(spec: spec, in: folder, dbPath: shard, jobs: 1, shard: (index, 2)) { scheduler in
            DispatchQueue.global().async {
                while (try? epochTable(shard).count) ?? 0 < 1 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        let merged = path("merged.db")
        let partial = try ResultsDatabase.merge(inputPaths: [shard, other], into: merged, includeCheckpoints: false)
        XCTAssertGreaterThan(partial.inputs[0].unfinishedRuns, 0, "the cancelled shard is reported unfinished")
        XCTAssertEqual(partial.inputs[1].unfinishedRuns, 0)

        try runSweep(spec: spec, in: folder, dbPath: shard, jobs: 1, shard: (index, 2))
        let caughtUp = try ResultsDatabase.merge(inputPaths: [shard, other], into: merged, includeCheckpoints: false)
        XCTAssertEqual(caughtUp.conflicts, [])
        XCTAssertGreaterThan(caughtUp.inputs[0].runsAdvanced, 0)
        XCTAssertEqual(caughtUp.inputs[1].runsAdvanced + caughtUp.inputs[1].runsAdded, 0)
        XCTAssertEqual(try epochTable(merged), try epochTable(path("straight.db")))
        XCTAssertEqual(Set(try statuses(merged).values), ["finished"])
    }

    func testSlurmScriptsRunOneShardPerTaskAndMergeAfterwards() throws {
        let options = SlurmJobOptions(runnerPath: "/opt/runner/bin/runner", specPath: "/home/me/it's/grid.json",
                                      sweepName: "grid t50", tasks: 3, parallel: 2, cpusPerTask: 4,
                                      partition: "short", time: "1:00:00", outputDirectory: path("slurm"))
        let scripts = SlurmScripts(options)
        let array = scripts.arrayScript, merge = scripts.mergeScript
        XCTAssertTrue(array.contains("#SBATCH --array=0-2%2\n"), array)
        XCTAssertTrue(array.contains("#SBATCH --cpus-per-task=4\n#SBATCH --partition=short\n#SBATCH --time=1:00:00\n"), array)
        XCTAssertTrue(array.contains("#SBATCH --job-name=runner-grid-t50\n"), array)
        XCTAssertTrue(array.contains(#"exec '/opt/runner/bin/runner' sweep '/home/me/it'\''s/grid.json' --shard "$SLURM_ARRAY_TASK_ID/3" --jobs 4"#), array)
        XCTAssertTrue(array.contains("--db '\(path("slurm"))'/shard-\"$SLURM_ARRAY_TASK_ID\".db --no-report"), array)
        XCTAssertTrue(array.contains("shared by all nodes"), "says the filesystem is assumed shared")
        XCTAssertTrue(array.contains("sbatch --array=I \(scripts.arrayScriptPath)"), "says how to rerun one task")
        for index in 0..<3 { XCTAssertTrue(merge.contains("'\(scripts.shardDatabasePath(index))'"), merge) }
        XCTAssertFalse(merge.contains("shard-3.db"))
        XCTAssertTrue(merge.contains("merge --output '\(scripts.mergedDatabasePath)'"), merge)
        XCTAssertTrue(merge.contains("report --db '\(scripts.mergedDatabasePath)' --sweep 'grid t50' --output '\(scripts.reportPath)'"), merge)

        let unlimited = SlurmScripts(SlurmJobOptions(runnerPath: "/r", specPath: "/s.json", sweepName: "s", tasks: 1,
                                                     cpusPerTask: 1, outputDirectory: "/out"))
        XCTAssertTrue(unlimited.arrayScript.contains("#SBATCH --array=0-0\n"))
        XCTAssertFalse(unlimited.arrayScript.contains("--partition") || unlimited.arrayScript.contains("--time"))

        // Both scripts are valid bash.
        for (name, text) in [("array.sh", array), ("merge.sh", merge)] {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            let bash = Process()
            bash.executableURL = URL(fileURLWithPath: "/bin/bash")
            bash.arguments = ["-n", path(name)]
            try bash.run()
            bash.waitUntilExit()
            XCTAssertEqual(bash.terminationStatus, 0, "bash -n \(name)")
        }
    }
}
