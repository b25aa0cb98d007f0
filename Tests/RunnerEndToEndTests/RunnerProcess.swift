// Runs the real `runner` binary (built beside the test bundle) for end-to-end tests.
import Foundation
import GRDB
import XCTest

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum RunnerBinary {
    static var url: URL {
        // A copy of the binary for a long fuzz campaign, so that rebuilding meanwhile does not swap it.
        if let path = ProcessInfo.processInfo.environment["RUNNER_BINARY"] { return URL(fileURLWithPath: path) }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("runner"),
            Bundle.main.bundleURL.appendingPathComponent("runner"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("runner"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Starts the binary; output goes to files in `folder` so a killed process loses nothing we read.
    static func start(_ arguments: [String], in folder: URL, tag: String) throws -> Process {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        p.currentDirectoryURL = folder
        FileManager.default.createFile(atPath: folder.appendingPathComponent("\(tag).out").path, contents: nil)
        FileManager.default.createFile(atPath: folder.appendingPathComponent("\(tag).err").path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).out"))
        p.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("\(tag).err"))
        try p.run()
        return p
    }

    static func output(_ folder: URL, tag: String) -> (String, String) {
        let read = { (s: String) in (try? String(contentsOf: folder.appendingPathComponent("\(tag).\(s)"), encoding: .utf8)) ?? "" }
        return (read("out"), read("err"))
    }

    /// Runs to completion (bounded by `timeout` seconds).
    static func run(_ arguments: [String], in folder: URL, tag: String = UUID().uuidString, timeout: TimeInterval = 300) throws -> ProcessResult {
        let p = try start(arguments, in: folder, tag: tag)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate(); XCTFail("runner \(arguments) timed out") }
        p.waitUntilExit()
        let (out, err) = output(folder, tag: tag)
        return ProcessResult(status: p.terminationStatus, stdout: out, stderr: err)
    }
}

func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("runner-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every epoch's numbers (timings left out), keyed "config_hash#epoch": what must be
/// bitwise equal between two ways of running the same sweep.
func epochTable(atPath path: String) throws -> [String: [Double?]] {
    try DatabaseQueue(path: path).read { db in
        var out: [String: [Double?]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT r.config_hash || '#' || e.epoch, e.train_loss, e.val_loss, e.val_metric, e.grad_norm
              FROM epochs e JOIN runs r ON r.id = e.run_id
            """) {
            out[row[0]] = [row[1], row[2], row[3], row[4]]
        }
        return out
    }
}

/// Tests that keep their files in a temporary `folder`.
protocol TemporaryFolderTest: AnyObject {
    var folder: URL! { get }
}

extension TemporaryFolderTest {
    /// The epochs table of a database in the folder (see `epochTable(atPath:)`).
    func epochs(_ db: String) throws -> [String: [Double?]] {
        try epochTable(atPath: folder.appendingPathComponent(db).path)
    }

    /// The first column of the first row of a query on a database in the folder, as text.
    func scalar(_ db: String, _ sql: String) throws -> String {
        try DatabaseQueue(path: folder.appendingPathComponent(db).path).read { try String.fetchOne($0, sql: sql) ?? "" }
    }
}
