// The sbatch scripts of `runner slurm`: a job array whose tasks each run one shard of a
// sweep into their own SQLite file, and a dependent job that merges the shards and writes the report.
import Foundation

/// What the scripts need to know; every path absolute (tasks may start on other nodes).
public struct SlurmJobOptions: Sendable, Equatable {
    /// The `runner` binary every task runs.
    public var runnerPath: String
    public var specPath: String
    public var sweepName: String
    /// Number of array tasks (= shards).
    public var tasks: Int
    /// At most this many tasks at once (`%K`); nil for no limit.
    public var parallel: Int?
    /// CPUs per task, and `--jobs` of each task's sweep.
    public var cpusPerTask: Int
    public var partition: String?
    /// Slurm time limit per task and for the merge job (e.g. `2:00:00`).
    public var time: String?
    /// Where the shard databases, logs, merged database and report go.
    public var outputDirectory: String
    /// The number of halving rungs of the spec (0: no halving). With rungs, the sweep runs as a
    /// chain: the array once per rung and once more to the end, with a decision job after each rung.
    public var rungs: Int
    /// `--tensorboard DIR` (absolute; nil for none): every array task writes its runs' event
    /// files there as it trains them, and the decision and merge jobs export the merged
    /// database there, adding what no task could write (see ``SlurmScripts``).
    public var tensorboardDirectory: String?

    public init(runnerPath: String, specPath: String, sweepName: String, tasks: Int, parallel: Int? = nil,
                cpusPerTask: Int, partition: String? = nil, time: String? = nil, outputDirectory: String, rungs: Int = 0,
                tensorboardDirectory: String? = nil) {
        self.rungs = rungs
        self.tensorboardDirectory = tensorboardDirectory
        self.runnerPath = runnerPath
        self.specPath = specPath
        self.sweepName = sweepName
        self.tasks = tasks
        self.parallel = parallel
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.time = time
        self.outputDirectory = outputDirectory
    }
}

/// The two scripts and where they are written.
public struct SlurmScripts: Sendable, Equatable {
    public var arrayScript: String
    public var mergeScript: String
    public var arrayScriptPath: String
    public var mergeScriptPath: String
    /// With halving: the decision job run after each rung's array (nil without halving).
    public var decideScript: String?
    public var decideScriptPath: String { options.outputDirectory + "/decide.sbatch" }
    public var options: SlurmJobOptions

    public var mergedDatabasePath: String { options.outputDirectory + "/results.db" }
    public var reportPath: String { options.outputDirectory + "/report.txt" }
    public var logDirectory: String { options.outputDirectory + "/logs" }
    /// The database array task `index` writes.
    public func shardDatabasePath(_ index: Int) -> String { options.outputDirectory + "/shard-\(index).db" }

    public init(_ options: SlurmJobOptions) {
        precondition(options.tasks > 0 && options.cpusPerTask > 0 && (options.parallel ?? 1) > 0, "invalid Slurm options")
        self.options = options
        let dir = options.outputDirectory
        arrayScriptPath = dir + "/sweep.sbatch"
        mergeScriptPath = dir + "/merge.sbatch"
        let q = SlurmScripts.shellQuoted
        let runner = q(options.runnerPath), n = options.tasks
        // Job names stay one shell-safe word.
        let jobName = String(options.sweepName.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "-" })
        var common = ""
        if let partition = options.partition { common += "#SBATCH --partition=\(partition)\n" }
        if let time = options.time { common += "#SBATCH --time=\(time)\n" }
        // With --tensorboard: the tasks write live into the folder `runner slurm` checked (so
        // they pass --tensorboard-append: the other shards' files are this sweep's own). A run
        // pruned by the decision job, or an epoch a killed task recorded but did not write, is
        // in no task's files: the decision and merge jobs export the merged database into the
        // folder, which appends only what is missing (no step twice, one session end). As in a
        // live sweep, a failed event-file write never stops training: only the merge job fails on it.
        let liveEvents = options.tensorboardDirectory.map { " --tensorboard \(q($0)) --tensorboard-append" } ?? ""
        let exportEvents = options.tensorboardDirectory.map { dir in
            "\(runner) export --db \(q(options.outputDirectory + "/results.db")) --sweep \(q(options.sweepName)) --tensorboard \(q(dir)) --tensorboard-append"
        }

        arrayScript = """
        #!/bin/bash
        # Sweep \(options.sweepName) as a Slurm job array of \(n) shards, written by `runner slurm`.
        # Assumes a filesystem shared by all nodes: this folder, the spec and the runner binary must be
        # at the same paths on every node. Each task writes its own SQLite file (SQLite must not be
        # written from several nodes over a network filesystem); merge.sbatch combines them.
        # Shards split the runs by config hash, so every task computes the same partition alone.
        #
        # Resubmit this script to resume: finished runs are skipped, interrupted ones continue from
        # their last epoch. Rerun one failed task alone with:
        #   sbatch --array=I \(arrayScriptPath)
        # then merge with: sbatch \(mergeScriptPath)
        #SBATCH --job-name=runner-\(jobName)
        #SBATCH --array=0-\(n - 1)\(options.parallel.map { "%\($0)" } ?? "")
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=\(options.cpusPerTask)
        \(common)#SBATCH --output=\(dir)/logs/shard-%a-job-%A.out
        set -euo pipefail
        exec \(runner) sweep \(q(options.specPath)) --shard "$SLURM_ARRAY_TASK_ID/\(n)" --jobs \(options.cpusPerTask) \\
            --db \(q(dir))/shard-"$SLURM_ARRAY_TASK_ID".db --no-report\(liveEvents)

        """

        let merged = q(dir + "/results.db"), report = q(dir + "/report.txt")
        let shardList = (0..<n).map { q(dir + "/shard-\($0).db") }.joined(separator: " \\\n    ")
        mergeScript = """
        #!/bin/bash
        # Merges the \(n) shard databases of sweep \(options.sweepName) into results.db and writes
        # report.txt; written by `runner slurm`, submitted with --dependency=afterok:<array job id>.
        # Assumes a filesystem shared by all nodes (see sweep.sbatch). Merging is idempotent: run it
        # again after resuming a shard (sbatch \(mergeScriptPath)) and the runs advance.
        # `runner merge` exits 3 when some runs conflict (listed in the log); the report is still written.
        #SBATCH --job-name=runner-\(jobName)-merge
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        \(common)#SBATCH --output=\(dir)/logs/merge-job-%j.out
        set -uo pipefail
        \(runner) merge --output \(merged) \\
            \(shardList)
        status=$?
        if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
        \(runner) report --db \(merged) --sweep \(q(options.sweepName)) --output \(report) || exit 1
        \(exportEvents.map { $0 + " || exit 1\n" } ?? "")exit "$status"

        """

        decideScript = options.rungs == 0 ? nil : """
        #!/bin/bash
        # Successive halving of sweep \(options.sweepName): the decision step between two passes of
        # sweep.sbatch, written by `runner slurm`. It merges the shards into results.db, decides every
        # rung the merged results allow (written once, in results.db), and copies the decisions into
        # each shard database, where the pruned runs are marked; the next pass of the array then
        # trains the kept configurations to the next rung. Submitted with --dependency=afterok on
        # the pass before it; running it again decides nothing new.
        #SBATCH --job-name=runner-\(jobName)-decide
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        \(common)#SBATCH --output=\(dir)/logs/decide-job-%j.out
        set -euo pipefail
        \(runner) merge --output \(merged) \\
            \(shardList)
        \(runner) decide \(q(options.specPath)) --db \(merged) \\
            \(shardList)
        \(exportEvents.map { $0 + " \\\n    || echo 'the TensorBoard export failed; training goes on, the merge job exports again' >&2\n" } ?? "")
        """
    }

    /// The jobs to submit, in order, each after the one before it succeeded: the array once
    /// (no halving), or once per rung with the decision job after each, then once more; then the merge.
    public var submissionOrder: [String] {
        var order: [String] = []
        for _ in 0..<options.rungs { order += [arrayScriptPath, decideScriptPath] }
        return order + [arrayScriptPath, mergeScriptPath]
    }

    /// `text` in single quotes for bash (a `'` inside becomes `'\''`).
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
