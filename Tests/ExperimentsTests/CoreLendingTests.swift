// Lent cores change how many threads a step runs on, never a run's numbers.
import XCTest
import Foundation
@testable import Experiments
import ResultsStore

final class CoreLendingTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Every step may split even these tiny models (minWorkPerThread 1), on three "cores".
    func lending(jobs: Int) -> SchedulerOptions {
        var options = SchedulerOptions(jobs: jobs, threadsPerRun: 3, cores: 3)
        options.minWorkPerThread = 1
        return options
    }

    func testLentCoresGiveTheSameBitsAsOneThreadPerRun() throws {
        let spec = smallSpec(cells: ["rnn", "gru", "lstm"], epochs: 2, seeds: [1])
        let plain = folder.appendingPathComponent("plain.db").path
        try runSweep(spec: spec, in: folder, dbPath: plain, jobs: 1)
        let reference = try epochTable(plain)
        XCTAssertEqual(reference.count, 3 * 2)
        for jobs in [1, 2] {
            let path = folder.appendingPathComponent("lent\(jobs).db").path
            let summary = try runSweep(spec: spec, in: folder, dbPath: path, jobs: jobs, options: lending(jobs: jobs))
            XCTAssertGreaterThan(summary.stepsOnLentCores, 0, "--jobs \(jobs) on 3 cores lends the idle ones")
            XCTAssertEqual(try epochTable(path), reference, "--jobs \(jobs) with lent cores")
            XCTAssertEqual(summary.cores, 3)
            XCTAssertGreaterThan(summary.coreSeconds, 0)
        }
    }

    func testNoLendingWhileEveryCoreHoldsARun() {
        let lender = CoreLender(cores: 2)
        let a = lender.budget(), b = lender.budget()
        lender.runStarted()
        XCTAssertEqual(a.acquire(upTo: 4), 2, "one run alone takes the idle core")
        lender.runStarted()   // a second run starts: it holds the core a gives back after its step
        a.release(2)
        XCTAssertEqual(a.acquire(upTo: 4), 1)
        XCTAssertEqual(b.acquire(upTo: 4), 1)
        a.release(1); b.release(1)
        lender.runEnded()
        XCTAssertEqual(b.acquire(upTo: 1), 1, "a run never takes more than its limit")
        b.release(1)
        XCTAssertEqual(lender.stepsOnLentCores, 1)
    }
}
