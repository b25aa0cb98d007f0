// The `runner` command: a thin shell over the libraries. One file per subcommand.
import ArgumentParser
import Foundation
import GRDB

@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train RNN, GRU and LSTM networks in parallel sweeps and compare them.",
        discussion: """
        Typical use:
          runner sweep experiments/grid.json   (results in results/results.db)
          runner report --format html --output r.html
          runner query "SELECT * FROM run_summary"
          runner slurm experiments/grid.json --tasks 8 --submit
        """,
        version: "0.1.0",
        subcommands: [Sweep.self, Report.self, Query.self, Runs.self, Merge.self, Slurm.self, Decide.self, Sample.self, Export.self, Gradcheck.self, Bench.self],
    )

    static func main() {
        // A closed pipe (`runner sweep ... 2>&1 | head`) must not kill a sweep mid-epoch: writes
        // to it fail instead, progress lines are dropped, and output that could not be written
        // ends the command with exit 1 (below) once its work is done and recorded.
        signal(SIGPIPE, SIG_IGN)
        atexit { checkStandardOutput() }
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch let error as DatabaseError {
            exit(withError: OneLineError(text: errorLine(error)))   // not GRDB's statement after it
        } catch {
            exit(withError: error)
        }
    }
}

/// An error shown as its one line of text.
struct OneLineError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

/// Output that could not be written (a full disk behind `>`, a closed standard output) ends
/// the command with exit 1 and one line on stderr, not a success with the output lost.
/// Called at exit, after the command, before stdio's own final flush.
private func checkStandardOutput() {
    errno = 0
    if fflush(stdout) != 0 || ferror(stdout) != 0 {
        let reason = errno != 0 ? String(cString: strerror(errno)) : "a write failed"
        fputs("runner: could not write standard output: \(reason)\n", stderr)
        _exit(1)
    }
}
