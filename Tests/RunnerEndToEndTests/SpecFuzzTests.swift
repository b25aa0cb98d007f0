// The fuzz harness: mutated copies of the specs in experiments/ fed to `runner sweep
// --dry-run`. Every result must be exit 0 or 2 (never a crash), within the time limit (no
// hang), with one non-empty line per problem; a sample of the rejected specs also runs
// for real against a scratch database, which must stay byte-identical.
//
// CI runs a small budget. A long campaign (see README, "Fuzzing"):
//   RUNNER_FUZZ_SPECS=5000 RUNNER_FUZZ_SEED=7 swift test --filter SpecFuzzTests
// Time limit per case: RUNNER_FUZZ_TIMEOUT seconds (10) plus RUNNER_FUZZ_TIMEOUT_PER_RUN (0.001)
// for each run the spec can plan.
import Foundation
import XCTest

final class SpecFuzzTests: XCTestCase {
    struct Settings {
        var specs = 200
        var seed: UInt64 = 20_261_201
        /// Seconds after which a process that has not exited is killed and counted as hung, plus
        /// `timeoutPerRun` for each run the spec can plan (``plannedRunsBound(_:)``). A dry-run
        /// that plans nothing large takes 0.1 to 0.4 s in a debug build (no task data is
        /// generated), 1.2 s at worst on a loaded machine; the limit leaves a margin of 8 over that.
        var timeout: TimeInterval = 10
        /// A debug build expands, hashes and prints a plan at 0.03 to 0.075 ms per run on an idle
        /// machine (a plan of 54,000 runs: 1.4 to 2.2 s; halving's seedless configurations cost
        /// the most), 0.15 to 0.2 ms with six dry-runs sharing 2 cores: a mutated long list in a
        /// grid axis plans that many. 1 ms leaves a margin of 5.
        var timeoutPerRun: TimeInterval = 0.001
        var jobs = 3
        /// Every n-th rejected spec also runs for real against the scratch database.
        var realRunEvery = 8

        init(environment: [String: String] = ProcessInfo.processInfo.environment) {
            if let n = environment["RUNNER_FUZZ_SPECS"].flatMap(Int.init) { specs = n }
            if let s = environment["RUNNER_FUZZ_SEED"].flatMap(UInt64.init) { seed = s }
            if let t = environment["RUNNER_FUZZ_TIMEOUT"].flatMap(Double.init) { timeout = t }
            if let t = environment["RUNNER_FUZZ_TIMEOUT_PER_RUN"].flatMap(Double.init) { timeoutPerRun = t }
            if let j = environment["RUNNER_FUZZ_JOBS"].flatMap(Int.init), j > 0 { jobs = j }
        }
    }

    /// The package root (this file is Tests/RunnerEndToEndTests/SpecFuzzTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        var byExit: [Int32: Int] = [:]
        var failures: [String] = []
        var realRuns = 0
        /// The slowest dry-runs, slowest first (at most `slowestKept`).
        var slowest: [(seconds: Double, spec: String)] = []
        static let slowestKept = 5
        func noteTime(_ seconds: Double, _ spec: String) {
            slowest.append((seconds, spec))
            slowest.sort { $0.seconds > $1.seconds }
            if slowest.count > Tally.slowestKept { slowest.removeLast() }
        }
        func record(_ body: (Tally) -> Void) { lock.lock(); body(self); lock.unlock() }
    }

    func testMutatedSpecsNeverCrashHangOrTouchTheDatabase() throws {
        let settings = Settings()
        let folder = try makeTemporaryFolder()
        let keep = ProcessInfo.processInfo.environment["RUNNER_FUZZ_KEEP"] != nil   // keep the specs, to look at them
        defer { if keep { print("spec fuzz: specs kept in \(folder.path)/specs") } else { try? FileManager.default.removeItem(at: folder) } }
        let specsFolder = folder.appendingPathComponent("specs")
        try FileManager.default.createDirectory(at: specsFolder, withIntermediateDirectories: true)
        // charlm.json names "../Sources": the same path resolves from the mutated copies.
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("Sources"),
                                                   withDestinationURL: Self.packageRoot.appendingPathComponent("Sources"))
        let experiments = Self.packageRoot.appendingPathComponent("experiments")
        let originals = try FileManager.default.contentsOfDirectory(atPath: experiments.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { try Data(contentsOf: experiments.appendingPathComponent($0)) }
        XCTAssertFalse(originals.isEmpty)

        // The scratch database a rejected spec must leave byte-identical.
        try #"{"name": "scratch", "task": {"name": "adding", "length": 4, "train_size": 16, "val_size": 4}, "train": {"epochs": 1, "batch": 4, "hidden": 3}}"#
            .write(to: folder.appendingPathComponent("scratch.json"), atomically: true, encoding: .utf8)
        let made = try RunnerBinary.run(["sweep", "scratch.json", "--db", "scratch.db", "--no-report"], in: folder)
        XCTAssertEqual(made.status, 0, made.stderr)
        let scratch = folder.appendingPathComponent("scratch.db")
        let scratchBefore = try Data(contentsOf: scratch)

        let tally = Tally()
        let next = Tally()   // its lock hands out indexes
        var nextIndex = 0
        DispatchQueue.concurrentPerform(iterations: settings.jobs) { _ in
            while true {
                var index = 0
                next.record { _ in index = nextIndex; nextIndex += 1 }
                guard index < settings.specs else { return }
                var mutator = SpecMutator(random: FuzzRandom(seed: settings.seed &+ UInt64(index) &* 0x9E37_79B9))
                let original = originals[index % originals.count]
                let (bytes, kinds) = mutator.mutate(original)
                let name = String(format: "spec-%06d.json", index)
                let specURL = specsFolder.appendingPathComponent(name)
                do {
                    try bytes.write(to: specURL)
                    let limit = settings.timeout + settings.timeoutPerRun * Double(Self.plannedRunsBound(bytes))
                    let start = Date()
                    let result = try runBounded(["sweep", "specs/\(name)", "--dry-run"], in: folder, timeout: limit)
                    let seconds = Date().timeIntervalSince(start)
                    var problem = check(result, kinds: kinds)
                    var ranForReal = false
                    if problem == nil, result.status == 2, index % settings.realRunEvery == 0 {
                        ranForReal = true
                        let real = try runBounded(["sweep", "specs/\(name)", "--db", "scratch.db", "--no-report"], in: folder, timeout: limit)
                        if real.status != 2 || real.crashed || real.hung {
                            problem = "real run: exit \(real.status)\(real.crashed ? " (crash)" : "")\(real.hung ? " (hang)" : ""): \(real.stderr.prefix(300))"
                        } else if (try? Data(contentsOf: scratch)) != scratchBefore {
                            problem = "real run changed the scratch database"
                        }
                    }
                    tally.record { t in
                        t.byExit[result.hung ? -1 : result.status, default: 0] += 1
                        t.noteTime(seconds, "\(name) [\(kinds.joined(separator: ","))]")
                        if ranForReal { t.realRuns += 1 }
                        if let problem {
                            t.failures.append("\(name) [\(kinds.joined(separator: ","))]: \(problem)")
                            let keep = FileManager.default.temporaryDirectory.appendingPathComponent("runner-fuzz-failures")
                            try? FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
                            try? bytes.write(to: keep.appendingPathComponent("seed\(settings.seed)-\(name)"))
                        }
                    }
                } catch {
                    tally.record { $0.failures.append("\(name): \(error)") }
                }
                if !keep { try? FileManager.default.removeItem(at: specURL) }
            }
        }
        let counts = tally.byExit.keys.sorted().map { "exit \($0 == -1 ? "hang" : String($0)): \(tally.byExit[$0]!)" }
        print("spec fuzz: \(settings.specs) mutated specs (seed \(settings.seed)): \(counts.joined(separator: ", ")); "
              + "\(tally.failures.count) failures; \(tally.realRuns) real runs against the scratch database; "
              + "slowest: " + tally.slowest.map { String(format: "%.2f s %@", $0.seconds, $0.spec) }.joined(separator: "; "))
        XCTAssertEqual(tally.failures, [], "failing specs are kept in \(FileManager.default.temporaryDirectory.path)/runner-fuzz-failures")
        XCTAssertEqual(try Data(contentsOf: scratch), scratchBefore)
    }

    /// The most runs a spec can plan, read from its JSON as `runner` reads a valid spec: the
    /// product of the grid axes' lengths times `random.samples`; 0 for what cannot be a plan
    /// (not JSON, no object) and for a product above the 1,000,000 runs that `runner` refuses
    /// before expanding anything. A larger bound only lengthens the time limit.
    static func plannedRunsBound(_ bytes: Data) -> Int {
        let bom = Data([0xEF, 0xBB, 0xBF])
        let text = bytes.starts(with: bom) ? bytes.dropFirst(3) : bytes
        guard let spec = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else { return 0 }
        var factors = [1]
        if let grid = spec["grid"] as? [String: Any] {
            factors += grid.values.compactMap { ($0 as? [Any])?.count }
        }
        if let random = spec["random"] as? [String: Any], let samples = random["samples"] as? NSNumber {
            factors.append(samples.doubleValue >= 1 && samples.doubleValue <= 1e6 ? samples.intValue : 1)
        }
        var runs = 1
        for factor in factors {
            let (product, overflow) = runs.multipliedReportingOverflow(by: factor)
            if overflow || product > 1_000_000 { return 0 }
            runs = product
        }
        return runs
    }

    func testPlannedRunsBound() {
        func bound(_ text: String) -> Int { Self.plannedRunsBound(Data(text.utf8)) }
        XCTAssertEqual(bound(#"{"grid": {"cell": ["rnn", "gru"], "seed": [1, 2, 3]}, "random": {"samples": 4}}"#), 24)
        XCTAssertEqual(bound("\u{FEFF}" + #"{"grid": {"hidden": [1, 2], "lr": 0.1}}"#), 2)
        XCTAssertEqual(bound(#"{"grid": {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}, "random": {"samples": 100001}}"#), 0)
        XCTAssertEqual(bound(#"{"random": {"samples": -5}, "grid": {"seed": [1, 2]}}"#), 2)   // not a count: no factor
        XCTAssertEqual(bound(#"{"grid": {"seed": [1, 2]"#), 0)   // not JSON
        XCTAssertEqual(bound(#"{"name": "x"}"#), 1)
        XCTAssertEqual(bound("[1, 2]"), 0)
    }

    /// What is wrong with a dry-run's result, or nil: exit 0 or 2, no crash, no hang, and
    /// for exit 2 one non-empty line (of at most 1,000 characters) per problem on standard error.
    func check(_ result: BoundedResult, kinds: [String]) -> String? {
        if result.hung { return "no exit within the time limit (hang)" }
        if result.crashed { return "killed by signal \(result.status) (crash): \(result.stderr.suffix(300))" }
        guard result.status == 0 || result.status == 2 else { return "exit \(result.status): \(result.stderr.prefix(300))" }
        if result.status == 2 {
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if lines.isEmpty || lines.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                return "exit 2 without one line per problem: \(result.stderr.prefix(300).debugDescription)"
            }
            if let long = lines.first(where: { $0.count > 1_000 }) {
                return "a problem line of \(long.count) characters: \(long.prefix(200))..."
            }
        }
        return nil
    }

    struct BoundedResult {
        var status: Int32
        var crashed: Bool
        var hung: Bool
        var stderr: String
    }

    /// Runs the binary, killing it (and counting a hang) if it has not exited after `timeout` seconds.
    func runBounded(_ arguments: [String], in folder: URL, timeout: TimeInterval) throws -> BoundedResult {
        let tag = UUID().uuidString
        let process = try RunnerBinary.start(arguments, in: folder, tag: tag)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let (_, stderr) = RunnerBinary.output(folder, tag: tag)
        for suffix in ["out", "err"] { try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(tag).\(suffix)")) }
        return BoundedResult(status: process.terminationStatus, crashed: !hung && process.terminationReason == .uncaughtSignal,
                             hung: hung, stderr: stderr)
    }
}
