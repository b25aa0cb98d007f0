// The sweep snapshot the reports read: the named or latest sweep, its runs in plan order and
// its epochs by run then epoch, and the reasons it cannot be taken.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class SweepSnapshotTests: XCTestCase {
    func describe(_ name: String) -> SweepDescription {
        SweepDescription(name: name, specJSON: "{}", task: "adding", metricName: "mse", metricHigherIsBetter: false)
    }

    func planned(_ count: Int) -> [PlannedRun] {
        (0..<count).map { index in
            PlannedRun(planIndex: index, configHash: "h\(index)", configJSON: #"{"seed":\#(index)}"#, task: "adding",
                       cell: "gru", hidden: 4, lr: 0.1, seed: index, epochsPlanned: 2)
        }
    }

    func testSnapshotHoldsTheSweepItsRunsAndTheirEpochs() throws {
        let (database, _folder) = try makeDatabase(); _ = _folder
        let older = try database.createOrGetSweep(describe("older"), now: Date(timeIntervalSince1970: 1000))
        let newer = try database.createOrGetSweep(describe("newer"), now: Date(timeIntervalSince1970: 2000))
        let olderRuns = try database.insertPlan(sweepId: older.id!, runs: planned(2))
        _ = try database.insertPlan(sweepId: newer.id!, runs: planned(1))
        // Epochs recorded out of order come back ordered by run, then epoch.
        for (run, epoch) in [(olderRuns[1], 1), (olderRuns[0], 2), (olderRuns[0], 1)] {
            try database.recordEpoch(EpochRecord(runId: run.id!, epoch: epoch, valLoss: Double(epoch)), checkpoint: Data([1]))
        }

        let latest = try database.sweepSnapshot(named: nil)
        XCTAssertEqual(latest.sweep.name, "newer")
        XCTAssertEqual(latest.runs.count, 1)
        XCTAssertEqual(latest.epochs, [])

        let named = try database.sweepSnapshot(named: "older")
        XCTAssertEqual(named.sweep, older)
        XCTAssertEqual(named.runs.map(\.planIndex), [0, 1])
        XCTAssertEqual(named.epochs.map { [$0.runId, Int64($0.epoch)] },
                       [[olderRuns[0].id!, 1], [olderRuns[0].id!, 2], [olderRuns[1].id!, 1]])
    }

    func testSnapshotErrorsNameWhatIsMissing() throws {
        let (database, folder) = try makeDatabase()
        XCTAssertThrowsError(try database.sweepSnapshot(named: nil)) { XCTAssertEqual($0 as? SweepSnapshotError, .noSweeps) }
        XCTAssertThrowsError(try database.sweepSnapshot(named: "x")) { XCTAssertEqual($0 as? SweepSnapshotError, .noSweeps) }
        _ = try database.createOrGetSweep(describe("a"), now: Date(timeIntervalSince1970: 1))
        _ = try database.createOrGetSweep(describe("b"), now: Date(timeIntervalSince1970: 2))
        XCTAssertThrowsError(try database.sweepSnapshot(named: "c")) {
            XCTAssertEqual($0 as? SweepSnapshotError, .unknownSweep(name: "c", available: ["a", "b"]))
        }

        let foreign = folder.path("foreign.db")
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE sweeps(id INTEGER PRIMARY KEY)") }
        XCTAssertThrowsError(try ResultsDatabase.openReadOnly(path: foreign).sweepSnapshot(named: nil)) {
            XCTAssertEqual($0 as? SweepSnapshotError, .missingTable("runs"))
        }
    }
}
