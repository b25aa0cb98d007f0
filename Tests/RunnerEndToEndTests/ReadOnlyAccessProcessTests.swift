// Read-only access that works read-only: report, query, runs, export, sample and a merge
// input read a database in a read-only folder (as a user who cannot write there) and on a
// read-only mount, without -wal/-shm files, and never change it.
import Foundation
import XCTest

final class ReadOnlyAccessProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws {
        _ = try? shell("/bin/chmod", ["-R", "u+w", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs a program to completion: its exit status and standard error.
    @discardableResult
    func shell(_ program: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// A finished two-run charlm sweep (so that sample and export have checkpoints), copied
    /// alone (no -wal or -shm) into `folder/name/results.db`.
    func makeDatabaseCopy(in name: String) throws -> String {
        let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20)
        try text.write(to: folder.appendingPathComponent("corpus.txt"), atomically: true, encoding: .utf8)
        try """
        {"name": "ro", "task": {"name": "charlm", "path": "corpus.txt", "seq_len": 8},
         "train": {"epochs": 1, "batch": 8, "hidden": 6}, "grid": {"cell": ["rnn", "lstm"]}}
        """.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.run(["sweep", "spec.json", "--db", "made/results.db", "--no-report"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        let copyFolder = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: copyFolder, withIntermediateDirectories: true)
        let copy = copyFolder.appendingPathComponent("results.db").path
        try FileManager.default.copyItem(atPath: folder.appendingPathComponent("made/results.db").path, toPath: copy)
        return copy
    }

    /// The read-only commands, each writing only to `outputs` (a folder the user can write).
    func readOnlyCommands(_ db: String, outputs: String) -> [[String]] {
        [
            ["report", "--db", db],
            ["query", "--db", db, "SELECT count(*) FROM runs"],
            ["runs", "--db", db],
            ["export", "--db", db, "--run", "1", "--output", outputs + "/run-1.safetensors"],
            ["sample", "--db", db, "--run", "2", "--length", "20"],
            ["merge", "--output", outputs + "/merged.db", db],
        ]
    }

    func testReadOnlyFolderAsAnUnprivilegedUser() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to drop to another uid (setpriv)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("no /usr/bin/setpriv to drop privileges") }
        let db = try makeDatabaseCopy(in: "readonly")
        let outputs = folder.appendingPathComponent("outputs").path
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        try shell("/bin/chmod", ["0777", outputs])
        try shell("/bin/chmod", ["0555", (db as NSString).deletingLastPathComponent])
        try shell("/bin/chmod", ["0755", folder.path])
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for arguments in readOnlyCommands(db, outputs: outputs) {
            let result = try runAsNobody(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments[0]): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("readonly"), result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (db as NSString).deletingLastPathComponent), ["results.db"],
                       "no -wal or -shm created")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before, "the database is byte-identical")
        XCTAssertTrue(FileManager.default.fileExists(atPath: outputs + "/merged.db"))
    }

    func testReadOnlyBindMount() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to make a bind mount") }
        let db = try makeDatabaseCopy(in: "source")
        let mountPoint = folder.appendingPathComponent("mounted").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let bind = try shell("/bin/mount", ["--bind", (db as NSString).deletingLastPathComponent, mountPoint])
        guard bind.status == 0 else { throw XCTSkip("cannot make a bind mount here: \(bind.stderr)") }
        defer { _ = try? shell("/bin/umount", [mountPoint]) }
        let remount = try shell("/bin/mount", ["-o", "remount,bind,ro", mountPoint])
        guard remount.status == 0 else { throw XCTSkip("cannot remount the bind mount read-only: \(remount.stderr)") }
        let mountedDB = mountPoint + "/results.db"
        let before = try Data(contentsOf: URL(fileURLWithPath: mountedDB))
        let outputs = folder.appendingPathComponent("outputs").path
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        for arguments in readOnlyCommands(mountedDB, outputs: outputs) {
            let result = try RunnerBinary.run(arguments, in: folder)
            XCTAssertEqual(result.status, 0, "\(arguments[0]): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint), ["results.db"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: mountedDB)), before)
    }

    /// Runs the binary as user and group 65534 (nobody), with no supplementary groups.
    func runAsNobody(_ arguments: [String]) throws -> ProcessResult {
        let tag = UUID().uuidString
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", RunnerBinary.url.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = folder.appendingPathComponent("\(tag).out"), err = folder.appendingPathComponent("\(tag).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
