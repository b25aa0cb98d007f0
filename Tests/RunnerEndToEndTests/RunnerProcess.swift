// Runs the real `runner` binary (built beside the test bundle) for end-to-end tests.
import Foundation
import XCTest

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum RunnerBinary {
    static var url: URL {
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
