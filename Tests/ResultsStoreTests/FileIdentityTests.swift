// The store knows its own files: new databases are stamped, foreign, damaged and newer files
// are refused for writing and left byte-identical, earlier versions migrate as before.
import Foundation
import GRDB
import XCTest
@testable import ResultsStore

final class FileIdentityTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder() }
    // XCTest keeps every test case object to the end of the process, so the folder goes here.
    override func tearDown() { folder = nil }

    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A results database written and closed by this runner (its log folded into the file).
    private func closedResultsDatabase(_ name: String, rows: Int = 0) throws -> String {
        let path = folder.path(name)
        let database = try ResultsDatabase.open(path: path)
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('s', '{}', 'now', 'adding', 'mse', 0)")
            for n in 0..<rows {
                try db.execute(sql: """
                    INSERT INTO runs(sweep_id, plan_index, config_hash, config_json, task, cell, hidden, lr, seed, epochs_planned)
                    VALUES (1, ?, ?, ?, 'adding', 'gru', 8, 0.01, 1, 3)
                    """, arguments: [n, "hash-\(n)", String(repeating: "x", count: 200)])
            }
        }
        try database.close()
        return path
    }

    func testNewDatabaseCarriesApplicationIdAndSchemaVersion() throws {
        let path = try closedResultsDatabase("new.db")
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA application_id"), Int(ResultsDatabase.applicationID))
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA user_version"), ResultsDatabase.migrator.migrations.count)
        }
        XCTAssertEqual(ResultsDatabase.schemaVersion, ResultsDatabase.migrator.migrations.count)
        XCTAssertEqual(ResultsDatabase.migrationIdentifiers, ResultsDatabase.migrator.migrations)
    }

    func testForeignSQLiteFilesAreRefusedAndLeftByteIdentical() throws {
        // Another program's database, and one with tables named like runner's but other columns.
        let other = folder.path("other.db")
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE foo(x); INSERT INTO foo VALUES (1)") }
        let lookalike = folder.path("lookalike.db")
        try DatabaseQueue(path: lookalike).write { try $0.execute(sql: "CREATE TABLE sweeps(a, b); CREATE TABLE runs(c)") }
        let stamped = folder.path("stamped.db")
        try DatabaseQueue(path: stamped).write { try $0.execute(sql: "PRAGMA application_id = 1234; CREATE TABLE t(x)") }
        for path in [other, lookalike, stamped] {
            let before = try bytes(path)
            XCTAssertThrowsError(try ResultsDatabase.open(path: path)) { error in
                guard case ResultsStoreError.foreignFile(let errorPath, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(errorPath, path)
                XCTAssertFalse("\(error)".contains("\n"))
                XCTAssertTrue("\(error)".contains("not a runner results database"), "\(error)")
            }
            XCTAssertEqual(try bytes(path), before, "\(path) is byte-identical")
            XCTAssertEqual(try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "delete",
                           "not switched to WAL")
            XCTAssertFalse(try DatabaseQueue(path: path).read { try $0.tableExists("grdb_migrations") })
        }
        let merged = folder.path("good.db")
        _ = try closedResultsDatabase("good.db")
        XCTAssertThrowsError(try ResultsDatabase.merge(inputPaths: [merged], into: other, includeCheckpoints: false)) { error in
            guard case ResultsStoreError.foreignFile = error else { return XCTFail("\(error)") }
        }
    }

    func testDamagedDatabaseThatOpeningWouldChangeIsRefusedBeforeAnyWrite() throws {
        let path = try closedResultsDatabase("damaged.db", rows: 200)
        // An earlier runner's file in rollback-journal mode: opening would switch it to WAL.
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        var data = try bytes(path)
        let pageSize = 4096
        XCTAssertGreaterThan(data.count, 4 * pageSize)
        for offset in (2 * pageSize)..<(3 * pageSize) { data[offset] = 0xA5 }   // page 3 overwritten
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ResultsDatabase.open(path: path)) { error in
            guard case ResultsStoreError.damagedDatabase = error else { return XCTFail("\(error)") }
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertEqual(try bytes(path), data, "page 1 and every other byte unchanged")
    }

    func testNewerDatabaseIsRefusedForWritingAndReadWhenCompatible() throws {
        let path = try closedResultsDatabase("newer.db")
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-from-the-future')")
            try db.execute(sql: "CREATE TABLE future(x)")
        }
        let before = try bytes(path)
        XCTAssertThrowsError(try ResultsDatabase.open(path: path)) { error in
            XCTAssertEqual(error as? ResultsStoreError, .newerDatabase(path: path, detail: "migration v99-from-the-future unknown"))
            XCTAssertTrue("\(error)".contains("created by a newer runner: migration v99-from-the-future unknown"), "\(error)")
        }
        XCTAssertEqual(try bytes(path), before)
        // Every migration this runner knows is there: it reads the file.
        let reader = try ResultsDatabase.openReadOnly(path: path)
        XCTAssertEqual(try reader.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sweeps") }, 1)
        try reader.close()
        XCTAssertEqual(try bytes(path), before)

        // A higher schema version alone is also a newer runner's file.
        let versioned = try closedResultsDatabase("versioned.db")
        try DatabaseQueue(path: versioned).write { try $0.execute(sql: "PRAGMA user_version = \(ResultsDatabase.schemaVersion + 1)") }
        XCTAssertThrowsError(try ResultsDatabase.open(path: versioned)) { error in
            guard case ResultsStoreError.newerDatabase(_, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("schema version \(ResultsDatabase.schemaVersion + 1)"), detail)
        }

        // A newer file that lacks a migration this runner reads is not read either.
        let diverged = try closedResultsDatabase("diverged.db")
        try DatabaseQueue(path: diverged).write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [ResultsDatabase.migrator.migrations.last!])
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-other')")
        }
        XCTAssertThrowsError(try ResultsDatabase.openReadOnly(path: diverged)) { error in
            guard case ResultsStoreError.newerDatabase(_, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("v99-other unknown"), detail)
        }
    }

    func testEarlierVersionDatabaseMigratesAndIsStamped() throws {
        let path = folder.path("earlier.db")
        let first = ResultsDatabase.migrator.migrations[0]
        let queue = try DatabaseQueue(path: path)
        try ResultsDatabase.migrator.migrate(queue, upTo: first)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO sweeps(name, spec_json, created_at, task, metric_name, metric_higher_is_better) VALUES ('old', '{}', 'then', 'adding', 'mse', 0)")
        }
        try queue.close()
        let database = try ResultsDatabase.open(path: path)
        try database.reader.read { db in
            XCTAssertEqual(try ResultsDatabase.migrator.appliedMigrations(db), ResultsDatabase.migrator.migrations)
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA application_id"), Int(ResultsDatabase.applicationID))
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA user_version"), ResultsDatabase.schemaVersion)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT name FROM sweeps"), "old")
        }
    }

    func testEmptyFileBecomesAResultsDatabase() throws {
        let path = folder.path("empty.db")
        FileManager.default.createFile(atPath: path, contents: Data())
        let database = try ResultsDatabase.open(path: path)
        XCTAssertEqual(try database.reader.read { try Int.fetchOne($0, sql: "PRAGMA application_id") }, Int(ResultsDatabase.applicationID))
    }
}
