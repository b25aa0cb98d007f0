// Tests of the migrator and of opening the database: tables, view, indexes, pragmas, errors.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class SchemaTests: XCTestCase {
    func testMigratorCreatesTablesViewAndIndexes() throws {
        let (database, _folder) = try makeDatabase()
        _ = _folder
        try database.reader.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' AND name NOT LIKE 'sqlite%' ORDER BY name")
            XCTAssertEqual(tables, ["checkpoints", "epochs", "halving_decisions", "runs", "sweeps"])
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'view'"), ["run_summary"])
            XCTAssertEqual(try db.columns(in: "sweeps").map(\.name),
                           ["id", "name", "spec_json", "created_at", "task", "metric_name",
                            "metric_higher_is_better", "baseline_loss", "baseline_metric",
                            "baseline_test_loss", "baseline_test_metric"])
            XCTAssertEqual(try db.columns(in: "runs").map(\.name),
                           ["id", "sweep_id", "plan_index", "config_hash", "config_json", "task", "cell",
                            "hidden", "lr", "seed", "status", "param_count", "epochs_planned", "started_at",
                            "finished_at", "error", "worker", "heartbeat_at", "stop_epoch", "stop_reason", "pruned_rung"])
            XCTAssertEqual(try db.columns(in: "epochs").map(\.name),
                           ["run_id", "epoch", "train_loss", "val_loss", "val_metric", "grad_norm",
                            "seconds", "tokens_per_second", "val_details", "test_loss", "test_metric", "lr"])
            XCTAssertEqual(try db.columns(in: "checkpoints").map(\.name), ["run_id", "epoch", "state"])
            XCTAssertEqual(try db.columns(in: "run_summary").map(\.name),
                           ["run_id", "sweep", "cell", "hidden", "lr", "seed", "status", "epochs",
                            "best_val_loss", "final_val_loss", "best_val_metric", "seconds_per_epoch"])
            let runIndexes = try db.indexes(on: "runs")
            XCTAssertTrue(runIndexes.contains { $0.columns == ["sweep_id", "status"] }, "\(runIndexes)")
            XCTAssertTrue(runIndexes.contains { $0.columns == ["sweep_id", "config_hash"] && $0.isUnique })
            XCTAssertEqual(try db.primaryKey("epochs").columns, ["run_id", "epoch"])
            // A run's epochs are found through an index, not a table scan.
            let planRows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM epochs WHERE run_id = 1")
            let details = planRows.map { $0["detail"] as String? ?? "" }.joined(separator: " | ")
            XCTAssertTrue(details.contains("USING") && details.contains("INDEX"), details)
            let claimRows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM runs WHERE sweep_id = 1 AND status = 'pending'")
            let claimDetails = claimRows.map { $0["detail"] as String? ?? "" }.joined(separator: " | ")
            XCTAssertTrue(claimDetails.contains("runs_by_sweep_status"), claimDetails)
            XCTAssertEqual(try ResultsDatabase.migrator.appliedIdentifiers(db), Set(ResultsDatabase.migrationIdentifiers))
        }
    }

    func testPoolUsesWALAndForeignKeys() throws {
        let (database, folder) = try makeDatabase()
        try database.writer.write { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), 1)
        }
        // Opening again (another process would do the same) keeps the schema and data.
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('s', '{}', 'now', 'adding', 'mse', 0)")
        }
        let again = try ResultsDatabase.open(path: folder.path("results.db"))
        XCTAssertEqual(try again.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sweeps") }, 1)
    }

    func testStatusCheckConstraintRejectsUnknownStatus() throws {
        let (database, _folder) = try makeDatabase()
        _ = _folder
        XCTAssertThrowsError(try database.writer.write { db in
            try db.execute(sql: "INSERT INTO sweeps(id, name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES (1, 's', '{}', 'now', 'adding', 'mse', 0)")
            try db.execute(sql: "INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, status, epochs_planned) VALUES (1, 0, 'h', '{}', 'adding', 'gru', 8, 0.1, 1, 'sleeping', 3)")
        })
    }

    func testOpenCreatesMissingFolders() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("a/b/c/results.db")
        _ = try ResultsDatabase.open(path: path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }

    func testOpenUnderAFileGivesOneLineErrorNamingPathAndCause() throws {
        let folder = try TemporaryFolder()
        let blocker = folder.path("blocker")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/results.db"
        XCTAssertThrowsError(try ResultsDatabase.open(path: path)) { error in
            guard case ResultsStoreError.cannotOpen(let errorPath, let reason) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(errorPath, path)
            XCTAssertTrue(reason.contains("is a file"), reason)
            let line = "\(error)"
            XCTAssertFalse(line.contains("\n"))
            XCTAssertTrue(line.contains(path), line)
        }
    }

    func testOpenAFolderOrANonDatabaseFileFails() throws {
        let folder = try TemporaryFolder()
        XCTAssertThrowsError(try ResultsDatabase.open(path: folder.url.path)) { error in
            XCTAssertTrue("\(error)".contains("is a folder"), "\(error)")
        }
        let garbage = folder.path("garbage.db")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try ResultsDatabase.open(path: garbage)) { error in
            guard case ResultsStoreError.cannotOpen(_, let reason) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(reason.contains("not a database"), reason)
        }
        XCTAssertThrowsError(try ResultsDatabase.openReadOnly(path: garbage)) { error in
            guard case ResultsStoreError.cannotOpen(_, let reason) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(reason.contains("not a database"), reason)
        }
    }

    func testOpenReadOnlyMissingFileIsDatabaseNotFound() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("missing.db")
        XCTAssertThrowsError(try ResultsDatabase.openReadOnly(path: path)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .databaseNotFound(path: path))
            XCTAssertTrue("\(error)".contains(path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testConcurrentOpensOfANewFileAllSucceed() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("shared.db")
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try ResultsDatabase.open(path: path) } catch { errors.append(error) }
        }
        XCTAssertEqual(errors.all.map { "\($0)" }, [])
        let database = try ResultsDatabase.openReadOnly(path: path)
        XCTAssertEqual(try database.reader.read { db in try ResultsDatabase.migrator.completedMigrations(db) },
                       ResultsDatabase.migrationIdentifiers)
    }
}

/// Collects errors from several threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func append(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}
