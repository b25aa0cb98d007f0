// `runner slurm SPEC`: writes (and with --submit, submits) a sweep as a Slurm job array of
// shards plus a dependent merge-and-report job.
import ArgumentParser
import Experiments
import Foundation
import Tasks

extension Runner {
    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a sweep on a Slurm cluster: a job array of shards, then a merge job.",
            discussion: """
            Writes DIR/sweep.sbatch, a job array whose task I runs \
            `runner sweep SPEC --shard I/N --jobs C --db DIR/shard-I.db`, and DIR/merge.sbatch, which \
            runs `runner merge` into DIR/results.db and `runner report` into DIR/report.txt. With \
            --submit, submits the array with `sbatch --parsable`, then the merge job with \
            --dependency=afterok:<array job id>, and prints both job ids.

            A filesystem shared by all nodes is assumed (DIR, the spec and this runner binary at the \
            same paths everywhere); each task writes its own SQLite file because SQLite must not be \
            written from several nodes over a network filesystem. Resubmitting resumes (the shard \
            databases persist); a failed task can be rerun alone with `sbatch --array=I DIR/sweep.sbatch`, \
            then `sbatch DIR/merge.sbatch`.

            A spec with "halving" runs rung by rung: the array once per rung, each pass followed by \
            DIR/decide.sbatch (merge the shards, `runner decide`: decide the rung on the merged results \
            and copy the decisions into every shard), then the array once more to the last epoch, then \
            the merge job; each job depends (afterok) on the one before.

            --tensorboard DIR: each array task writes its runs' TensorBoard event files into DIR as it \
            trains them (`runner sweep --tensorboard`), so a running sweep can be watched; the decision \
            and merge jobs then run `runner export --tensorboard DIR` on the merged database, which adds \
            what no task could write (the session end of a run a decision job pruned, an epoch a killed \
            task recorded but did not write) and never a step twice. DIR is checked here, before anything \
            is submitted.

            Exit status: 0 written (and submitted), 1 a file or sbatch failed, 2 invalid spec.
            """)

        @Argument(help: "The experiment spec.")
        var spec: String

        @Option(help: "Number of array tasks, i.e. shards of the plan.")
        var tasks: Int = 4

        @Option(help: "At most this many tasks at once (the %K of --array; default: no limit).")
        var parallel: Int?

        @Option(name: .customLong("cpus-per-task"), help: "CPUs per task; also the --jobs of each shard's sweep.")
        var cpusPerTask: Int = 1

        @Option(help: "Slurm partition (default: the cluster's default).")
        var partition: String?

        @Option(help: "Slurm time limit per job, e.g. 2:00:00 (a task stopped by it leaves resumable runs).")
        var time: String?

        @Option(name: .customLong("output-dir"), help: "Folder of the scripts, shard databases, logs, merged database and report (default: slurm/<sweep name>).")
        var outputDir: String?

        @Flag(help: "Submit the array and the merge job with sbatch and print their job ids.")
        var submit = false

        @OptionGroup var tensorboard: TensorBoardOptions

        func validate() throws {
            if tasks <= 0 { throw ValidationError("--tasks must be positive, got \(tasks)") }
            // Slurm's own largest job array (MaxArraySize) is 4000001.
            try SizeChecks.requireAtMost(4_000_000, [("--tasks", tasks)])
            if let parallel, parallel <= 0 { throw ValidationError("--parallel must be positive, got \(parallel)") }
            if cpusPerTask <= 0 { throw ValidationError("--cpus-per-task must be positive, got \(cpusPerTask)") }
            // It becomes each shard's --jobs.
            try SizeChecks.requireAtMost(SchedulerOptions.maxJobs, [("--cpus-per-task", cpusPerTask)])
            if tensorboard.append, tensorboard.directory == nil { throw ValidationError("--tensorboard-append needs --tensorboard DIR") }
            // Each value becomes an #SBATCH line of the scripts: one word, or a line break would end
            // the directive and the rest would run as a command on the cluster.
            for (option, value, example) in [("--partition", partition, "gpu,cpu"), ("--time", time, "2:00:00")] {
                if let value, value.isEmpty || value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "#" }) {
                    throw ValidationError("\(option) must be one word in Slurm's syntax (e.g. \(example)), without spaces, line breaks or #; got \(String(reflecting: value))")
                }
            }
            if let outputDir, outputDir.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ValidationError("--output-dir must not contain control characters such as a line break; got \(String(reflecting: outputDir))")
            }
        }

        func run() throws {
            let setup = try loadSweepSetup(specPath: spec)
            let rungs = setup.halving?.rungEpochs.count ?? 0
            let directory = absolute(outputDir ?? "slurm/\(setup.spec.name)")
            // The folder is checked once, here; the tasks then write into it beside each other.
            _ = try tensorboard.prepare(sweepName: setup.spec.name, databasePath: directory + "/results.db")
            let scripts = SlurmScripts(SlurmJobOptions(
                runnerPath: Slurm.executablePath, specPath: absolute(spec), sweepName: setup.spec.name, tasks: tasks,
                parallel: parallel, cpusPerTask: cpusPerTask, partition: partition, time: time, outputDirectory: directory,
                rungs: rungs, tensorboardDirectory: tensorboard.directory.map(absolute)))
            do {
                try FileManager.default.createDirectory(atPath: scripts.logDirectory, withIntermediateDirectories: true)
                var files = [(scripts.arrayScriptPath, scripts.arrayScript), (scripts.mergeScriptPath, scripts.mergeScript)]
                if let decide = scripts.decideScript { files.append((scripts.decideScriptPath, decide)) }
                for (path, text) in files {
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
                }
            } catch {
                var isFolder: ObjCBool = false
                let reason = FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder) && !isFolder.boolValue
                    ? "it is a file, not a folder" : SystemErrorReason.of(error)
                throw fail("cannot write the Slurm scripts in \(directory): \(reason)", code: 1)
            }
            var sizes = [Int](repeating: 0, count: tasks)
            for entry in setup.planEntries { sizes[entry.shard(of: tasks)] += 1 }
            print("sweep \(setup.spec.name): \(setup.planEntries.count) runs in \(tasks) shards of \(sizes.map(String.init).joined(separator: ", ")) runs")
            if rungs > 0 {
                print("wrote \(scripts.arrayScriptPath), \(scripts.decideScriptPath) and \(scripts.mergeScriptPath): "
                      + "halving runs the array \(rungs + 1) times, with a decision job after each of the \(rungs) rungs")
                guard submit else {
                    print("submit with: runner slurm ... --submit (the chain of \(scripts.submissionOrder.count) jobs, each afterok the one before), or")
                    print("  jobid=$(sbatch --parsable \(scripts.submissionOrder[0])) && jobid=${jobid%%;*}")
                    for path in scripts.submissionOrder.dropFirst() {
                        print("  jobid=$(sbatch --parsable --dependency=afterok:$jobid \(path)) && jobid=${jobid%%;*}")
                    }
                    return
                }
                var previous: String?
                var ids: [String] = []
                for path in scripts.submissionOrder {
                    let id = try sbatch((previous.map { ["--dependency=afterok:\($0)"] } ?? []) + [path])
                    ids.append(id)
                    previous = id
                }
                let arrays = stride(from: 0, to: ids.count - 1, by: 2).map { ids[$0] }
                let decides = stride(from: 1, to: ids.count - 1, by: 2).map { ids[$0] }
                print("submitted array jobs \(arrays.joined(separator: ",")) (\(tasks) tasks each), decision jobs \(decides.joined(separator: ",")) and merge job \(ids.last!) (each after the one before succeeds)")
                print("merged database: \(scripts.mergedDatabasePath), report: \(scripts.reportPath)")
                return
            }
            print("wrote \(scripts.arrayScriptPath) and \(scripts.mergeScriptPath)")
            guard submit else {
                print("submit with: runner slurm ... --submit, or")
                print("  jobid=$(sbatch --parsable \(scripts.arrayScriptPath)) && sbatch --dependency=afterok:${jobid%%;*} \(scripts.mergeScriptPath)")
                return
            }
            let arrayJob = try sbatch([scripts.arrayScriptPath])
            let mergeJob = try sbatch(["--dependency=afterok:\(arrayJob)", scripts.mergeScriptPath])
            print("submitted array job \(arrayJob) (\(tasks) tasks) and merge job \(mergeJob) (after all tasks succeed)")
            print("merged database: \(scripts.mergedDatabasePath), report: \(scripts.reportPath)")
        }

        private func absolute(_ path: String) -> String {
            URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
                .standardizedFileURL.path
        }

        /// The absolute path of this binary, so the scripts run the same (e.g. release) build.
        static var executablePath: String {
            if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
            return Bundle.main.executableURL?.path ?? CommandLine.arguments[0]
        }

        /// Runs `sbatch --parsable ARGS` and returns the job id (the part before any `;cluster`).
        private func sbatch(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sbatch", "--parsable"] + arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            do { try process.run() } catch {
                throw fail("cannot run sbatch: \((error as NSError).localizedDescription)", code: 1)
            }
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let jobId = output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            guard process.terminationStatus == 0, !jobId.isEmpty, jobId.allSatisfy(\.isNumber) else {
                let why = errors.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
                throw fail("sbatch \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): "
                           + (why.isEmpty ? "no job id in its output '\(output)'" : why), code: 1)
            }
            return jobId
        }
    }
}
