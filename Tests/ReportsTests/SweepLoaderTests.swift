// Tests of loading sweeps from the database: by name, the latest, and the one-line errors
// for a missing database, an unknown sweep, an empty database and a foreign file.
import Foundation
import GRDB
import XCTest
@testable import Reports
import ResultsStore

final class SweepLoaderTests: XCTestCase {
    func testLoadsTheLatestSweepOrTheNamedOne() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [
            knownSweep(name: "older", createdAt: "2026-11-26T10:00:00.000Z"),
            knownSweep(name: "newer", createdAt: "2026-11-27T09:00:00.000Z"),
        ])
        let latest = try SweepLoader.load(databasePath: path, sweepName: nil)
        XCTAssertEqual(latest.sweep.name, "newer")
        XCTAssertEqual(latest.runs.count, 15)
        XCTAssertEqual(latest.runs.map(\.epochs.count).reduce(0, +), 12 * 3 + 2)
        let older = try SweepLoader.load(databasePath: path, sweepName: "older")
        XCTAssertEqual(older.sweep.name, "older")
        XCTAssertEqual(older.sweep.baselineMetric, 0.5)
        XCTAssertTrue(older.sweep.metricHigherIsBetter)
        let first = try XCTUnwrap(older.runs.first)
        XCTAssertEqual(first.config["task.length"], .number(20))
        XCTAssertEqual(first.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(first.epochs[1].valMetric, 48.0 / 64)
        // The diverged epoch's NaN loss is stored as NULL and comes back as nil.
        let diverged = try XCTUnwrap(older.runs.first { $0.status == .diverged })
        XCTAssertNil(diverged.epochs[1].valLoss)
    }

    func testUnknownSweepNamesTheOnesThereAre() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [knownSweep(name: "adding-t50")])
        XCTAssertThrowsError(try SweepLoader.load(databasePath: path, sweepName: "adding-t5")) { error in
            XCTAssertEqual(error as? ReportError, .unknownSweep(name: "adding-t5", databasePath: path, available: ["adding-t50"]))
            XCTAssertEqual("\(error)", "no sweep named 'adding-t5' in \(path); expected one of: adding-t50")
        }
    }

    func testEmptyMissingAndForeignDatabasesGiveOneLineErrors() throws {
        let folder = try TemporaryFolder()
        let empty = folder.path("empty.db")
        try writeDatabase(at: empty, sweeps: [])
        XCTAssertThrowsError(try SweepLoader.load(databasePath: empty, sweepName: nil)) { error in
            XCTAssertEqual(error as? ReportError, .noSweeps(databasePath: empty))
        }
        let missing = folder.path("missing.db")
        XCTAssertThrowsError(try ReportRunner.textReport(databasePath: missing, sweepName: nil)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .databaseNotFound(path: missing))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing), "a report never creates a database")
        let foreign = folder.path("foreign.db")
        try DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE notes(text TEXT)") }
        XCTAssertThrowsError(try SweepLoader.load(databasePath: foreign, sweepName: nil)) { error in
            XCTAssertEqual(error as? ReportError, .notAResultsDatabase(path: foreign, reason: "it has no sweeps table"))
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}

final class OpenDatabaseReportTests: XCTestCase {
    func testTextReportThroughTheSweepCommandsOpenDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("results.db")
        try writeDatabase(at: path, sweeps: [knownSweep()])
        let database = try ResultsDatabase.open(path: path)
        let text = try ReportRunner.textReport(database: database, sweepName: "known")
        XCTAssertEqual(text, try ReportRunner.textReport(databasePath: path, sweepName: "known"))
        XCTAssertTrue(text.hasPrefix("Sweep known: GRU vs LSTM comparison\n"))
    }
}

private extension ReportRunner {
    /// The text report of `sweepName` read through a database the caller already has open.
    static func textReport(database: ResultsDatabase, sweepName: String, at point: ReportPoint = .best) throws -> String {
        let data = try SweepLoader.load(database: database, sweepName: sweepName)
        return try render(ComparisonReport(data, options: ReportOptions(at: point)), of: data, format: .text)
    }
}
