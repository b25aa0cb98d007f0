// `runner report`, `runner query` and `runner runs` as a user runs them on a finished sweep.
import XCTest
import Foundation

final class ReportQueryProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
        let spec = """
        {"name": "rq", "task": {"name": "adding", "length": 6, "train_size": 64, "val_size": 16, "data_seed": 1},
         "train": {"epochs": 2, "batch": 16, "hidden": 4, "lr": 0.01}, "grid": {"cell": ["gru", "lstm"], "seed": [1, 2]}}
        """
        try spec.write(to: folder.appendingPathComponent("rq.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.run(["sweep", "rq.json", "--db", "r.db", "--no-report"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testTheDatabaseFileAloneHoldsEveryResult() throws {
        // The sweep folds its write-ahead log into r.db when it ends: copying r.db alone loses nothing.
        let wal = folder.appendingPathComponent("r.db-wal").path
        if FileManager.default.fileExists(atPath: wal) {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int, 0, "empty log")
        }
        let copy = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: folder.appendingPathComponent("r.db"), to: copy.appendingPathComponent("r.db"))
        XCTAssertEqual(try epochTable(atPath: copy.appendingPathComponent("r.db").path).count, 8)
    }

    func testOutputThatCannotBeWrittenIsAFailureNotASuccess() throws {
        // Standard output on a full device (/dev/full: every write fails with ENOSPC): the output
        // is lost, so the command says so in one line and exits 1 instead of 0.
        for arguments in [["query", "--db", "r.db", "--format", "csv", "SELECT * FROM epochs"], ["runs", "--db", "r.db"],
                          ["report", "--db", "r.db", "--format", "json"], ["sweep", "rq.json", "--dry-run"]] {
            let p = Process()
            p.executableURL = RunnerBinary.url
            p.arguments = arguments
            p.currentDirectoryURL = folder
            p.standardOutput = try XCTUnwrap(FileHandle(forWritingAtPath: "/dev/full"))
            let errors = Pipe()
            p.standardError = errors
            try p.run()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 1, "\(arguments): \(stderr)")
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertTrue(stderr.hasPrefix("runner: could not write standard output"), stderr)
        }
    }

    func testReportFormats() throws {
        let text = try RunnerBinary.run(["report", "--db", "r.db"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Verdict") && text.stdout.contains("GRU vs LSTM"), text.stdout)

        let html = try RunnerBinary.run(["report", "--db", "r.db", "--format", "html", "--output", "r.html"], in: folder)
        XCTAssertEqual(html.status, 0, html.stderr)
        let page = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<svg"))
        XCTAssertFalse(page.contains("<script") || page.contains("http://") || page.contains("https://"))

        let csv = try RunnerBinary.run(["report", "--db", "r.db", "--format", "csv"], in: folder)
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertTrue(csv.stdout.hasPrefix("table,configuration,cell,subject,field,value"), String(csv.stdout.prefix(200)))

        let unknown = try RunnerBinary.run(["report", "--db", "r.db", "--sweep", "nope"], in: folder)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("nope"), unknown.stderr)
        XCTAssertEqual(unknown.stderr.split(separator: "\n").count, 1, unknown.stderr)
    }

    func testQueryReadsAndRefusesWrites() throws {
        let count = try RunnerBinary.run(["query", "--db", "r.db", "--format", "csv", "SELECT COUNT(*) AS n FROM epochs"], in: folder)
        XCTAssertEqual(count.status, 0, count.stderr)
        XCTAssertEqual(count.stdout.split(separator: "\n").map(String.init), ["n", "8"])

        // A join's repeated column names stay distinct keys in JSON (a strict parser refuses duplicates).
        let joined = try RunnerBinary.run(["query", "--db", "r.db", "--format", "json",
                                           "SELECT r.id, s.id, 7 AS \"id:2\" FROM runs r JOIN sweeps s ON s.id = r.sweep_id LIMIT 1"], in: folder)
        XCTAssertEqual(joined.status, 0, joined.stderr)
        XCTAssertEqual(joined.stdout, "[\n  {\"id\": 1, \"id:3\": 1, \"id:2\": 7}\n]\n")

        let write = try RunnerBinary.run(["query", "--db", "r.db", "DELETE FROM epochs"], in: folder)
        XCTAssertNotEqual(write.status, 0)
        XCTAssertTrue(write.stderr.lowercased().contains("read-only") || write.stderr.lowercased().contains("refused"), write.stderr)
        XCTAssertEqual(try scalar("r.db", "SELECT COUNT(*) FROM epochs"), "8", "nothing deleted")

        let wrong = try RunnerBinary.run(["query", "--db", "r.db", "SELECT x FROM nowhere"], in: folder)
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("no such table"), "SQLite's own message:\n\(wrong.stderr)")

        let runs = try RunnerBinary.run(["runs", "--db", "r.db", "--status", "finished"], in: folder)
        XCTAssertEqual(runs.status, 0, runs.stderr)
        XCTAssertEqual(runs.stdout.components(separatedBy: "finished").count - 1 >= 4, true, runs.stdout)
    }
}
