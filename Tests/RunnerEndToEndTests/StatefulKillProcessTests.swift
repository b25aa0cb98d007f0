// `runner sweep` on a stateful charlm spec (truncated BPTT, the state carried from batch to
// batch, a test split), killed with SIGKILL mid-run under --jobs 2 and rerun: every epoch,
// test columns included, bitwise that of an uninterrupted --jobs 1 sweep.
import XCTest
import Foundation
import GRDB

final class StatefulKillProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    static let epochsPerRun = 6

    /// A period of 23 characters over "abcd" (from a fixed LCG), repeated: structure longer
    /// than a window of 5, so the carried state matters.
    func periodicText(characters: Int) -> String {
        var state: UInt64 = 12345
        let period = (0..<23).map { _ -> Character in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Character(UnicodeScalar(UInt8(97 + Int(state >> 62))))
        }
        return String((0..<characters).map { period[$0 % period.count] })
    }

    var spec: String {
        """
        {
          "name": "stateful-kill",
          "task": {"name": "charlm", "path": "text.txt", "seq_len": 5, "val_fraction": 0.1, "test_fraction": 0.1, "stateful": true},
          "train": {"epochs": \(Self.epochsPerRun), "batch": 4, "optimizer": "adam", "clip_norm": 1.0, "hidden": 12},
          "grid": {"cell": ["gru", "lstm"], "lr": [0.01], "seed": [1, 2]}
        }
        """
    }

    /// Every epoch's recorded numbers as bit patterns (timings left out), test columns,
    /// secondary metrics and learning rate included, keyed "config_hash#epoch".
    func stateTable(_ db: String) throws -> [String: [String]] {
        try DatabaseQueue(path: folder.appendingPathComponent(db).path).read { db in
            var out: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.config_hash || '#' || e.epoch, e.train_loss, e.val_loss, e.val_metric, e.grad_norm,
                       e.test_loss, e.test_metric, e.lr, e.val_details
                  FROM epochs e JOIN runs r ON r.id = e.run_id
                """) {
                let numbers: [Double?] = (1...7).map { row[$0] }
                out[row[0]] = numbers.map { $0.map { String($0.bitPattern, radix: 16) } ?? "NULL" } + [(row[8] as String?) ?? "NULL"]
            }
            return out
        }
    }

    func testKilledStatefulSweepRerunsToTheSameEpochsBitwise() throws {
        try periodicText(characters: 6000).write(to: folder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let total = 4 * Self.epochsPerRun
        let reference = try RunnerBinary.run(["sweep", "spec.json", "--db", "straight.db", "--jobs", "1", "--no-report"], in: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let straight = try stateTable("straight.db")
        XCTAssertEqual(straight.count, total)
        XCTAssertTrue(straight.values.allSatisfy { $0[4] != "NULL" && $0[5] != "NULL" }, "test_loss and test_metric recorded")

        let p = try RunnerBinary.start(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        let killedPath = folder.appendingPathComponent("killed.db").path
        while Date() < deadline {
            // Only read a database the sweep has made: opening it first would create the file
            // under the starting sweep, and a poll every 2 ms contends for its first write.
            if ((try? FileManager.default.attributesOfItem(atPath: killedPath)[.size] as? Int) ?? 0) > 0,
               let n = try? scalar("killed.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 3 { break }
            usleep(2_000)
        }
        XCTAssertLessThan(Date(), deadline, "the sweep recorded 3 epochs within 120 s: \(RunnerBinary.output(folder, tag: "killed").1)")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        let partial = try stateTable("killed.db")
        XCTAssertGreaterThanOrEqual(partial.count, 3)
        XCTAssertLessThan(partial.count, total, "the kill landed before the end")
        // A run was cut between epochs: the rerun resumes it from its checkpoint, not from scratch.
        let cut = try scalar("killed.db", """
            SELECT COUNT(*) FROM (SELECT run_id, COUNT(*) AS n FROM epochs GROUP BY run_id HAVING n < \(Self.epochsPerRun))
            """)
        XCTAssertGreaterThanOrEqual(Int(cut) ?? 0, 1, "a run killed mid-way")
        print("stateful charlm killed after \(partial.count) of \(total) epochs, \(cut) run(s) cut mid-way")
        for (key, values) in partial { XCTAssertEqual(values, straight[key], "epoch \(key) before the kill") }

        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        let resumed = try stateTable("killed.db")
        XCTAssertEqual(resumed.count, total, "every epoch exactly once")
        XCTAssertEqual(resumed, straight, "bitwise the same numbers (--jobs 1 uninterrupted vs --jobs 2 killed and resumed)")
        XCTAssertEqual(try scalar("killed.db", "SELECT group_concat(DISTINCT status) FROM runs"), "finished")
    }
}
