// Tests of the read-only query entry point used by `runner query`.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class ReadOnlyQueryTests: XCTestCase {
    func makeFilledDatabase() throws -> (ResultsDatabase, TemporaryFolder) {
        let (database, folder) = try makeDatabase()
        let sweep = try database.createOrGetSweep(SweepDescription(name: "s", specJSON: "{}", task: "adding",
                                                                   metricName: "mse", metricHigherIsBetter: false))
        try database.insertPlan(sweepId: sweep.id!, runs: [
            PlannedRun(planIndex: 0, configHash: "h", configJSON: "{}", task: "adding", cell: "gru",
                       hidden: 16, lr: 0.003, seed: 1, epochsPlanned: 2),
        ])
        return (try ResultsDatabase.openReadOnly(path: folder.path("results.db")), folder)
    }

    func testQueryReturnsColumnsAndTypedValues() throws {
        let (readOnly, _folder) = try makeFilledDatabase(); _ = _folder
        XCTAssertTrue(readOnly.isReadOnly)
        let result = try readOnly.query("SELECT cell, hidden, lr, param_count, x'0102' AS bytes FROM runs")
        XCTAssertEqual(result.columns, ["cell", "hidden", "lr", "param_count", "bytes"])
        XCTAssertEqual(result.rows, [[.text("gru"), .integer(16), .real(0.003), .null, .blob(Data([1, 2]))]])
        XCTAssertEqual(result.rows[0].map { $0.display() }, ["gru", "16", "0.003", "NULL", "<2 bytes>"])
        XCTAssertEqual(QueryValue.null.display(nullText: ""), "")
        // Several statements: the last one's rows.
        XCTAssertEqual(try readOnly.query("SELECT 1; SELECT 2 AS two").rows, [[.integer(2)]])
        XCTAssertEqual(try readOnly.query("PRAGMA integrity_check").rows, [[.text("ok")]])
    }

    func testWriteStatementsAreRefusedAndNothingChanges() throws {
        let (readOnly, folder) = try makeFilledDatabase()
        for sql in ["DELETE FROM runs", "UPDATE runs SET status = 'failed'", "DROP TABLE epochs",
                    "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('x','{}','t','a','m',0)",
                    "SELECT 1; DELETE FROM runs", "CREATE TABLE t(x)"] {
            XCTAssertThrowsError(try readOnly.query(sql), sql) { error in
                guard case ResultsStoreError.writeRefused = error else { return XCTFail("\(sql): \(error)") }
                XCTAssertTrue("\(error)".hasPrefix("refused: queries are read-only"), "\(error)")
            }
        }
        // The check does not depend on the connection being read-only.
        let writable = try ResultsDatabase.open(path: folder.path("results.db"))
        XCTAssertThrowsError(try writable.query("DELETE FROM runs")) { error in
            guard case ResultsStoreError.writeRefused = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try readOnly.query("SELECT count(*) FROM runs").rows, [[.integer(1)]])
        XCTAssertEqual(try readOnly.query("SELECT count(*) FROM sweeps").rows, [[.integer(1)]])
    }

    func testWrongStatementShowsSQLiteMessage() throws {
        let (readOnly, _folder) = try makeFilledDatabase(); _ = _folder
        XCTAssertThrowsError(try readOnly.query("SELECT nonsense FROM runs")) { error in
            guard case ResultsStoreError.invalidQuery(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "no such column: nonsense")
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertThrowsError(try readOnly.query("SELEC 1")) { error in
            guard case ResultsStoreError.invalidQuery(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("syntax error"), message)
        }
        XCTAssertThrowsError(try readOnly.query("  ")) { error in
            guard case ResultsStoreError.invalidQuery = error else { return XCTFail("\(error)") }
        }
    }
}
