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


    func testSweepAsAJobArrayAndMergeJobEqualsTheLocalSweep() throws {
        let sinfo = slurm(["sinfo", "-h", "-N", "-o", "%N %t"])
        guard sinfo.status == 0 else {
            throw XCTSkip("Slurm is not available (sinfo: \(sinfo.output.isEmpty ? "exit \(sinfo.status)" : sinfo.output)); "
                          + "run .ci/slurm-up.sh as root to start a one-node cluster")
        }
        guard sinfo.output.split(separator: "\n").contains(where: { $0.hasSuffix(" idle") || $0.hasSuffix(" mix") }) else {
            throw XCTSkip("Slurm answers but no node can take jobs: \(sinfo.output)")
        }

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
