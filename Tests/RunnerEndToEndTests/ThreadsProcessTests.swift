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
        // Counts no machine has: one line, exit 64, nothing written (they used to trap, or to
        // start ten million workers).
        for (command, says) in [(["sweep", "spec.json", "--db", "x.db", "--threads-per-run", "2147483647"], "--threads-per-run must be at most 256, got 2147483647"),
                                (["sweep", "spec.json", "--db", "x.db", "--jobs", "10000000"], "--jobs must be at most 1024, got 10000000"),
                                (["slurm", "spec.json", "--cpus-per-task", "5000"], "--cpus-per-task must be at most 1024, got 5000"),
                                (["bench", "--threads", "2147483647", "--hidden", "8", "--cells", "rnn", "--reps", "1"], "--threads must be at most 256, got 2147483647")] {
            let r = try RunnerBinary.run(command, in: folder)
            XCTAssertEqual(r.status, 64, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.db").path), "nothing written")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("slurm").path), "nothing written")
    }

    func testBenchRunsOnTheThreadsItIsGiven() throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", "--cells", "lstm", "--hidden", "16", "--steps", "4", "--reps", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("threads=2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("lstm  H=  16 B=32 T=4"), r.stdout)
    }

    /// Runs `bench --threads 2 <flag>` on `cells` at H = 64 and checks that each cell prints its
    /// A line (ending in `aLabel`) and its B line (containing `bMarker`, then a positive figure).
    private func assertComparison(_ flag: String, cells: [String], aLabel: String, bMarker: String) throws {
        let r = try RunnerBinary.run(["bench", "--threads", "2", flag, "--cells", cells.joined(separator: ","), "--hidden", "64",
                                      "--steps", "4", "--reps", "3"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for cell in cells {
            let prefix = cell.padding(toLength: 5, withPad: " ", startingAt: 0) + " H=  64"
            XCTAssertEqual(lines.filter { $0.hasPrefix(prefix) && $0.hasSuffix(aLabel) }.count, 1, r.stdout)
            let b = lines.filter { $0.hasPrefix(prefix) && $0.contains(bMarker) }
            XCTAssertEqual(b.count, 1, r.stdout)
            let figure = b.first.flatMap { Double($0.split(separator: " ").last ?? "") }
            XCTAssertNotNil(figure, r.stdout)
            XCTAssertGreaterThan(figure ?? 0, 0, r.stdout)
        }
    }

    /// `bench` with `arguments` exits non-zero with a message containing `message`.
    private func assertRefused(_ arguments: [String], _ message: String) throws {
        let r = try RunnerBinary.run(["bench"] + arguments, in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(message), r.stderr)
    }

    /// An empty list, or an empty item in one, is refused (it used to time nothing and exit 0,
    /// or drop the item silently).
    func testBenchRefusesEmptyListItems() throws {
        try assertRefused(["--cells", ""], "--cells: '' has an empty item")
        try assertRefused(["--hidden", "8,,16"], "--hidden: '8,,16' has an empty item")
        try assertRefused(["--cells", "gru,"], "--cells: 'gru,' has an empty item")
    }

    /// `--compare-splits` times both ways of sharing the recurrence on one model and prints a
    /// line for each, then the median ratio; it refuses one thread and a fixed split.
    func testBenchComparesTheTwoRecurrenceSplits() throws {
        try assertComparison("--compare-splits", cells: ["lstm", "gru"], aLabel: "[rows]", bMarker: "[units]  median step time units/rows ")
        try assertRefused(["--compare-splits"], "--compare-splits needs --threads 2 or more")
        try assertRefused(["--threads", "2", "--compare-splits", "--unit-split-hidden", "64"], "leave out --unit-split-hidden")
        try assertRefused(["--threads", "2", "--compare-splits", "--hidden", "64,48"], "--hidden 48 is not a multiple of 32")
    }

    /// `--compare-threads` times one thread and --threads threads in turn on one model.
    func testBenchComparesOneThreadWithMore() throws {
        try assertComparison("--compare-threads", cells: ["lstm"], aLabel: "[1 thread]", bMarker: "[2 threads]  median speed-up ")
        try assertRefused(["--compare-threads"], "--compare-threads needs --threads 2 or more")
        try assertRefused(["--threads", "2", "--compare-threads", "--compare-splits"], "separate measurements")
    }

    /// `--compare-balance` times even splits and speed-balanced ones in turn on one model.
    func testBenchComparesEvenWithBalancedSplits() throws {
        try assertComparison("--compare-balance", cells: ["gru"], aLabel: "[even]", bMarker: "[balanced]  median step time balanced/even ")
        try assertRefused(["--compare-balance"], "--compare-balance needs --threads 2 or more")
        try assertRefused(["--threads", "2", "--compare-balance", "--compare-threads"],
                          "--compare-threads and --compare-balance are separate measurements")
    }
}
