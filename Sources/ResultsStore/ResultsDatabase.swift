// The results database: one GRDB DatabasePool in WAL mode, shared by threads and
// processes, and the single DatabaseMigrator that owns the schema (sweeps, runs, epochs, checkpoints, run_summary).
import Foundation
import GRDB

/// The SQLite file of sweeps, runs, epochs and checkpoints.
///
/// Open it with ``open(path:busyTimeout:)`` (read-write, creates folders and the
/// schema) or ``openReadOnly(path:busyTimeout:)`` (for `runner query` and
/// `runner runs`). All operations are transactions; the type is safe to share
/// between threads, and several processes may open the same file.
public final class ResultsDatabase: @unchecked Sendable {
    /// Where the file lives, as given to `open`.
    public let path: String
    /// Whether this handle was opened with `Configuration.readonly`.
    public let isReadOnly: Bool
    /// Reads go through this: the pool, or a read-only queue.
    public let reader: any DatabaseReader
    private let pool: DatabasePool?

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.isReadOnly = false
        self.reader = pool
        self.pool = pool
    }

    private init(path: String, readOnlyQueue: DatabaseQueue) {
        self.path = path
        self.isReadOnly = true
        self.reader = readOnlyQueue
        self.pool = nil
    }

    /// The pool for writes. Writing through a read-only handle is a programmer mistake.
    public var writer: DatabasePool {
        guard let pool else { preconditionFailure("write through a read-only ResultsDatabase (\(path))") }
        return pool
    }

    /// Copies the write-ahead log into the database file and closes the connections, so
    /// that the `.db` file alone holds every result (safe to copy, e.g. a shard to merge).
    /// The checkpoint is best effort: while another process reads the file, its log stays
    /// and SQLite folds it in later. The handle is unusable afterwards.
    public func close() throws {
        if let pool {
            _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try pool.close()
        } else if let queue = reader as? DatabaseQueue {
            try queue.close()
        }
    }

    // MARK: - Opening

    /// Opens (creating it and its folders if needed) the database at `path` for reading
    /// and writing, and brings its schema up to date.
    ///
    /// Before anything is written (the WAL switch and migrations included) the file is
    /// inspected read-only: a file that is neither empty nor a results database throws
    /// ``ResultsStoreError/foreignFile(path:reason:)``, one of a newer runner
    /// ``ResultsStoreError/newerDatabase(path:detail:)``, one that opening would change and
    /// that fails `quick_check` ``ResultsStoreError/damagedDatabase(path:detail:)``; each
    /// leaves the file byte-identical. New and migrated files are stamped with
    /// ``applicationID`` and ``schemaVersion``.
    ///
    /// WAL journal, `synchronous = NORMAL` (safe against process crashes, `kill -9`
    /// included), foreign keys on. With `busyTimeout` nil (the default) a connection that
    /// finds the file locked by another process waits for as long as that process holds the
    /// lock, saying once on standard error whom it waits for; a number is SQLite's busy
    /// timeout instead. Throws ``ResultsStoreError/cannotOpen(path:reason:)`` when the
    /// folder cannot be created or the file cannot be written.
    public static func open(path: String, busyTimeout: TimeInterval? = nil) throws -> ResultsDatabase {
        let fileManager = FileManager.default
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            if !isDirectory.boolValue {
                throw ResultsStoreError.cannotOpen(path: path, reason: "\(folder) is a file, not a folder")
            }
        } else {
            do {
                try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ResultsStoreError.cannotOpen(path: path, reason: "cannot create folder \(folder) (\(describe(error)))")
            }
        }
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw ResultsStoreError.cannotOpen(path: path, reason: "it is a folder, not a database file")
            }
            if access(path, W_OK) != 0 {
                throw ResultsStoreError.cannotOpen(path: path, reason: "the file is not writable")
            }
        }
        if access(folder, W_OK) != 0 {
            throw ResultsStoreError.cannotOpen(path: path, reason: "folder \(folder) is not writable")
        }
        try requireWritableResultsFile(path)

        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = LockWaiter.busyMode(timeout: busyTimeout, path: path)
        // DatabasePool sets journal_mode = WAL and synchronous = NORMAL (in WAL mode NORMAL
        // never corrupts the file, even after kill -9; a power cut may lose the last commits).
        let deadline = busyTimeout.map { Date().addingTimeInterval($0) } ?? .distantFuture
        var pool: DatabasePool?
        var migrationFailures = 0
        while true {
            do {
                if pool == nil { pool = try DatabasePool(path: path, configuration: configuration) }
                try migrate(pool!)
                return ResultsDatabase(path: path, pool: pool!)
            } catch let error as DatabaseError {
                // Several processes opening a new file at once: setting WAL mode can find the
                // file locked, and a process that loses the race to create the schema sees
                // "table already exists" before it re-reads the applied migrations.
                let contended = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                let lostMigrationRace = pool != nil && error.resultCode == .SQLITE_ERROR && migrationFailures < 20
                if pool != nil && error.resultCode == .SQLITE_ERROR { migrationFailures += 1 }
                if (contended || lostMigrationRace) && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                throw ResultsStoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
            }
        }
    }

    /// Refuses, before anything is written, a file this runner must not write to.
    static func requireWritableResultsFile(_ path: String) throws {
        let inspection = try DatabaseFile.inspect(path, integrity: true)
        switch inspection.kind {
        case .absent, .empty:
            return
        case .notSQLite:
            throw ResultsStoreError.cannotOpen(path: path, reason: "file is not a database (no SQLite header); it was left untouched")
        case .foreign(let reason):
            throw ResultsStoreError.foreignFile(path: path, reason: reason)
        case .results:
            if let detail = inspection.newerVersionDetail {
                throw ResultsStoreError.newerDatabase(path: path, detail: detail)
            }
            if let check = inspection.quickCheck, check != "ok" {
                throw ResultsStoreError.damagedDatabase(path: path, detail: check)
            }
        }
    }

    /// Opens an existing database with `Configuration.readonly = true`: nothing through
    /// this handle can modify the file. In a folder (or on a mount) where nothing can be
    /// created, and with no write-ahead log holding data, the file is opened `immutable`,
    /// which needs no `-wal` or `-shm` file. A database of a newer runner is read when it
    /// has every migration this runner knows. Throws ``ResultsStoreError/databaseNotFound(path:)``
    /// when there is no file at `path`.
    public static func openReadOnly(path: String, busyTimeout: TimeInterval? = nil) throws -> ResultsDatabase {
        guard try DatabaseFile.regularFile(path) != nil else { throw ResultsStoreError.databaseNotFound(path: path) }
        var immutable = false
        if !DatabaseFile.folderIsWritable(path) {
            if DatabaseFile.hasLogContent(path) && !FileManager.default.fileExists(atPath: path + "-shm") {
                throw ResultsStoreError.cannotOpen(path: path, reason: "its write-ahead log \(path)-wal holds results not yet in the file, "
                    + "and SQLite cannot create \(path)-shm to read it in this read-only folder: open it once where it can be written, or copy it")
            }
            immutable = !DatabaseFile.hasLogContent(path)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = LockWaiter.busyMode(timeout: busyTimeout, path: path)
        do {
            let queue = try DatabaseQueue(path: immutable ? DatabaseFile.immutableURI(path) : path, configuration: configuration)
            // Touch the schema so that a file that is not a database fails here, as one line.
            let applied = try queue.read { db -> Set<String> in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                return try db.tableExists("grdb_migrations") ? String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations") : []
            }
            if let unknown = unknownMigrations(applied).first, let absent = pendingMigrations(applied).first {
                try? queue.close()
                throw ResultsStoreError.newerDatabase(path: path, detail: "migration \(unknown) unknown, and migration \(absent) that this runner reads is absent")
            }
            return ResultsDatabase(path: path, readOnlyQueue: queue)
        } catch let error as DatabaseError {
            throw ResultsStoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    private static func describe(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }

    // MARK: - Schema

    /// Identifiers of the migrations, in order (the migrator's own list). Migrations are
    /// forward-only: never edit one that has shipped, add a new one.
    public static var migrationIdentifiers: [String] { migrator.migrations }

    /// The one migrator of the results database.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-schema") { db in
            try db.execute(sql: """
                CREATE TABLE sweeps(
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    spec_json TEXT NOT NULL,
                    created_at TEXT NOT NULL,          -- ISO-8601, UTC
                    task TEXT NOT NULL,
                    metric_name TEXT NOT NULL,
                    metric_higher_is_better INTEGER NOT NULL,
                    baseline_loss REAL,
                    baseline_metric REAL
                );
                CREATE TABLE runs(
                    id INTEGER PRIMARY KEY,
                    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                    plan_index INTEGER NOT NULL,
                    config_hash TEXT NOT NULL,
                    config_json TEXT NOT NULL,
                    task TEXT NOT NULL,
                    cell TEXT NOT NULL,
                    hidden INTEGER NOT NULL,
                    lr REAL NOT NULL,
                    seed INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending','running','finished','failed','diverged','interrupted')),
                    param_count INTEGER,
                    epochs_planned INTEGER NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    error TEXT,
                    worker TEXT,
                    heartbeat_at REAL,                 -- unix seconds
                    UNIQUE(sweep_id, config_hash)
                );
                -- Claims and listings filter runs by sweep and status.
                CREATE INDEX runs_by_sweep_status ON runs(sweep_id, status);
                -- The primary key (run_id, epoch) is also the index of a run's epochs.
                CREATE TABLE epochs(
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    epoch INTEGER NOT NULL,            -- 1-based
                    train_loss REAL,
                    val_loss REAL,
                    val_metric REAL,
                    grad_norm REAL,
                    seconds REAL,
                    tokens_per_second REAL,
                    PRIMARY KEY (run_id, epoch)
                );
                -- The latest checkpoint of each run (weights, optimiser and random state).
                CREATE TABLE checkpoints(
                    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                    epoch INTEGER NOT NULL,
                    state BLOB NOT NULL
                );
                CREATE VIEW run_summary AS
                SELECT r.id AS run_id,
                       s.name AS sweep,
                       r.cell AS cell,
                       r.hidden AS hidden,
                       r.lr AS lr,
                       r.seed AS seed,
                       r.status AS status,
                       COUNT(e.epoch) AS epochs,
                       MIN(e.val_loss) AS best_val_loss,
                       (SELECT last.val_loss FROM epochs AS last
                         WHERE last.run_id = r.id ORDER BY last.epoch DESC LIMIT 1) AS final_val_loss,
                       CASE WHEN s.metric_higher_is_better THEN MAX(e.val_metric)
                            ELSE MIN(e.val_metric) END AS best_val_metric,
                       AVG(e.seconds) AS seconds_per_epoch
                  FROM runs AS r
                  JOIN sweeps AS s ON s.id = r.sweep_id
                  LEFT JOIN epochs AS e ON e.run_id = r.id
                 GROUP BY r.id;
                """)
        }
        // A task's secondary validation metrics (e.g. reber's strings_fully_predicted),
        // as a JSON object of name → value; NULL for tasks with one metric.
        migrator.registerMigration("v2-epoch-details") { db in
            try db.execute(sql: "ALTER TABLE epochs ADD COLUMN val_details TEXT")
        }
        // The task's held-out test split: loss and metric measured at every epoch beside the
        // validation ones, and the trivial baseline scored on it; NULL for tasks without a test
        // split (and for rows written before).
        migrator.registerMigration("v3-test-split") { db in
            try db.execute(sql: "ALTER TABLE epochs ADD COLUMN test_loss REAL")
            try db.execute(sql: "ALTER TABLE epochs ADD COLUMN test_metric REAL")
            try db.execute(sql: "ALTER TABLE sweeps ADD COLUMN baseline_test_loss REAL")
            try db.execute(sql: "ALTER TABLE sweeps ADD COLUMN baseline_test_metric REAL")
        }
        // The learning rate each epoch trained with (its schedule's rate); NULL for epochs
        // recorded before the column existed.
        migrator.registerMigration("epoch-learning-rate") { db in
            try db.execute(sql: "ALTER TABLE epochs ADD COLUMN lr REAL")
        }
        // Early stopping and successive halving: the `pruned` status, where and why a run
        // stopped early, and the halving decisions (see ResultsDatabase+HalvingSchema.swift).
        migrator.registerMigration("v4-halving-pruned") { db in try migrateHalving(db) }
        return migrator
    }

    /// Runs the pending migrations (each is its own IMMEDIATE transaction), then stamps the
    /// file with ``applicationID`` and ``schemaVersion`` (a new file gets its application id
    /// first). Skipped without taking the write
    /// lock when the schema and the stamp are already up to date.
    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = self.migrator
        let upToDate = try pool.read { db in
            try migrator.hasCompletedMigrations(db)
                && Int.fetchOne(db, sql: "PRAGMA application_id") == Int(applicationID)
                && Int.fetchOne(db, sql: "PRAGMA user_version") == schemaVersion
        }
        if upToDate { return }
        // A new file is stamped before its first table exists: another process inspecting
        // it while this one creates the schema (several workers starting on one new
        // database) then sees a runner file being built, never a half-built foreign one.
        try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0 {
                try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            }
        }
        try migrator.migrate(pool)
        try pool.write { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
        }
    }

    // MARK: - Transactions

    /// Runs `body` in an IMMEDIATE transaction: the write lock is taken at BEGIN (waiting
    /// up to the busy timeout), so no other connection or process writes in between.
    public func immediateWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// The current time as stored in `created_at`, `started_at` and `finished_at`.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
