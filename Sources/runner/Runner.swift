// The `runner` command: a thin shell over the libraries. One file per subcommand.
import ArgumentParser

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
}
