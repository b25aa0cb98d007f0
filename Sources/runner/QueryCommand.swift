// `runner query`: runs SQL on a read-only connection to the results database and prints
// the rows as aligned columns, CSV or JSON.
import ArgumentParser
import Foundation
import JSON
import ResultsStore

extension Runner {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run read-only SQL on the results database.",
            discussion: """
            Tables: sweeps, runs, epochs, checkpoints, halving_decisions, and the view \
            run_summary. Statements that would modify the database are refused; of several \
            statements, the last one's rows are printed. Example:
              runner query "SELECT cell, AVG(best_val_loss) FROM run_summary GROUP BY cell"
            """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case table, csv, json
        }

        @OptionGroup var database: DatabasePathOption

        @Option(help: "Output format: table, csv or json.")
        var format: Format = .table

        @Argument(help: "The SQL to run (quote it).")
        var sql: String

        func run() throws {
            let results = try ResultsDatabase.openReadOnly(path: database.path)
            let result = try results.query(sql)
            switch format {
            case .table: print(Query.table(result))
            case .csv: print(Query.csv(result), terminator: "")
            case .json: print(Query.json(result))
            }
        }

        /// Aligned columns with a header, NULL shown as NULL, and the row count.
        static func table(_ result: QueryResult) -> String {
            let rightAligned = result.columns.indices.map { column in
                result.rows.contains { row in
                    if case .integer = row[column] { return true }
                    if case .real = row[column] { return true }
                    return false
                }
            }
            let aligned = AlignedColumns(header: result.columns,
                                         rows: result.rows.map { $0.map { $0.display() } },
                                         rightAligned: rightAligned)
            return aligned.render() + "\n(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))"
        }

        /// RFC 4180 CSV with a header line; NULL is an empty field.
        static func csv(_ result: QueryResult) -> String {
            func field(_ text: String) -> String {
                text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            var lines = [result.columns.map(field).joined(separator: ",")]
            lines += result.rows.map { row in row.map { field($0.display(nullText: "")) }.joined(separator: ",") }
            return lines.map { $0 + "\n" }.joined()
        }

        /// A JSON list of objects, keys in column order; numbers stay numbers, NULL is null,
        /// blobs are base64 strings. A column name that repeats (`SELECT r.*, s.*` has two
        /// `id`s) gets `:2`, `:3`, ... after its first use, so that every key is unique.
        static func json(_ result: QueryResult) -> String {
            let names = Set(result.columns)
            var used = Set<String>()
            let keys = result.columns.map { name -> String in
                var key = name, n = 1
                // A renamed key avoids the names of other columns too ("id:2" may be one).
                while used.contains(key) || (n > 1 && names.contains(key)) {
                    n += 1
                    key = "\(name):\(n)"
                }
                used.insert(key)
                return key
            }
            func value(_ cell: QueryValue) -> String {
                switch cell {
                case .null: return "null"
                case .integer(let n): return String(n)
                case .real(let x): return x.isFinite ? "\(x)" : "null"
                case .text(let text): return canonicalJSON(.string(text))
                case .blob(let data): return canonicalJSON(.string(data.base64EncodedString()))
                }
            }
            let objects = result.rows.map { row in
                "  {" + zip(keys, row).map { canonicalJSON(.string($0)) + ": " + value($1) }
                    .joined(separator: ", ") + "}"
            }
            return objects.isEmpty ? "[]" : "[\n" + objects.joined(separator: ",\n") + "\n]"
        }
    }
}
