// Waiting is not failing: a write that finds the lock held waits for the holder, says once
// whom it waits for, and goes on when the lock is free.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class LockWaitTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    func testAWriterWaitsForTheLockHolderAndSaysOnceForWhom() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        let database = try ResultsDatabase.open(path: path)
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('s', '{}', 'now', 'adding', 'mse', 0)")
            try db.execute(sql: """
                INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, epochs_planned, status, worker, heartbeat_at)
                VALUES (1, 0, 'h', '{}', 'adding', 'gru', 8, 0.01, 1, 3, 'running', 'otherhost:4242:0', 1)
                """)
        }
        let notices = Lines()
        let previous = ResultsDatabase.lockWaitNotice
        ResultsDatabase.lockWaitNotice = { notices.append($0) }
        defer { ResultsDatabase.lockWaitNotice = previous }

        // Another connection takes the write lock and keeps it (as a stopped process would).
        let holder = try DatabaseQueue(path: path)
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holderFailure = Lines()
        DispatchQueue.global().async {
            do {
                try holder.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    holding.signal()
                    release.wait()
                    try db.execute(sql: "COMMIT")
                }
            } catch {
                holderFailure.append("\(error)")
                holding.signal()
            }
        }
        holding.wait()
        XCTAssertEqual(holderFailure.all, [], "the holder took the lock")
        let done = DispatchSemaphore(value: 0)
        let outcome = Lines()
        DispatchQueue.global().async {
            do {
                try database.immediateWrite { db in try db.execute(sql: "UPDATE sweeps SET spec_json = '{\"x\": 1}'") }
                outcome.append("written")
            } catch {
                outcome.append("\(error)")
            }
            done.signal()
        }
        let deadline = Date().addingTimeInterval(60)
        while notices.all.isEmpty && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(ResultsDatabase.isWaitingForLock)
        XCTAssertEqual(outcome.all, [], "still waiting, not failed")
        XCTAssertEqual(notices.all.count, 1, "\(notices.all)")
        let line = notices.all.first ?? ""
        XCTAssertTrue(line.hasPrefix("waiting for the write lock on \(path), held by "), line)
        XCTAssertTrue(line.contains("otherhost:4242:0"), line)
        release.signal()
        done.wait()
        XCTAssertEqual(outcome.all, ["written"])
        XCTAssertEqual(notices.all.count, 1, "said once")
        XCTAssertEqual(try database.reader.read { try String.fetchOne($0, sql: "SELECT spec_json FROM sweeps") }, "{\"x\": 1}")
        usleep(600_000)
        XCTAssertFalse(ResultsDatabase.isWaitingForLock)
    }
}
