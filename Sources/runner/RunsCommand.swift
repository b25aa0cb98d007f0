// `runner runs`: lists the runs of the results database with their state and progress.
import ArgumentParser
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
            let runs = try results.runProgress(sweepName: sweep, status: status)
            if runs.isEmpty {
                print("no runs" + (status.map { " with status \($0.rawValue)" } ?? "") + (sweep.map { " in sweep \($0)" } ?? ""))
                return
            }
            print(Runs.table(runs))
        }

        static func table(_ runs: [RunProgress]) -> String {
            let header = ["run", "sweep", "cell", "hidden", "lr", "seed", "status", "epochs", "val_loss", "worker", "error"]
            let rows = runs.map { progress -> [String] in
                let run = progress.run
                return [
                    String(run.id ?? 0), progress.sweepName, run.cell, String(run.hidden), "\(run.lr)", String(run.seed),
                    run.status.rawValue, "\(progress.epochsDone)/\(run.epochsPlanned)",
                    progress.lastValLoss.map { String(format: "%.4g", $0) } ?? "",
                    run.status == .running ? (run.worker ?? "") : "",
                    oneLine(run.error ?? "", limit: 60),
                ]
            }
            let rightAligned = [true, false, false, true, true, true, false, true, true, false, false]
            var counts: [RunStatus: Int] = [:]
            for progress in runs { counts[progress.run.status, default: 0] += 1 }
            let summary = RunStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
            return AlignedColumns(header: header, rows: rows, rightAligned: rightAligned).render()
                + "\n(\(runs.count) run\(runs.count == 1 ? "" : "s"): \(summary.joined(separator: ", ")))"
        }
    }
}
