// `runner export --run ID`: a trained run's weights as a safetensors file
// (PyTorch's state_dict names for rnn, lstm and gru_reset_after; see README, "Weight layout").
import ArgumentParser
import Experiments
import Foundation
import ResultsStore
import SequenceModels

extension Runner {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's trained weights as a safetensors file.",
            discussion: """
            Takes the run's latest checkpoint from the database. rnn, lstm and gru_reset_after \
            models use PyTorch's nn.RNN / nn.LSTM / nn.GRU state_dict names with num_layers = the \
            run's layers (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}) plus \
            head.weight and head.bias, and load there with strict=True; the seed's GRU uses the \
            names gru.weight_ih, gru.weight_hh, gru.bias (gate order r, u, c; with _l{k} after \
            each when the model has several layers).
            """)

        @OptionGroup var database: DatabasePathOption

        @Option(name: .customLong("run"), help: "The run id (see `runner runs`).")
        var runId: Int64

        @Option(help: "The file to write (default: run-<ID>.safetensors).")
        var output: String?

        func run() throws {
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
                throw fail("cannot write \(path): \(error)", code: 1)
            }
            print("wrote \(path): run \(runId) (\(run.record.cell), hidden \(run.record.hidden)) after epoch \(run.checkpoint.epoch), \(model.parameters.count) parameters")
        }
    }
}
