// Sweeps stopped where their writes stop. A database that runs out of room mid-way (SQLite's
// max_page_count stands in for a full disk): the sweep ends with the error, no run is left
// recorded as ended without its epochs or with a gap in them, and the next sweep, with room
// again, finishes every run with the bits of a sweep that never ran out. And a run killed after
// recording its last epoch, before it was marked finished: the next sweep finishes it.
import Foundation
import GRDB
import XCTest
@testable import Experiments
import ResultsStore

final class FullDiskSweepTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testSweepThatRunsOutOfRoomLosesNothingAndResumesToTheSameBits() throws {
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 3, seeds: [1, 2])
        try runSweep(spec: spec, in: folder, dbPath: path("reference.db"), jobs: 1)
        let reference = try epochTable(path("reference.db"))
        let specURL = folder.appendingPathComponent("spec.json")
        var failedSweeps = 0
        // Room for a few more pages each time, so the write that fails falls on different epochs,
        // among them a run's last one, right before its 'finished'.
        for extraPages in 1...8 {
            let dbPath = path("full-\(extraPages).db")
            let setup = try SweepSetup.load(specPath: specURL.path)
            let database = try ResultsDatabase.open(path: dbPath)
            let sweep = try setup.register(in: database, fresh: false)
            try database.writer.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + extraPages)")
            }
            let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                                      options: SchedulerOptions(jobs: 2), progress: SilentProgress())
            do {
                _ = try scheduler.run()
            } catch {
                failedSweeps += 1
                let text = "\(error)"
                XCTAssertTrue(text.contains("full"), text)
                if text.hasPrefix("could not record run ") { XCTAssertTrue(text.contains(dbPath), text) }
            }
            // Every run: epochs 1...k without a gap, its checkpoint at k, and 'finished' only with all 3.
            let rows = try DatabaseQueue(path: dbPath).read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.id, r.status, (SELECT group_concat(epoch) FROM (SELECT epoch FROM epochs WHERE run_id = r.id ORDER BY epoch)),
                           (SELECT epoch FROM checkpoints WHERE run_id = r.id) FROM runs r
                    """)
            }
            for row in rows {
                let status: String = row[1], epochs = (row[2] as String?).map { $0.split(separator: ",").map { Int($0)! } } ?? []
                XCTAssertEqual(epochs, Array(1..<(epochs.count + 1)), "run \(row[0] as Int64) with \(extraPages) pages: no gap")
                XCTAssertEqual(row[3] as Int?, epochs.last, "run \(row[0] as Int64): the checkpoint is at the last recorded epoch")
                if status == "finished" { XCTAssertEqual(epochs.count, 3, "run \(row[0] as Int64) with \(extraPages) pages: finished with every epoch") }
            }
            // With room again, the next sweep completes every run, bit for bit as if nothing happened.
            // (A new process would find the runs of the dead one at once; here the same process
            // still holds them, so they are taken over as stale.)
            var again = SchedulerOptions(jobs: 1)
            again.staleAfter = 0
            try runSweep(spec: spec, in: folder, dbPath: dbPath, jobs: 1, options: again)
            XCTAssertEqual(Set(try statuses(dbPath).values), ["finished"], "\(extraPages) pages")
            XCTAssertEqual(try epochTable(dbPath), reference, "\(extraPages) pages")
        }
        XCTAssertGreaterThan(failedSweeps, 0, "the page limits did stop some sweeps")
    }

    func testARunKilledAfterItsLastEpochIsFinishedOnResume() throws {
        // kill -9 between recording a run's last epoch (with its checkpoint) and marking it
        // finished leaves it 'running' with every epoch: the next sweep marks it finished. It
        // used to send it "to a rung barrier" as pending, for good (and a halving sweep then
        // waited for ever).
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 2, seeds: [1])
        try runSweep(spec: spec, in: folder, dbPath: path("r.db"), jobs: 1)
        let before = try epochTable(path("r.db"))
        try DatabaseQueue(path: path("r.db")).write { db in
            try db.execute(sql: "UPDATE runs SET status = 'running', finished_at = NULL, heartbeat_at = 0, worker = 'gone:1:0' WHERE plan_index = 0")
        }
        let summary = try runSweep(spec: spec, in: folder, dbPath: path("r.db"), jobs: 1)
        XCTAssertEqual(summary.counts[.finished], 1)
        XCTAssertEqual(summary.epochsTrained, 0, "nothing is trained again")
        XCTAssertEqual(Set(try statuses(path("r.db")).values), ["finished"])
        XCTAssertEqual(try epochTable(path("r.db")), before)
    }
}
