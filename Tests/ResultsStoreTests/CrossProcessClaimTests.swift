// Claims from two separate processes on one database file: every run is claimed and
// recorded exactly once. The test re-launches this test executable as the worker processes.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class CrossProcessClaimTests: XCTestCase {
    static let databaseVariable = "RESULTS_STORE_TEST_WORKER_DB"

    func testTwoProcessesClaimEachRunOnce() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("shared.db")
        let database = try ResultsDatabase.open(path: path)
        let sweep = try database.createOrGetSweep(SweepDescription(name: "shared", specJSON: "{}", task: "adding",
                                                                   metricName: "mse", metricHigherIsBetter: false))
        let count = 30
        try database.insertPlan(sweepId: sweep.id!, runs: (0..<count).map {
            PlannedRun(planIndex: $0, configHash: "h\($0)", configJSON: "{}", task: "adding", cell: "gru",
                       hidden: 4, lr: 0.1, seed: $0, epochsPlanned: 2)
        })

        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        let workers = try (0..<2).map { _ -> Process in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["ResultsStoreTests.CrossProcessClaimTests/testWorkerProcess"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.databaseVariable] = path
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for worker in workers { worker.waitUntilExit() }
        XCTAssertEqual(workers.map(\.terminationStatus), [0, 0])

        let runs = try database.runs(sweepId: sweep.id!)
        XCTAssertEqual(runs.filter { $0.status == .finished }.count, count)
        let epochs = try database.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT run_id, COUNT(*) AS n FROM epochs GROUP BY run_id")
        }
        XCTAssertEqual(epochs.count, count)
        XCTAssertTrue(epochs.allSatisfy { ($0["n"] as Int) == 2 })
        // Both processes took part (each run's finishing worker is kept in `worker`).
        let workerNames = Set(runs.compactMap(\.worker))
        XCTAssertEqual(workerNames.count, 2, "\(workerNames)")
        XCTAssertEqual(try database.query("PRAGMA integrity_check").rows, [[.text("ok")]])
    }

    /// The body of a worker process; skipped when run as an ordinary test.
    func testWorkerProcess() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.databaseVariable] else {
            throw XCTSkip("only runs as a worker process of testTwoProcessesClaimEachRunOnce")
        }
        let database = try ResultsDatabase.open(path: path)
        let sweep = try XCTUnwrap(database.sweep(named: "shared"))
        let hashes = Set(try database.runs(sweepId: sweep.id!).map(\.configHash))
        let worker = "pid\(getpid())"
        // Start together: each worker announces itself beside the database and waits (bounded)
        // for the other, so that one process cannot claim every run before the other has started.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        FileManager.default.createFile(atPath: folder.appendingPathComponent("ready-\(worker)").path, contents: nil)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline,
              (try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("ready-") }.count) < 2 {
            Thread.sleep(forTimeInterval: 0.005)
        }
        while let claim = try database.claimNextRun(sweepId: sweep.id!, configHashes: hashes, worker: worker) {
            for epoch in 1...2 {
                try database.recordEpoch(EpochRecord(runId: claim.run.id!, epoch: epoch, valLoss: 1),
                                         checkpoint: Data([UInt8(epoch)]), worker: worker)
                Thread.sleep(forTimeInterval: 0.003)
            }
            try database.markRun(claim.run.id!, status: .finished, worker: worker)
        }
    }
}
