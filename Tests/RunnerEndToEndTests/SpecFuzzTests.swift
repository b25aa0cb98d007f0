// The fuzz harness: mutated copies of the specs in experiments/ fed to `runner sweep
// --dry-run`. Every result must be exit 0 or 2 (never a crash), within the time limit (no
// hang), with one non-empty line per problem; a sample of the rejected specs also runs
// for real against a scratch database, which must stay byte-identical.
//
// CI runs a small budget. A long campaign (see README, "Fuzzing"):
//   RUNNER_FUZZ_SPECS=5000 RUNNER_FUZZ_SEED=7 swift test --filter SpecFuzzTests
import Foundation
import XCTest

final class SpecFuzzTests: XCTestCase {
    struct Settings {
        var specs = 200
        var seed: UInt64 = 20_261_201
        /// Seconds after which a process that has not exited counts as hung (generous: a debug
        /// build on a busy machine expands and hashes a plan of 100,000 runs in tens of seconds).
        var timeout: TimeInterval = 120
        var jobs = 3
        /// Every n-th rejected spec also runs for real against the scratch database.
        var realRunEvery = 8

        init(environment: [String: String] = ProcessInfo.processInfo.environment) {
            if let n = environment["RUNNER_FUZZ_SPECS"].flatMap(Int.init) { specs = n }
            if let s = environment["RUNNER_FUZZ_SEED"].flatMap(UInt64.init) { seed = s }
            if let t = environment["RUNNER_FUZZ_TIMEOUT"].flatMap(Double.init) { timeout = t }
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
        var slowest = (seconds: 0.0, spec: "")
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
                    let start = Date()
                    let result = try runBounded(["sweep", "specs/\(name)", "--dry-run"], in: folder, timeout: settings.timeout)
                    let seconds = Date().timeIntervalSince(start)
                    var problem = check(result, kinds: kinds)
                    var ranForReal = false
                    if problem == nil, result.status == 2, index % settings.realRunEvery == 0 {
                        ranForReal = true
                        let real = try runBounded(["sweep", "specs/\(name)", "--db", "scratch.db", "--no-report"], in: folder, timeout: settings.timeout)
                        if real.status != 2 || real.crashed || real.hung {
                            problem = "real run: exit \(real.status)\(real.crashed ? " (crash)" : "")\(real.hung ? " (hang)" : ""): \(real.stderr.prefix(300))"
                        } else if (try? Data(contentsOf: scratch)) != scratchBefore {
                            problem = "real run changed the scratch database"
                        }
                    }
                    tally.record { t in
                        t.byExit[result.hung ? -1 : result.status, default: 0] += 1
                        if seconds > t.slowest.seconds { t.slowest = (seconds, "\(name) [\(kinds.joined(separator: ","))]") }
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
              + String(format: "slowest %.1f s (%@)", tally.slowest.seconds, tally.slowest.spec))
        XCTAssertEqual(tally.failures, [], "failing specs are kept in \(FileManager.default.temporaryDirectory.path)/runner-fuzz-failures")
        XCTAssertEqual(try Data(contentsOf: scratch), scratchBefore)
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
