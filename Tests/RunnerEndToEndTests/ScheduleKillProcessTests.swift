// `runner sweep` with learning-rate schedules and the new optimisers, killed with SIGKILL
// mid-way and rerun: the same epochs and per-epoch learning rates, bit for bit.
import XCTest
import Foundation
import GRDB

final class ScheduleKillProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Four runs of six epochs: reduce-on-plateau (patience 0, a threshold that makes most
    /// epochs count as no improvement, so the rate falls mid-run) and cosine, under adamw and rmsprop.
    let spec = """
    {
      "name": "schedules-e2e",
      "task": {"name": "adding", "length": 20, "train_size": 1024, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 6, "batch": 16, "clip_norm": 1.0, "hidden": 24, "cell": "gru", "lr": 0.01, "weight_decay": 0.01},
      "grid": {"optimizer": ["adamw", "rmsprop"],
               "lr_schedule": [{"name": "reduce_on_plateau", "factor": 0.5, "patience": 0, "threshold": 0.9}, "cosine"]}
    }
    """

    func rates(_ db: String) throws -> [String: Double?] {
        try DatabaseQueue(path: folder.appendingPathComponent(db).path).read { db in
            var out: [String: Double?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT r.config_hash || '#' || e.epoch, e.lr FROM epochs e JOIN runs r ON r.id = e.run_id") {
                out[row[0]] = row[1]
            }
            return out
        }
    }

    func testKilledScheduledSweepRerunsToTheSameTablesAndRates() throws {
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let reference = try RunnerBinary.run(["sweep", "spec.json", "--db", "straight.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let straightRates = try rates("straight.db")
        XCTAssertEqual(straightRates.count, 24)
        XCTAssertTrue(straightRates.values.contains { ($0 ?? 0.01) < 0.005 }, "the schedules moved the rate: \(straightRates.values)")

        let p = try RunnerBinary.start(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("killed.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 5 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        let partial = try epochs("killed.db")
        XCTAssertGreaterThanOrEqual(partial.count, 5)
        XCTAssertLessThan(partial.count, 24, "the kill landed before the end")

        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try epochs("killed.db"), try epochs("straight.db"), "bitwise the same numbers")
        XCTAssertEqual(try rates("killed.db"), straightRates, "bitwise the same learning rates")
        XCTAssertEqual(try scalar("killed.db", "SELECT group_concat(DISTINCT status) FROM runs"), "finished")
    }
}
