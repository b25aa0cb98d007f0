// `runner export --run ID`: a trained run's weights as a safetensors file
// (PyTorch's state_dict names for rnn, lstm and gru_reset_after; see README, "Weight layout").
// `runner export --tensorboard DIR`: a sweep's TensorBoard event files, from the database.
import ArgumentParser
import Experiments
import Foundation
import ResultsStore
import SequenceModels
import TensorBoard

extension Runner {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's trained weights as safetensors, or a sweep's TensorBoard event files.",
            discussion: """
            --run ID: takes the run's latest checkpoint from the database. rnn, lstm and gru_reset_after \
            models use PyTorch's nn.RNN / nn.LSTM / nn.GRU state_dict names with num_layers = the \
            run's layers (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}) plus \
            head.weight and head.bias, and load there with strict=True; the seed's GRU uses the \
            names gru.weight_ih, gru.weight_hh, gru.bias (gate order r, u, c; with _l{k} after \
            each when the model has several layers).

            --tensorboard DIR: writes the sweep's runs as `runner sweep --tensorboard` does (scalars \
            per epoch, the HParams experiment and sessions), from any results database, a merged \
            Slurm one included. Run folders already there get only the epochs after theirs.
            """)

        @OptionGroup var database: DatabasePathOption

        @Option(name: .customLong("run"), help: "The run id (see `runner runs`).")
        var runId: Int64?

        @Option(help: "The file to write (default: run-<ID>.safetensors).")
        var output: String?

        @OptionGroup var tensorboard: TensorBoardOptions

        @Option(name: .long, help: ArgumentHelp("With --tensorboard: the sweep to write (default: the most recently created).", valueName: "NAME"))
        var sweep: String?

        func validate() throws {
            if (runId == nil) == (tensorboard.directory == nil) {
                throw ValidationError("give either --run ID (weights) or --tensorboard DIR (event files)")
            }
            if runId != nil, sweep != nil { throw ValidationError("--sweep goes with --tensorboard, not --run") }
            if tensorboard.directory != nil, output != nil { throw ValidationError("--output goes with --run, not --tensorboard") }
            if tensorboard.append, tensorboard.directory == nil { throw ValidationError("--tensorboard-append needs --tensorboard DIR") }
        }

        func run() throws {
            if let runId { try exportWeights(runId: runId) } else { try exportEvents() }
        }

        private func exportWeights(runId: Int64) throws {
            let path = output ?? "run-\(runId).safetensors"
            try OutputFile.refuseInputs(path, inputs: OutputFile.databaseFiles(database.path))
            let run = try TrainedRun.load(databasePath: database.path, runId: runId)
            let model = Model(config: run.checkpoint.model, parameters: run.checkpoint.parameters)
            do {
                try OutputFile.write(try Safetensors.encode(model, metadata: [
                    "runner.run_id": "\(runId)", "runner.epoch": "\(run.checkpoint.epoch)",
                    "runner.config_hash": run.record.configHash, "runner.status": run.record.status.rawValue,
                ]), to: path)
            } catch {
                throw fail("cannot write \(path): \((error as NSError).localizedDescription)", code: 1)
            }
            let settings = (try? RunConfig.fromJSON(run.record.configJSON))?.settingsText ?? ""
            print("wrote \(path): run \(runId) (\(run.record.cell), hidden \(run.record.hidden)\(settings.isEmpty ? "" : ", " + settings)) "
                  + "after epoch \(run.checkpoint.epoch), \(model.parameters.count) parameters")
        }

        private func exportEvents() throws {
            let db: ResultsDatabase
            let record: SweepRecord
            do {
                db = try ResultsDatabase.openReadOnly(path: database.path)
                try db.requireResultsSchema()
                guard let found = try sweep.map({ try db.sweep(named: $0) }) ?? db.latestSweep() else {
                    throw fail(sweep.map { "no sweep named \($0) in \(database.path) (see `runner runs`)" } ?? "\(database.path) holds no sweep", code: 1)
                }
                record = found
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail("\(errorLine(error))", code: 1)
            }
            defer { try? db.close() }
            let layout: TensorBoardLayout
            do {
                layout = try TensorBoardLayout(sweep: record)
            } catch {
                throw fail("sweep \(record.name): its stored spec does not parse: \(errorLine(error))", code: 1)
            }
            // Whether this export starts the sweep's folder (absent or empty): then a failure takes it back.
            let sweepFolder = LogDirectory.sweepFolder(in: tensorboard.directory ?? ".", sweepName: record.name)
            let startsFolder = ((try? FileManager.default.contentsOfDirectory(atPath: sweepFolder.path)) ?? []).isEmpty
            guard let folder = try tensorboard.prepare(sweepName: record.name, databasePath: database.path) else { return }
            let log = TensorBoardSweepLog(directory: folder, layout: layout, report: { _ in })
            do {
                let (runs, epochs) = try log.export(from: db, sweep: record)
                print("wrote \(folder.sweepFolder.path): sweep \(record.name), \(runs) runs, \(epochs) new epochs (tensorboard --logdir \(tensorboard.directory!))")
            } catch {
                // A sweep folder this export started is taken back, so that no half-exported sweep
                // is left for TensorBoard to show (an earlier export's files are kept as they were).
                if startsFolder { try? FileManager.default.removeItem(at: folder.sweepFolder) }
                throw fail("--tensorboard \(tensorboard.directory!): \(errorLine(error))"
                           + (startsFolder ? "; nothing was left in \(folder.sweepFolder.path)" : ""), code: 1)
            }
        }
    }
}
