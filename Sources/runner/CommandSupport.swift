// The pieces every subcommand shares: the `--db` option, the `--tensorboard` options
// (sweep, export and slurm), the exit with one line per problem, aligned columns, text on one
// line, reading a spec, and the Ctrl-C handler.
import ArgumentParser
import Experiments
import Foundation
import GRDB
import ResultsStore
import TensorBoard

/// The `--db PATH` option shared by the commands that read or write the results database.
struct DatabasePathOption: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("Results database file (runner sweep creates it and its folders; the other commands only read it).", valueName: "PATH"))
    var path: String = "results/results.db"

    func validate() throws {
        if path.isEmpty { throw ValidationError("--db needs the path of a database file, got an empty one") }
    }
}

/// `--tensorboard DIR [--tensorboard-append]` of `runner sweep`, `runner export` and `runner slurm`.
struct TensorBoardOptions: ParsableArguments {
    @Option(name: .customLong("tensorboard"),
            help: ArgumentHelp("Write TensorBoard event files here: DIR/<sweep>/<run>/ per run, and the HParams experiment (folders are created).", valueName: "DIR"))
    var directory: String?

    @Flag(name: .customLong("tensorboard-append"),
          help: "Allow a --tensorboard folder that already holds other files (e.g. another sweep's).")
    var append = false

    /// Checks and creates DIR/<sweep> before anything is trained or written: DIR is not
    /// the database and does not contain it, can be written, and holds nothing but this
    /// sweep's files unless --tensorboard-append. One line and exit 1 otherwise.
    func prepare(sweepName: String, databasePath: String, fresh: Bool = false) throws -> LogDirectory? {
        guard let directory else { return nil }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let database = URL(fileURLWithPath: databasePath).standardizedFileURL.resolvingSymlinksInPath().path
        if database == root || database.hasPrefix(root.hasSuffix("/") ? root : root + "/") {
            throw fail("--tensorboard \(directory): holds the results database \(databasePath); choose a folder apart from it", code: 1)
        }
        do {
            return try LogDirectory.prepare(path: directory, sweepName: sweepName, allowOtherContent: append,
                                            mustNotHoldSweep: fresh)
        } catch {
            throw fail("\(errorLine(error))", code: 1)
        }
    }
}

/// Pads columns to a common width: numbers right-aligned, text left-aligned.
struct AlignedColumns {
    var header: [String]
    var rows: [[String]]
    /// Per column: right-align (numbers).
    var rightAligned: [Bool]

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == cells.count - 1
                parts.append(rightAligned[index] ? padding + cell : (isLast ? cell : cell + padding))
            }
            let text = parts.joined(separator: "  ")
            return String(text.reversed().drop(while: { $0 == " " }).reversed())
        }
        var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

/// An error as one line: SQLite's code and message without the statement GRDB appends (a
/// damaged file's "database disk image is malformed" used to bring a multi-line SELECT
/// along), any other error with its line breaks made spaces.
func errorLine(_ error: Error) -> String {
    if let database = error as? DatabaseError {
        return "SQLite error \(database.resultCode.rawValue): \(database.message ?? "\(database.resultCode)")"
    }
    return "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
}

/// Prints one line per problem to standard error and exits with `code`.
func fail(_ lines: String, code: Int32) -> ExitCode {
    try? FileHandle.standardError.write(contentsOf: Data((lines.hasSuffix("\n") ? lines : lines + "\n").utf8))
    return ExitCode(code)
}

/// The spec at `specPath` with its task (the plan's `shard` of it when given); an invalid
/// spec exits 2 with one line per problem.
func loadSweepSetup(specPath: String, shard: (index: Int, count: Int)? = nil) throws -> SweepSetup {
    do {
        return try SweepSetup.load(specPath: specPath, shard: shard)
    } catch let error as SpecError {
        throw fail(error.description, code: 2)
    }
}

/// `text` on one line (newlines become spaces), cut to `limit` characters with "...".
func oneLine(_ text: String, limit: Int) -> String {
    let flat = text.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
    return flat.count <= limit ? flat : String(flat.prefix(limit - 3)) + "..."
}

/// Ctrl-C (SIGINT) and SIGTERM: the first calls `onFirst`, a second exits at once. While the
/// process waits for another process's write lock the first exits at once too: nothing it
/// holds could be written anyway (its running runs are taken over by the next start).
final class InterruptHandler {
    private var sources: [DispatchSourceSignal] = []
    private var count = 0
    private let queue = DispatchQueue(label: "runner.signals")

    init(onFirst: @escaping () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [unowned self] in
                self.count += 1
                if self.count == 1 && ResultsDatabase.isWaitingForLock {
                    try? FileHandle.standardError.write(contentsOf: Data("interrupted while waiting for the write lock\n".utf8))
                    _exit(130)
                }
                if self.count == 1 { onFirst() } else { _exit(130) }
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
