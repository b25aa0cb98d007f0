// `runner merge --output OUT.db IN.db...`: combines the results databases of a sweep's shards
// (one per Slurm array task, or per machine) into one that `report` and `query` read as usual.
import ArgumentParser
import Foundation
import ResultsStore

extension Runner {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge results databases (the shards of a sweep) into one.",
            discussion: """
            Sweeps are matched by name, runs by sweep and config hash, epochs by number. The \
            output is written in one transaction and the inputs are opened read-only, so merging \
            again (after a shard was resumed, or with more shards) is safe: an input merged twice \
            adds nothing.

            A run found in two places must have bitwise-equal numbers (train_loss, val_loss, \
            val_metric, grad_norm, test_loss, test_metric, and lr where both recorded it) on the \
            epochs both have; otherwise it is a conflict: one line \
            naming sweep, run, epoch and field, and the value already merged is kept. A consistent \
            run keeps its most advanced state: the union of its epochs, with the status of the copy \
            that got further (an ended run - finished, diverged, failed - beats an unfinished one \
            with no more epochs; between unfinished copies, more epochs win). A run left running in \
            a shard (its process is gone) arrives as interrupted. Unfinished runs are counted per input.

            Checkpoints are not copied unless --checkpoints is given: the merged database is for \
            reports and queries; resume a shard from its own database.

            Exit status: 0 merged; 3 merged everything except the conflicts listed; 1 an input or \
            the output could not be used (nothing written).
            """)

        @Option(name: .long, help: "The merged database (created if missing; merged into if it exists).")
        var output: String

        @Flag(help: "Also copy each run's latest checkpoint (default: off; checkpoints make the file much larger).")
        var checkpoints = false

        @Argument(help: "The databases to merge, e.g. shards/shard-*.db.")
        var inputs: [String]

        func validate() throws {
            if inputs.isEmpty { throw ValidationError("give at least one input database to merge") }
        }

        func run() throws {
            // The inputs themselves are compared with the output by the store; their logs here.
            try OutputFile.refuseInputs(output, inputs: inputs.flatMap { [$0 + "-wal", $0 + "-shm"] })
            let report: MergeReport
            let created = !FileManager.default.fileExists(atPath: output)
            do {
                report = try ResultsDatabase.merge(inputPaths: inputs, into: output, includeCheckpoints: checkpoints)
            } catch {
                // A merge that made its output and then failed (a full disk) leaves no empty or
                // partial file behind; an output that existed keeps what it had (the merge is one transaction).
                if created { for file in OutputFile.databaseFiles(output) { try? FileManager.default.removeItem(atPath: file) } }
                throw fail("merge: \(errorLine(error))", code: 1)
            }
            for input in report.inputs {
                var line = "\(input.path): \(input.runs) runs in sweep \(input.sweeps.joined(separator: ", ")): "
                    + "\(input.runsAdded) added, \(input.runsAdvanced) advanced, \(input.epochsAdded) epochs added"
                if checkpoints { line += ", \(input.checkpointsCopied) checkpoints copied" }
                if input.decisionsAdded > 0 { line += ", \(input.decisionsAdded) halving decisions added" }
                if input.conflicts > 0 { line += ", \(input.conflicts) conflicts" }
                if input.unfinishedRuns > 0 {
                    let detail = RunStatus.allCases.compactMap { status in
                        input.unfinishedByStatus[status].map { "\($0) \(status.rawValue)" }
                    }
                    line += "; unfinished shard: \(input.unfinishedRuns) runs not done (\(detail.joined(separator: ", ")))"
                }
                print(line)
            }
            for name in report.outputCounts.keys.sorted() {
                let counts = report.outputCounts[name]!
                let total = counts.values.reduce(0, +)
                let detail = RunStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
                print("\(output): sweep \(name): \(total) runs (\(detail.joined(separator: ", ")))")
            }
            for note in report.notes { try? FileHandle.standardError.write(contentsOf: Data("note: \(note)\n".utf8)) }
            if !report.conflicts.isEmpty {
                throw fail(report.conflicts.map(\.description).joined(separator: "\n")
                           + "\n\(report.conflicts.count) conflicts: everything else is merged", code: 3)
            }
        }
    }
}
