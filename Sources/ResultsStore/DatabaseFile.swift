// How runner recognises its own database files before it touches them: the SQLite header,
// the application id and schema version it stamps, and the migrations a file has applied.
// Everything here reads: no byte of the file changes (a read-only connection to a WAL-mode
// file may create its -shm beside it, as any reader does).
import Foundation
import GRDB

extension ResultsDatabase {
    /// `PRAGMA application_id` of every results database: "RUNR" in ASCII.
    public static let applicationID: Int32 = 0x5255_4E52
    /// `PRAGMA user_version` of an up-to-date results database: the number of migrations this
    /// runner knows. It follows from the migrator, so adding a migration raises it.
    public static var schemaVersion: Int { migrator.migrations.count }

    /// Of a file's applied migrations, those this runner does not know, sorted.
    static func unknownMigrations(_ applied: Set<String>) -> [String] {
        applied.subtracting(migrator.migrations).sorted()
    }

    /// The known migrations a file has not applied, in registration order.
    static func pendingMigrations(_ applied: Set<String>) -> [String] {
        migrator.migrations.filter { !applied.contains($0) }
    }
}

/// What a file at a database path holds, read without writing anything.
struct DatabaseFileInspection {
    enum Kind: Equatable {
        /// No file: opening creates a new database.
        case absent
        /// A file of zero bytes, or an SQLite file without any schema object.
        case empty
        /// A results database: stamped with ``ResultsDatabase/applicationID``, or an earlier
        /// version's file (no stamp, runner's migrations applied).
        case results
        /// A file without the SQLite header.
        case notSQLite
        /// Any other SQLite file; the reason says what it holds.
        case foreign(reason: String)
    }

    var kind: Kind
    /// The migrations the file has applied (any order), from `grdb_migrations`.
    var appliedMigrations: Set<String> = []
    var userVersion = 0
    var applicationID: Int32 = 0
    /// Whether the header says WAL mode.
    var isWAL = false
    /// `PRAGMA quick_check`'s first line, when asked for ("ok" for a sound file).
    var quickCheck: String?

    /// Applied migrations this runner does not know, sorted.
    var unknownMigrations: [String] { ResultsDatabase.unknownMigrations(appliedMigrations) }

    /// Known migrations the file has not applied, in registration order.
    var pendingMigrations: [String] { ResultsDatabase.pendingMigrations(appliedMigrations) }

    /// Why this runner must not write to the file (a newer runner made it), or nil.
    var newerVersionDetail: String? {
        if let unknown = unknownMigrations.first {
            return "migration \(unknown) unknown"
        }
        if userVersion > ResultsDatabase.schemaVersion {
            return "schema version \(userVersion) unknown (this runner knows up to \(ResultsDatabase.schemaVersion))"
        }
        return nil
    }

    /// Whether opening for writing changes the file before the first result is written: the
    /// WAL switch, a pending migration, or the application id and schema version stamp.
    var needsSchemaWrite: Bool {
        !isWAL || !pendingMigrations.isEmpty || applicationID != ResultsDatabase.applicationID
            || userVersion != ResultsDatabase.schemaVersion
    }
}

enum DatabaseFile {
    /// The first bytes of every SQLite 3 file.
    static let magic = Array("SQLite format 3\u{0}".utf8)

    /// Inspects the file at `path`; `integrity` adds `PRAGMA quick_check` for a results
    /// database that opening would change. Throws ``ResultsStoreError/cannotOpen(path:reason:)``
    /// for a folder or a file that cannot be read.
    /// The file at `path` (links followed), nil when there is none; throws for a folder, and
    /// for a device, FIFO or socket (SQLite would block for ever opening a FIFO).
    static func regularFile(_ path: String) throws -> stat? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ResultsStoreError.cannotOpen(path: path, reason: "it is a folder, not a database file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ResultsStoreError.cannotOpen(path: path, reason: "it is not a regular file (a device, FIFO or socket)")
        }
        return info
    }

    static func inspect(_ path: String, integrity: Bool) throws -> DatabaseFileInspection {
        guard let info = try regularFile(path) else { return DatabaseFileInspection(kind: .absent) }
        if info.st_size == 0 { return DatabaseFileInspection(kind: .empty) }
        let header = try readHeader(path)
        guard header.count == 100, Array(header.prefix(16)) == magic else {
            return DatabaseFileInspection(kind: .notSQLite)
        }
        var result = DatabaseFileInspection(kind: .results)
        result.userVersion = Int(bigEndianInt32(header, at: 60))
        result.applicationID = bigEndianInt32(header, at: 68)
        result.isWAL = header[18] == 2 && header[19] == 2
        if result.applicationID != 0 && result.applicationID != ResultsDatabase.applicationID {
            result.kind = .foreign(reason: String(format: "it belongs to another program (application id 0x%08X)",
                                                  UInt32(bitPattern: result.applicationID)))
            return result
        }
        do {
            let queue = try openForInspection(path)
            defer { try? queue.close() }
            try queue.read { db in
                // Through SQLite, so that a stamp still in the write-ahead log counts.
                result.applicationID = try Int32(truncatingIfNeeded: Int.fetchOne(db, sql: "PRAGMA application_id") ?? 0)
                result.userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if tables.contains("grdb_migrations") {
                    result.appliedMigrations = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
                }
                let stamped = result.applicationID == ResultsDatabase.applicationID
                let earlierRunner = result.appliedMigrations.contains(ResultsDatabase.migrator.migrations[0])
                    && tables.contains("sweeps") && tables.contains("runs")
                if !stamped && !earlierRunner {
                    if objects == 0 {
                        result.kind = .empty
                    } else {
                        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
                        result.kind = .foreign(reason: tables.isEmpty ? "it has no runner tables"
                                               : "it has tables \(shown) but not runner's schema")
                    }
                    return
                }
                if integrity && result.needsSchemaWrite {
                    result.quickCheck = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
                }
            }
        } catch let error as DatabaseError {
            result.kind = .foreign(reason: "SQLite cannot read it: \(error.message ?? "\(error.resultCode)")")
        }
        return result
    }

    /// An ordinary read-only connection: it respects other processes' locks, so a file
    /// being created or written concurrently is seen whole.
    static func openForInspection(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = LockWaiter.busyMode(timeout: nil, path: path)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Whether a non-empty `-wal` file sits beside the database.
    static func hasLogContent(_ path: String) -> Bool {
        var info = stat()
        return stat(path + "-wal", &info) == 0 && info.st_size > 0
    }

    /// SQLite's URI for opening `path` as an immutable file: no locks, no `-wal` or `-shm`.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var encoded = ""
        for character in absolute.unicodeScalars {
            switch character {
            case "%": encoded += "%25"
            case "?": encoded += "%3F"
            case "#": encoded += "%23"
            default: encoded.unicodeScalars.append(character)
            }
        }
        return "file:" + encoded + "?immutable=1"
    }

    /// Whether new files can be created in the folder holding `path` (false for a read-only
    /// folder, or a read-only mount, whoever asks).
    static func folderIsWritable(_ path: String) -> Bool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return access(folder, W_OK) == 0
    }

    private static func readHeader(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ResultsStoreError.cannotOpen(path: path, reason: "the file is not readable")
        }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: 100)) ?? Data())
    }

    private static func bigEndianInt32(_ bytes: [UInt8], at offset: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
              | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
    }
}
