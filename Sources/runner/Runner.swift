// The `runner` command: a thin shell over the libraries. One file per subcommand.
import ArgumentParser

@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train RNN, GRU and LSTM networks in parallel sweeps and compare them.",
        discussion: """
        Typical use:
          runner sweep experiments/grid.json     run a sweep (results in results/results.db)
          runner report                          compare the cells of the latest sweep
          runner query "SELECT * FROM run_summary"
          runner slurm experiments/grid.json --tasks 8 --submit   the same sweep on a Slurm cluster
        """,
        version: "0.1.0",
        subcommands: [Sweep.self, Report.self, Query.self, Runs.self, Merge.self, Slurm.self, Sample.self, Export.self, Gradcheck.self, Bench.self],
    )
}
