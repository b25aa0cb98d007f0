// Arbitrary read-only SQL over the results database (`runner query`): column names and
// typed values; statements that would write are refused before they run.
import Foundation
import GRDB

/// One value of a query result, as SQLite stored it.
public enum QueryValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    /// The value as text for tables and CSV: `nullText` for NULL, numbers in their shortest
    /// round-trip form, blobs as `<N bytes>`.
    public func display(nullText: String = "NULL") -> String {
        switch self {
        case .null: return nullText
        case .integer(let value): return String(value)
        case .real(let value): return "\(value)"
        case .text(let value): return value
        case .blob(let data): return "<\(data.count) bytes>"
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .string(let v): self = .text(v)
        case .blob(let v): self = .blob(v)
        }
    }
}

/// The result of a query: column names and rows of values.
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[QueryValue]]

    public init(columns: [String], rows: [[QueryValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension ResultsDatabase {
    /// Runs `sql` (one or more statements separated by `;`) and returns the result of the
    /// last one. Every statement is checked with SQLite's `sqlite3_stmt_readonly` first: if
    /// any would modify the database, nothing runs and ``ResultsStoreError/writeRefused(sql:)``
    /// is thrown. A statement SQLite cannot compile gives ``ResultsStoreError/invalidQuery(sql:message:)``
    /// with SQLite's own message. Open the database with ``openReadOnly(path:busyTimeout:)``
    /// so that SQLite itself guards the file as well.
    public func query(_ sql: String) throws -> QueryResult {
        do {
            return try reader.read { db in
                var statements: [Statement] = []
                let cursor = try db.allStatements(sql: sql)
                while let statement = try cursor.next() {
                    if !statement.isReadonly { throw ResultsStoreError.writeRefused(sql: statement.sql) }
                    statements.append(statement)
                }
                guard let last = statements.last else {
                    throw ResultsStoreError.invalidQuery(sql: sql, message: "no SQL statement given")
                }
                for statement in statements.dropLast() { try statement.execute() }
                let rows = try Row.fetchAll(last).map { row in Array(row.databaseValues.map(QueryValue.init)) }
                return QueryResult(columns: last.columnNames, rows: rows)
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_READONLY {
                throw ResultsStoreError.writeRefused(sql: sql)
            }
            throw ResultsStoreError.invalidQuery(sql: sql, message: error.message ?? "\(error.resultCode)")
        }
    }
}
