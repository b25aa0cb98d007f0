// `runner report`: the GRU-vs-LSTM comparison of a sweep as text, markdown, csv, json or a
// self-contained html page with learning curves.
import ArgumentParser
import Foundation
import Reports

extension ReportFormat: ExpressibleByArgument {}
extension ReportPoint: ExpressibleByArgument {}

extension Runner {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Compare the cells of a sweep: per configuration, head to head, hyperparameters.",
            discussion: """
            Reads the results database (read-only). Values are means ± sd over seeds of finished runs; \
            diverged, failed and unfinished runs are counted and listed.
            """)

        @OptionGroup var database: DatabasePathOption

        @Option(name: .long, help: ArgumentHelp("The sweep to report on (default: the most recently created).", valueName: "NAME"))
        var sweep: String?

        @Option(name: .long, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: ReportFormat = .text

        @Option(name: .long, help: ArgumentHelp("Write the report to this file instead of the terminal (folders are created).", valueName: "FILE"))
        var output: String?

        @Option(name: .long, help: "Read each run at its best epoch (lowest validation loss) or its final epoch: best, final.")
        var at: ReportPoint = .best

        @Option(name: .customLong("target-loss"),
                help: ArgumentHelp("Validation loss for 'epochs and seconds to target' (default: per configuration, the mean best loss of the worse of GRU and LSTM).", valueName: "LOSS"))
        var targetLoss: Double?

        func validate() throws {
            if let targetLoss, !(targetLoss.isFinite && targetLoss > 0) {
                throw ValidationError("--target-loss must be a positive number, got \(targetLoss)")
            }
        }

        func run() throws {
            if let output { try OutputFile.refuseInputs(output, inputs: OutputFile.databaseFiles(database.path)) }
            let options = ReportOptions(at: at, targetLoss: targetLoss)
            let text = try ReportRunner.report(databasePath: database.path, sweepName: sweep, format: format, options: options)
            guard let output else {
                print(text, terminator: "")
                return
            }
            do {
                try OutputFile.write(Data(text.utf8), to: output)
            } catch {
                throw ReportError.cannotWriteOutput(path: output, reason: (error as NSError).localizedDescription)
            }
        }
    }
}
