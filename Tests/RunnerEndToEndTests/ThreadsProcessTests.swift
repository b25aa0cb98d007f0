// `--threads-per-run` and `bench --threads` as a user runs them: lent cores give the
// same epochs table as one thread per run, and the sweep's last line says how busy
// the cores were.
import XCTest
import Foundation

final class ThreadsProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Two runs whose LSTM step (H = 48, B = 32) is large enough to split across threads.
    let spec = """
    {
      "name": "threads",
      "task": {"name": "adding", "length": 20, "train_size": 256, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 2, "batch": 32, "optimizer": "adam", "clip_norm": 1.0, "hidden": 48, "cell": "lstm"},
      "grid": {"seed": [1, 2]}
    }
    """

    func testLentThreadsGiveTheSameEpochsAndTheLastLineReportsCoreUse() throws {
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let single = try RunnerBinary.run(["sweep", "spec.json", "--db", "one.db", "--jobs", "2", "--threads-per-run", "1", "--no-report"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        // One worker on (at least) two cores: every step may take the idle core.
        let lent = try RunnerBinary.run(["sweep", "spec.json", "--db", "lent.db", "--jobs", "1", "--threads-per-run", "3", "--no-report"], in: folder)
        XCTAssertEqual(lent.status, 0, lent.stderr)
        XCTAssertEqual(try epochs("lent.db"), try epochs("one.db"))
        XCTAssertEqual(try epochs("one.db").count, 4)
        let last = lent.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.contains("% busy (") && last.contains(" cores × "), last)
    }

    func testBadThreadCountsExitWithOneLineNamingTheFlag() throws {
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.run(["sweep", "spec.json", "--db", "x.db", "--threads-per-run", "0"], in: folder)
        XCTAssertNotEqual(sweep.status, 0)
        XCTAssertTrue(sweep.stderr.contains("--threads-per-run must be positive"), sweep.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.db").path), "nothing written")
        let bench = try RunnerBinary.run(["bench", "--threads", "0"], in: folder)
        XCTAssertNotEqual(bench.status, 0)
        XCTAssertTrue(bench.stderr.contains("--threads must be positive"), bench.stderr)
    }

    func testBenchRunsOnTheThreadsItIsGiven() throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", "--cells", "lstm", "--hidden", "16", "--steps", "4", "--reps", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("threads=2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("lstm  H=  16 B=32 T=4"), r.stdout)
    }

    /// `--compare-splits` times both ways of sharing the recurrence on one model and prints a
    /// line for each, then the median ratio; it refuses one thread and a fixed split.
    func testBenchComparesTheTwoRecurrenceSplits() throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", "--compare-splits", "--cells", "lstm,gru", "--hidden", "64",
                                      "--steps", "4", "--reps", "3"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for cell in ["lstm ", "gru  "] {
            let rows = lines.filter { $0.hasPrefix(cell + " H=  64") && $0.hasSuffix("[rows]") }
            let units = lines.filter { $0.hasPrefix(cell + " H=  64") && $0.contains("[units]  median step time units/rows ") }
            XCTAssertEqual(rows.count, 1, r.stdout)
            XCTAssertEqual(units.count, 1, r.stdout)
            let ratio = units.first.flatMap { Double($0.split(separator: " ").last ?? "") }
            XCTAssertNotNil(ratio, r.stdout)
            XCTAssertGreaterThan(ratio ?? 0, 0, r.stdout)
        }
        let one = try RunnerBinary.run(["bench", "--compare-splits"], in: folder)
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.stderr.contains("--compare-splits needs --threads 2 or more"), one.stderr)
        let fixed = try RunnerBinary.run(["bench", "--threads", "2", "--compare-splits", "--unit-split-hidden", "64"], in: folder)
        XCTAssertNotEqual(fixed.status, 0)
        XCTAssertTrue(fixed.stderr.contains("leave out --unit-split-hidden"), fixed.stderr)
        let odd = try RunnerBinary.run(["bench", "--threads", "2", "--compare-splits", "--hidden", "64,48"], in: folder)
        XCTAssertNotEqual(odd.status, 0)
        XCTAssertTrue(odd.stderr.contains("--hidden 48 is not a multiple of 32"), odd.stderr)
    }

    /// `--compare-threads` times one thread and --threads threads in turn on one model.
    func testBenchComparesOneThreadWithMore() throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", "--compare-threads", "--cells", "lstm", "--hidden", "64",
                                      "--steps", "4", "--reps", "3"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("lstm  H=  64") && $0.hasSuffix("[1 thread]") }.count, 1, r.stdout)
        let two = lines.filter { $0.hasPrefix("lstm  H=  64") && $0.contains("[2 threads]  median speed-up ") }
        XCTAssertEqual(two.count, 1, r.stdout)
        XCTAssertGreaterThan(two.first.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0, 0, r.stdout)
        let one = try RunnerBinary.run(["bench", "--compare-threads"], in: folder)
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.stderr.contains("--compare-threads needs --threads 2 or more"), one.stderr)
        let both = try RunnerBinary.run(["bench", "--threads", "2", "--compare-threads", "--compare-splits"], in: folder)
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("separate measurements"), both.stderr)
    }

    /// `--compare-balance` times even splits and speed-balanced ones in turn on one model.
    func testBenchComparesEvenWithBalancedSplits() throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", "--compare-balance", "--cells", "gru", "--hidden", "64",
                                      "--steps", "4", "--reps", "3"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("gru   H=  64") && $0.hasSuffix("[even]") }.count, 1, r.stdout)
        let balanced = lines.filter { $0.hasPrefix("gru   H=  64") && $0.contains("[balanced]  median step time balanced/even ") }
        XCTAssertEqual(balanced.count, 1, r.stdout)
        XCTAssertGreaterThan(balanced.first.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0, 0, r.stdout)
        let one = try RunnerBinary.run(["bench", "--compare-balance"], in: folder)
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.stderr.contains("--compare-balance needs --threads 2 or more"), one.stderr)
        let two = try RunnerBinary.run(["bench", "--threads", "2", "--compare-balance", "--compare-threads"], in: folder)
        XCTAssertNotEqual(two.status, 0)
        XCTAssertTrue(two.stderr.contains("--compare-threads and --compare-balance are separate measurements"), two.stderr)
    }
}
