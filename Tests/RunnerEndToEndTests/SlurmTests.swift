// `runner slurm --submit` on a real Slurm cluster (the one-node cluster .ci/slurm-up.sh starts):
// a small sweep as a 3-task job array plus its merge job must give, bit for bit, the epochs of
// the same sweep run locally. Without a cluster the test is skipped and says why.
import XCTest
import Foundation
import GRDB

final class SlurmTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Runs a Slurm client command; nil output when it cannot run or fails.
    func slurm(_ arguments: [String], timeout: TimeInterval = 20) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); return (-1, "\(arguments[0]) timed out") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }


    /// Skips the test, saying why, unless a Slurm node can take jobs.
    func requireSlurm() throws {
        let sinfo = slurm(["sinfo", "-h", "-N", "-o", "%N %t"])
        guard sinfo.status == 0 else {
            throw XCTSkip("Slurm is not available (sinfo: \(sinfo.output.isEmpty ? "exit \(sinfo.status)" : sinfo.output)); "
                          + "run .ci/slurm-up.sh as root to start a one-node cluster")
        }
        guard sinfo.output.split(separator: "\n").contains(where: { $0.hasSuffix(" idle") || $0.hasSuffix(" mix") }) else {
            throw XCTSkip("Slurm answers but no node can take jobs: \(sinfo.output)")
        }
    }

    /// Waits (bounded) until none of `jobs` is queued or running; returns what is still queued and the logs.
    func waitForJobs(_ jobs: [String], logs folder: URL, timeout: TimeInterval) -> (queue: String, logs: [String], logText: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var queue = ""
        repeat {
            usleep(500_000)
            queue = slurm(["squeue", "-h", "-j", jobs.joined(separator: ","), "-o", "%i %T %r"]).output
        } while !queue.isEmpty && Date() < deadline
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let logText = logs.sorted().map { name in
            "== \(name)\n" + ((try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
        return (queue, logs, logText)
    }

    /// Submits HalvingProcessTests.spec (in `folder`) with `runner slurm --submit` as a chain of
    /// 3-task arrays and decision jobs into `cluster/` (plus `extra` arguments) and waits for it.
    /// Returns the logs' names and text, the array, decision and merge job ids; nil after a failure.
    func runRungChain(extra: [String] = []) throws -> (logs: [String], logText: String, arrays: [String], decides: [String], merge: String)? {
        let submit = try RunnerBinary.run(["slurm", "spec.json", "--tasks", "3", "--parallel", "2", "--cpus-per-task", "1",
                                           "--time", "10:00", "--output-dir", "cluster", "--submit"] + extra, in: folder)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        // "submitted array jobs A,B,C (3 tasks each), decision jobs D,E and merge job M (...)"
        let line = submit.stdout.split(separator: "\n").first { $0.hasPrefix("submitted array jobs") } ?? ""
        let words = line.split(separator: " ").map(String.init)
        guard let a = words.firstIndex(of: "array"), let d = words.firstIndex(of: "decision"), let m = words.firstIndex(of: "merge"),
              words.indices.contains(m + 2) else {
            XCTFail("no job ids in: \(submit.stdout)")
            return nil
        }
        let arrays = words[a + 2].split(separator: ",").map(String.init)
        let decides = words[d + 2].split(separator: ",").map(String.init)
        let mergeJob = words[m + 2]
        XCTAssertEqual(arrays.count, 3, "two rungs: the array runs three times")
        XCTAssertEqual(decides.count, 2)
        let jobs = arrays + decides + [mergeJob]
        XCTAssertTrue(jobs.allSatisfy { $0.allSatisfy(\.isNumber) }, submit.stdout)
        defer { _ = slurm(["scancel"] + jobs) }

        let cluster = folder.appendingPathComponent("cluster")
        let (queue, logs, logText) = waitForJobs(jobs, logs: cluster.appendingPathComponent("logs"), timeout: 400)
        guard queue.isEmpty else {
            XCTFail("jobs still queued after 400 s: \(queue)\n\(logText)")
            return nil
        }
        return (logs, logText, arrays, decides, mergeJob)
    }

    func testHalvingSweepAsARungChainEqualsTheLocalSweep() throws {
        try requireSlurm()
        try HalvingProcessTests.spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let local = try RunnerBinary.run(["sweep", "spec.json", "--db", "local.db", "--jobs", "1", "--no-report"], in: folder)
        XCTAssertEqual(local.status, 0, local.stderr)
        guard let chain = try runRungChain() else { return }
        let (logs, logText, decides, mergeJob) = (chain.logs, chain.logText, chain.decides, chain.merge)
        XCTAssertTrue(logs.contains("merge-job-\(mergeJob).out"), "the merge job ran last: \(logs)")
        for job in decides { XCTAssertTrue(logs.contains("decide-job-\(job).out"), "decision job \(job) ran: \(logs)") }
        let cluster = folder.appendingPathComponent("cluster")
        let merged = cluster.appendingPathComponent("results.db").path
        let reference = folder.appendingPathComponent("local.db").path
        XCTAssertEqual(try decisionRows(atPath: merged).count, 9, logText)
        XCTAssertEqual(try decisionRows(atPath: merged), try decisionRows(atPath: reference), "the same decisions")
        XCTAssertEqual(try epochTable(atPath: merged), try epochTable(atPath: reference), "bit for bit the local sweep")
        XCTAssertEqual(try runEndings(atPath: merged), try runEndings(atPath: reference), "the same runs pruned at the same rungs")
    }

    /// `runner slurm --tensorboard`: the tasks' live event files plus the decision and merge jobs'
    /// exports show in TensorBoard exactly what a local `runner sweep --tensorboard` shows: every
    /// run's scalars, each step once, and every session ended (pruned runs by the decision jobs).
    func testHalvingRungChainWithTensorBoardShowsWhatALocalSweepShows() throws {
        try requireSlurm()
        try HalvingProcessTests.spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let local = try RunnerBinary.run(["sweep", "spec.json", "--db", "local.db", "--jobs", "1", "--no-report",
                                          "--tensorboard", "tb-local"], in: folder)
        XCTAssertEqual(local.status, 0, local.stderr)
        let expected = try readLogDirectoryWithTensorBoard(folder.appendingPathComponent("tb-local").path)
        guard let logText = try runRungChain(extra: ["--tensorboard", "tb-cluster"])?.logText else { return }
        let merged = folder.appendingPathComponent("cluster/results.db").path
        XCTAssertEqual(try epochTable(atPath: merged), try epochTable(atPath: folder.appendingPathComponent("local.db").path), logText)
        // The array tasks wrote live, one event file per pass that trained a run: the 4 finished
        // runs have 3, the 2 pruned at rung 2 have 2 and the decision job's export adding their
        // session end, the 6 pruned at rung 1 have 1 and that export's.
        let sweepFolder = folder.appendingPathComponent("tb-cluster/halving-e2e")
        let runFolders = try FileManager.default.contentsOfDirectory(atPath: sweepFolder.path).filter { !$0.hasPrefix("events.") }
        XCTAssertEqual(runFolders.count, 12, "one folder per run: \(runFolders)")
        let files = try runFolders.map { try FileManager.default.contentsOfDirectory(atPath: sweepFolder.appendingPathComponent($0).path)
            .filter { $0.contains("tfevents") }.count }
        XCTAssertEqual(files.sorted(), [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3], "event files per run folder")
        let logs = folder.appendingPathComponent("cluster/logs")
        let mergeLog = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: logs.path).first { $0.hasPrefix("merge-job-") })
        let mergeOutput = try String(contentsOf: logs.appendingPathComponent(mergeLog), encoding: .utf8)
        XCTAssertTrue(mergeOutput.contains("12 runs, 0 new epochs (tensorboard --logdir"), "the merge job exported, finding nothing missing: \(mergeOutput)")
        let shown = try readLogDirectoryWithTensorBoard(folder.appendingPathComponent("tb-cluster").path)
        // Seconds per epoch are timings: the same steps, other values; every other scalar is equal.
        let timing = "time/seconds_per_epoch"
        func scalars(_ read: [String: Any]) throws -> [String: [String: [[AnyHashable]]]] {
            try XCTUnwrap(read["scalars"] as? [String: [String: [[AnyHashable]]]])
        }
        let shownScalars = try scalars(shown), expectedScalars = try scalars(expected)
        XCTAssertEqual(shownScalars.count, 12)
        XCTAssertEqual(shownScalars.mapValues { $0.filter { $0.key != timing } }, expectedScalars.mapValues { $0.filter { $0.key != timing } },
                       "every run's scalars, step by step, as locally")
        XCTAssertEqual(shownScalars.mapValues { $0[timing]?.map { $0[0] } }, expectedScalars.mapValues { $0[timing]?.map { $0[0] } })
        func sessions(_ read: [String: Any]) throws -> [String: String] {
            let hparams = try XCTUnwrap(read["hparams"] as? [String: Any])
            let list = try XCTUnwrap(hparams["sessions"] as? [[String: Any]])
            var result: [String: String] = [:]
            for session in list {
                var metrics = try XCTUnwrap(session["metrics"] as? [String: [Any]])
                metrics[timing] = metrics[timing].map { [$0[0]] }      // its last step, not its value
                let fields: [String: Any] = ["group": session["group"] ?? "", "hparams": session["hparams"] ?? [:],
                                             "status": session["status"] ?? "", "metrics": metrics]
                let text = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
                result[try XCTUnwrap(session["name"] as? String)] = String(decoding: text, as: UTF8.self)
            }
            return result
        }
        let shownSessions = try sessions(shown)
        XCTAssertEqual(shownSessions.count, 12)
        XCTAssertEqual(shownSessions.values.filter { $0.contains("\"status\":\"STATUS_SUCCESS\"") }.count, 12,
                       "pruned and finished runs ended: \(shownSessions)")
        XCTAssertEqual(shownSessions, try sessions(expected), "the same sessions, values, statuses and last metrics")
    }

    func testSweepAsAJobArrayAndMergeJobEqualsTheLocalSweep() throws {
        try requireSlurm()

        let spec = """
        {
          "name": "slurm-e2e",
          "task": {"name": "adding", "length": 8, "train_size": 256, "val_size": 32, "data_seed": 11},
          "train": {"epochs": 3, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 8},
          "grid": {"cell": ["rnn", "gru", "lstm"], "seed": [1, 2]}
        }
        """
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let local = try RunnerBinary.run(["sweep", "spec.json", "--db", "local.db", "--jobs", "1", "--no-report"], in: folder)
        XCTAssertEqual(local.status, 0, local.stderr)

        let submit = try RunnerBinary.run(["slurm", "spec.json", "--tasks", "3", "--parallel", "2", "--cpus-per-task", "1",
                                           "--time", "10:00", "--output-dir", "cluster", "--submit"], in: folder)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let words = submit.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let arrayIndex = words.firstIndex(of: "array"), let mergeIndex = words.firstIndex(of: "merge"),
              words.indices.contains(arrayIndex + 2), words.indices.contains(mergeIndex + 2) else {
            return XCTFail("no job ids in: \(submit.stdout)")
        }
        let arrayJob = String(words[arrayIndex + 2]), mergeJob = String(words[mergeIndex + 2])
        XCTAssertTrue(arrayJob.allSatisfy(\.isNumber) && mergeJob.allSatisfy(\.isNumber), submit.stdout)
        defer { _ = slurm(["scancel", arrayJob, mergeJob]) }

        // Wait (bounded) until neither job is queued or running any more.
        let cluster = folder.appendingPathComponent("cluster")
        let deadline = Date().addingTimeInterval(240)
        var queue = ""
        repeat {
            usleep(500_000)
            queue = slurm(["squeue", "-h", "-j", "\(arrayJob),\(mergeJob)", "-o", "%i %T %r"]).output
        } while !queue.isEmpty && Date() < deadline
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: cluster.appendingPathComponent("logs").path)) ?? []
        let logText = logs.sorted().map { name in
            "== \(name)\n" + ((try? String(contentsOf: cluster.appendingPathComponent("logs/\(name)"), encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
        guard queue.isEmpty else { return XCTFail("jobs still queued after 240 s: \(queue)\n\(logText)") }

        XCTAssertTrue(logs.contains("merge-job-\(mergeJob).out"), "the merge job ran after the array: \(logs)")
        for index in 0..<3 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: cluster.appendingPathComponent("shard-\(index).db").path),
                          "shard \(index) wrote its own database\n\(logText)")
        }
        let merged = cluster.appendingPathComponent("results.db").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: merged), logText)
        let mergedEpochs = try epochTable(atPath: merged)
        XCTAssertEqual(mergedEpochs.count, 6 * 3, logText)
        XCTAssertEqual(mergedEpochs, try epochTable(atPath: folder.appendingPathComponent("local.db").path), "bit for bit the local sweep")
        let report = try String(contentsOf: cluster.appendingPathComponent("report.txt"), encoding: .utf8)
        XCTAssertTrue(report.contains("Runs: 6 (6 finished)"), report)
    }
}
