// `runner runs`: lists the runs of the results database with their state and progress.
import ArgumentParser
import Experiments
import Foundation
import ResultsStore

extension RunStatus: ExpressibleByArgument {}

extension Runner {
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs, their state and the epochs done.")

        @OptionGroup var database: DatabasePathOption

        @Option(help: "Only the runs of this sweep.")
        var sweep: String?

        @Option(help: "Only runs in this state: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
        var status: RunStatus?

        func run() throws {
            let results = try ResultsDatabase.openReadOnly(path: database.path)
            try results.requireResultsSchema()
            let runs = try results.runProgress(sweepName: sweep, status: status)
            if runs.isEmpty {
                print("no runs" + (status.map { " with status \($0.rawValue)" } ?? "") + (sweep.map { " in sweep \($0)" } ?? ""))
                return
            }
            print(Runs.table(runs))
        }

        static func table(_ runs: [RunProgress]) -> String {
            // Layers, dropout, optimiser, weight decay and schedule, where some run has other
            // than the defaults: a column of their own, or runs would look the same.
            let settings = runs.map { (try? RunConfig.fromJSON($0.run.configJSON))?.settingsText ?? "" }
            let showSettings = settings.contains { !$0.isEmpty }
            var header = ["run", "sweep", "cell", "hidden", "lr", "seed", "status", "epochs", "stopped", "val_loss", "worker", "error"]
            var rightAligned = [true, false, false, true, true, true, false, true, false, true, false, false]
            if showSettings {
                header.insert("settings", at: 6)
                rightAligned.insert(false, at: 6)
            }
            let rows = zip(runs, settings).map { progress, setting -> [String] in
                let run = progress.run
                var row = [
                    String(run.id ?? 0), progress.sweepName, run.cell, String(run.hidden), "\(run.lr)", String(run.seed),
                    run.status.rawValue, "\(progress.epochsDone)/\(run.epochsPlanned)", stopped(run),
                    progress.lastValLoss.map { String(format: "%.4g", $0) } ?? "",
                    run.status == .running ? (run.worker ?? "") : "",
                    oneLine(run.error ?? "", limit: 60),
                ]
                if showSettings { row.insert(setting, at: 6) }
                return row
            }
            var counts: [RunStatus: Int] = [:]
            for progress in runs { counts[progress.run.status, default: 0] += 1 }
            let summary = RunStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
            return AlignedColumns(header: header, rows: rows, rightAligned: rightAligned).render()
                + "\n(\(runs.count) run\(runs.count == 1 ? "" : "s"): \(summary.joined(separator: ", ")))"
                + computeSaved(runs)
        }

        /// Where a run stopped before its planned epochs: "rung R" (pruned) or "early" (early stopping).
        static func stopped(_ run: RunRecord) -> String {
            if run.status == .pruned { return run.prunedRung.map { "rung \($0)" } ?? "pruned" }
            if let epoch = run.stopEpoch { return "early @\(epoch)" }
            return ""
        }

        /// The compute pruning and early stopping saved, per sweep listed: epochs trained
        /// against the full grid's (every run to its planned epochs). Empty when nothing stopped early.
        static func computeSaved(_ runs: [RunProgress]) -> String {
            var lines: [String] = []
            var order: [String] = []
            var bySweep: [String: [RunProgress]] = [:]
            for progress in runs {
                if bySweep[progress.sweepName] == nil { order.append(progress.sweepName) }
                bySweep[progress.sweepName, default: []].append(progress)
            }
            for name in order {
                let listed = bySweep[name]!
                let pruned = listed.filter { $0.run.status == .pruned }.count
                let early = listed.filter { $0.run.status != .pruned && $0.run.stopEpoch != nil }.count
                guard pruned + early > 0 else { continue }
                let trained = listed.reduce(0) { $0 + $1.epochsDone }, full = listed.reduce(0) { $0 + $1.run.epochsPlanned }
                lines.append(String(format: "%@: %d of the full grid's %d epochs trained (%.1f%%, %d saved): %d runs pruned, %d stopped early",
                                    name, trained, full, 100 * Double(trained) / Double(max(full, 1)), full - trained, pruned, early))
            }
            return lines.isEmpty ? "" : "\n" + lines.joined(separator: "\n")
        }
    }
}
