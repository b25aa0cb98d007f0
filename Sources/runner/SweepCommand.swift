// `runner sweep SPEC`: the main command. Validates the spec, writes the plan to
// the database, trains the runs on `--jobs` workers and prints the comparison report.
import ArgumentParser
import Experiments
import Foundation
import Reports
import ResultsStore
import TensorBoard

/// `--shard I/N` (two integers; their ranges are checked by ``check()``, with a reason).
struct ShardOption: ExpressibleByArgument {
    var index: Int, count: Int
    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        index = i; count = n
    }

    func check() throws {
        guard count > 0 else { throw ValidationError("--shard \(index)/\(count): the number of shards must be positive") }
        guard (0..<count).contains(index) else {
            throw ValidationError("--shard \(index)/\(count): the shard index is 0-based, from 0 to \(count - 1) for \(count) shards")
        }
    }
}

extension Runner {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every configuration of an experiment spec, recording each epoch in SQLite.",
            discussion: """
            The spec (JSON) names a task, training defaults and a grid (or random search) of \
            model and training fields; the runs are their product. The plan is written to the \
            database first, then --jobs workers train the runs, one model each, and every \
            epoch is recorded with a checkpoint. Cores no run holds are lent to the running runs \
            (up to --threads-per-run threads each), without changing any result.

            Running the same command again continues: finished runs are skipped, an interrupted \
            run resumes from its last epoch with the same bits. Several processes may share one \
            database. Ctrl-C stops cleanly (runs marked interrupted); a second Ctrl-C exits at once.

            With "halving" in the spec, runs train rung by rung and the configurations below each \
            rung's cut are pruned; with --shard a process trains to the next rung and stops there \
            (`runner decide` decides on the merged shards).

            Exit status: 0 done, 1 database or run failure (or --fail-fast stopped at a failed run), \
            2 invalid spec, 64 invalid option, 130 interrupted.
            """)

        @Argument(help: "The experiment spec, e.g. experiments/grid.json.")
        var spec: String

        @Option(name: .long, help: "Runs trained at once, at most 1024; by default one per active processor.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(name: .long, help: "The most threads one run uses: cores no run holds (a sweep's tail, --jobs below the core count) are lent to running runs, up to this many threads each; results are the same bits whatever the lending. At most 256; by default the number of active processors; 1 turns lending off.")
        var threadsPerRun: Int = ProcessInfo.processInfo.activeProcessorCount

        @OptionGroup var database: DatabasePathOption

        @Flag(help: "Start the sweep anew: delete its runs, epochs and checkpoints first.")
        var fresh = false

        @Flag(help: "Print the plan and exit without touching the database.")
        var dryRun = false

        @Option(help: "Run only shard I of N of the plan (I from 0 to N-1), e.g. 0/4, for job arrays: runs are split by config hash, so every process computes the same split. Merge the shard databases with `runner merge`.")
        var shard: ShardOption?

        @Flag(help: "Do not print the comparison report at the end.")
        var noReport = false

        @OptionGroup var tensorboard: TensorBoardOptions

        @Flag(help: "Run the sweep's failed runs again, each from its last checkpoint.")
        var retryFailed = false

        @Flag(help: "Stop the sweep at the first failed run (exit 1; its running runs are marked interrupted). A diverged run is a result, not a failure.")
        var failFast = false

        func validate() throws {
            if jobs <= 0 { throw ValidationError("--jobs must be positive, got \(jobs)") }
            if threadsPerRun <= 0 { throw ValidationError("--threads-per-run must be positive, got \(threadsPerRun)") }
            try shard?.check()
            try SizeChecks.requireAtMost(SchedulerOptions.maxJobs, [("--jobs", jobs)])
            try SizeChecks.requireAtMost(SchedulerOptions.maxThreadsPerRun, [("--threads-per-run", threadsPerRun)])
            if tensorboard.append, tensorboard.directory == nil { throw ValidationError("--tensorboard-append needs --tensorboard DIR") }
            if retryFailed && fresh {
                throw ValidationError("--retry-failed continues failed runs, --fresh deletes every run first: give one of them")
            }
        }

        func run() throws {
            let setup = try loadSweepSetup(specPath: spec, shard: shard.map { ($0.index, $0.count) })
            if dryRun {
                printPlan(setup)
                return
            }
            let eventFolder = try tensorboard.prepare(sweepName: setup.spec.name, databasePath: database.path, fresh: fresh)
            let results: ResultsDatabase
            let sweep: SweepRecord
            do {
                results = try ResultsDatabase.open(path: database.path)
                sweep = try setup.register(in: results, fresh: fresh)
            } catch {
                throw fail("\(errorLine(error))", code: 1)
            }
            let progress: ProgressSink = isatty(STDERR_FILENO) != 0 ? TerminalProgress() : LogProgress()
            var eventLog: TensorBoardSweepLog?
            if let eventFolder {
                let log = TensorBoardSweepLog(directory: eventFolder, layout: TensorBoardLayout(spec: setup.spec, metricName: setup.task.metricName),
                                              database: results,
                                              report: { [progress] in progress.message($0) })
                do {
                    try log.writeExperiment(of: sweep)
                } catch {
                    throw fail("--tensorboard \(tensorboard.directory!): \(errorLine(error))", code: 1)
                }
                eventLog = log
            }
            var options = SchedulerOptions(jobs: jobs, threadsPerRun: threadsPerRun, failFast: failFast)
            options.decidesHalving = shard == nil
            if retryFailed {
                do {
                    let count = try setup.retryFailedRuns(in: results, sweepId: sweep.id!)
                    writeLine("--retry-failed: \(count) failed run\(count == 1 ? "" : "s") will continue from \(count == 1 ? "its" : "their") last checkpoint")
                } catch {
                    throw fail("\(errorLine(error))", code: 1)
                }
            }
            let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: results,
                                      options: options, progress: progress, observer: eventLog, halving: setup.halving)
            let interrupts = InterruptHandler {
                scheduler.cancel()
                progress.message("stopping: running epochs are dropped and their runs marked interrupted; Ctrl-C again exits at once")
            }
            defer { interrupts.stop() }
            let summary: SchedulerSummary
            do {
                summary = try scheduler.run()
            } catch where ResultsDatabase.isSQLiteFailure(error) {   // a full disk, say: name the file
                throw fail("sweep \(setup.spec.name): results database \(database.path): \(errorLine(error)); "
                           + "what was recorded stays, and the next sweep resumes from it", code: 1)
            } catch {
                throw fail("sweep \(setup.spec.name): \(errorLine(error))", code: 1)
            }
            do {
                try results.close()   // fold the write-ahead log into results.db
            } catch {
                throw fail("closing \(database.path): \(errorLine(error))", code: 1)
            }
            let counts = summary.counts
            writeLine(String(format: "sweep %@: %d finished, %d diverged, %d failed, %d interrupted in this process; %d epochs in %.1fs; cores %.0f%% busy (%.1f CPU-s / (%d cores × %.1fs)); SQLite %.2f CPU-s (%.2f%% of the workers' time)",
                             setup.spec.name, counts[.finished] ?? 0, counts[.diverged] ?? 0, counts[.failed] ?? 0,
                             counts[.interrupted] ?? 0, summary.epochsTrained, summary.wallSeconds,
                             100 * summary.coreUtilisation, summary.coreSeconds, summary.cores, summary.wallSeconds,
                             summary.databaseSeconds,
                             100 * summary.databaseSeconds / max(summary.wallSeconds * Double(jobs), 1e-9)))
            if setup.halving != nil {
                writeLine(String(format: "halving: %d configurations ranked and %d runs pruned in this process; %d runs stopped early; workers idle at rung barriers %.1f s (%.1f%% of worker time)",
                                 summary.decisionsTaken, summary.runsPruned, summary.earlyStopped, summary.barrierIdleSeconds,
                                 100 * summary.barrierIdleSeconds / max(summary.wallSeconds * Double(jobs), 1e-9)))
            } else if summary.earlyStopped > 0 {
                writeLine("early stopping ended \(summary.earlyStopped) run\(summary.earlyStopped == 1 ? "" : "s") before their last epoch")
            }
            if let failed = summary.failedFast {
                writeLine("--fail-fast: stopped at the first failed run, \(failed); rerun with --retry-failed to continue it")
                throw ExitCode(1)
            }
            if summary.cancelled {
                writeLine("interrupted: run the same command again to continue")
                throw ExitCode(130)
            }
            if summary.waitingAtBarrier > 0 {
                writeLine("shard: \(summary.waitingAtBarrier) runs wait at a rung barrier; merge the shards and run `runner decide`, then run this shard again")
            }
            // Runs of this plan that another live process trains: this one had nothing to take.
            let planned = Set(setup.entries.map(\.configHash))
            let reader = try? ResultsDatabase.openReadOnly(path: database.path)
            defer { try? reader?.close() }
            if let held = try? reader?.runs(sweepId: sweep.id!, status: .running).filter({ planned.contains($0.configHash) }), !held.isEmpty {
                let workers = Set(held.compactMap(\.worker)).sorted()
                writeLine("\(held.count) run\(held.count == 1 ? " is" : "s are") still training in another process (worker "
                          + "\(workers.prefix(3).joined(separator: ", "))\(workers.count > 3 ? ", ..." : "")): "
                          + "\(held.count == 1 ? "it continues" : "they continue") there; `runner runs` follows them")
            }
            if !noReport && summary.waitingAtBarrier == 0 {
                do {
                    print(try ReportRunner.textReport(databasePath: database.path, sweepName: setup.spec.name))
                } catch {
                    throw fail("report: \(errorLine(error))", code: 1)
                }
            }
            if (counts[.failed] ?? 0) > 0 { throw ExitCode(1) }
        }

        private func writeLine(_ text: String) {
            try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
        }

        private func printPlan(_ setup: SweepSetup) {
            print("sweep \(setup.spec.name): task \(setup.task.name), \(setup.entries.count) runs"
                  + (shard.map { " (shard \($0.index)/\($0.count))" } ?? ""))
            for line in PlanDescription.budgetLines(setup) + PlanDescription.halvingLines(setup) { print(line) }
            print(PlanTable.header(for: setup.entries))
            PlanTable.write(setup.entries, parameterCounts: setup.parameterCounts(setup.entries)) { print($0, terminator: "") }
        }
    }
}
