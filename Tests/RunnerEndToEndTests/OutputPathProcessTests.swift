// No output path may name an input: report, export and merge refuse an --output that
// resolves (symbolic link, hard link, ./) to the database or its -wal/-shm, and leave it
// byte-identical; outputs are written to a temporary file and renamed into place.
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
}
