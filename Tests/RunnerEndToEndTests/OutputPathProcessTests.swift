// No output path may name an input: report, export and merge refuse an --output that
// resolves (symbolic link, hard link, ./) to the database or its -wal/-shm, and leave it
// byte-identical; outputs are written to a temporary file and renamed into place (devices, pipes and
// links to them are written through instead).
import Foundation
import XCTest

final class OutputPathProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func makeDatabase() throws {
        try #"{"name": "out", "task": {"name": "adding", "length": 5, "train_size": 16, "val_size": 4}, "train": {"epochs": 1, "batch": 4, "hidden": 3}, "grid": {"cell": ["gru", "lstm"]}}"#
            .write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.run(["sweep", "spec.json", "--db", "q.db", "--no-report"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
    }

    func testOutputsNamingTheDatabaseAreRefusedAndTheDatabaseIsKept() throws {
        try makeDatabase()
        try FileManager.default.createSymbolicLink(atPath: path("link.db"), withDestinationPath: "q.db")
        XCTAssertEqual(link(path("q.db"), path("hard.db")), 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path("q.db")))
        for output in ["q.db", "./q.db", "link.db", "hard.db", "../\(folder.lastPathComponent)/q.db", "q.db-wal"] {
            for arguments in [["report", "--db", "q.db", "--output", output],
                              ["export", "--run", "1", "--db", "q.db", "--output", output],
                              ["merge", "--output", output, "q.db"]] {
                let result = try RunnerBinary.run(arguments, in: folder)
                XCTAssertEqual(result.status, 1, "\(arguments): \(result.stdout) \(result.stderr)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("q.db"))), before, "\(arguments) kept the database")
            }
        }
        let check = try RunnerBinary.run(["query", "--db", "q.db", "SELECT count(*) FROM runs"], in: folder)
        XCTAssertEqual(check.status, 0, check.stderr)
    }

    func testOutputsAreRenamedIntoPlace() throws {
        try makeDatabase()
        try "old report".write(toFile: path("report.txt"), atomically: true, encoding: .utf8)
        let report = try RunnerBinary.run(["report", "--db", "q.db", "--output", "report.txt"], in: folder)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(try String(contentsOfFile: path("report.txt"), encoding: .utf8).hasPrefix("Sweep out: GRU vs LSTM comparison"))
        let export = try RunnerBinary.run(["export", "--run", "1", "--db", "q.db", "--output", "w/run.safetensors"], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: path("w/run.safetensors"))[.size] as? Int) ?? 0, 8)
        // A rename that fails (the output is a folder) leaves what was there and no temporary file.
        try FileManager.default.createDirectory(atPath: path("taken"), withIntermediateDirectories: true)
        let failed = try RunnerBinary.run(["report", "--db", "q.db", "--output", "taken"], in: folder)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("taken"), isDirectory: &isDirectory) && isDirectory.boolValue)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testLinksToRegularFilesAreWrittenThroughNotReplaced() throws {
        // A link to this process's redirected standard output (as /dev/stdout is, through
        // /proc/self/fd/1) used to be replaced by a file holding the report, leaving the
        // redirection empty (and, for /dev/stdout itself, /dev broken). It is written through
        // the descriptor, so `>>` appends; a link to another file replaces that file.
        try makeDatabase()
        let direct = try RunnerBinary.run(["report", "--db", "q.db", "--format", "csv"], in: folder)
        XCTAssertEqual(direct.status, 0, direct.stderr)
        try FileManager.default.createSymbolicLink(atPath: path("mystdout"), withDestinationPath: "/proc/self/fd/1")
        try "earlier line\n".write(to: folder.appendingPathComponent("log.txt"), atomically: true, encoding: .utf8)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "'\(RunnerBinary.url.path)' report --db q.db --format csv --output mystdout >> log.txt"]
        shell.currentDirectoryURL = folder
        try shell.run()
        shell.waitUntilExit()
        XCTAssertEqual(shell.terminationStatus, 0)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("log.txt"), encoding: .utf8), "earlier line\n" + direct.stdout)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("mystdout")), "/proc/self/fd/1", "still the link")
        try "old\n".write(to: folder.appendingPathComponent("target.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path("lnk"), withDestinationPath: "target.txt")
        let linked = try RunnerBinary.run(["report", "--db", "q.db", "--format", "csv", "--output", "lnk"], in: folder)
        XCTAssertEqual(linked.status, 0, linked.stderr)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("lnk")), "target.txt", "still the link")
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("target.txt"), encoding: .utf8), direct.stdout)
    }

    func testOutputsThatAreNotRegularFilesAreWrittenThroughNotReplaced() throws {
        // --output /dev/null, /dev/stdout or a FIFO is written through, as a shell's > would; a
        // rename would replace the device node or pipe with a file. Tested through symbolic links
        // here (the old code replaced the link, never /dev itself): each must still be a link to
        // its device afterwards, /dev/full's "No space left on device" is one line and exit 1.
        try makeDatabase()
        try FileManager.default.createSymbolicLink(atPath: path("null"), withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: path("full"), withDestinationPath: "/dev/full")
        for arguments in [["report", "--db", "q.db", "--output", "null"], ["export", "--run", "1", "--db", "q.db", "--output", "null"]] {
            let result = try RunnerBinary.run(arguments, in: folder)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        }
        for arguments in [["report", "--db", "q.db", "--output", "full"], ["export", "--run", "1", "--db", "q.db", "--output", "full"]] {
            let result = try RunnerBinary.run(arguments, in: folder)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("cannot write") && result.stderr.contains("full: No space left on device"), result.stderr)
        }
        for (link, device) in [("null", "/dev/null"), ("full", "/dev/full")] {
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path(link)), device, "\(link) is still the link")
        }
        // A FIFO: the report arrives at its reader, and the FIFO stays one.
        XCTAssertEqual(mkfifo(path("pipe"), 0o600), 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [path("pipe")]
        let received = Pipe()
        reader.standardOutput = received
        try reader.run()
        let report = try RunnerBinary.run(["report", "--db", "q.db", "--format", "csv", "--output", "pipe"], in: folder)
        XCTAssertEqual(report.status, 0, report.stderr)
        let text = String(decoding: received.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        reader.waitUntilExit()
        let direct = try RunnerBinary.run(["report", "--db", "q.db", "--format", "csv"], in: folder)
        XCTAssertEqual(direct.status, 0, direct.stderr)
        XCTAssertFalse(text.isEmpty)
        XCTAssertEqual(text, direct.stdout, "the FIFO's reader got the whole report")
        var info = stat()
        XCTAssertEqual(lstat(path("pipe"), &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
    }
}
