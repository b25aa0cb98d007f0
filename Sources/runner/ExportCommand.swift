// `runner export --run ID`: a trained run's weights as a safetensors file
// (PyTorch's state_dict names for rnn and lstm; see README, "Weight layout").
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
            Takes the run's latest checkpoint from the database. rnn and lstm models use \
            PyTorch's nn.RNN / nn.LSTM state_dict names (weight_ih_l0, weight_hh_l0, bias_ih_l0, \
            bias_hh_l0) plus head.weight and head.bias, and load there with strict=True; the \
            seed's GRU uses the names gru.weight_ih, gru.weight_hh, gru.bias (gate order r, u, c).
            """)

        @OptionGroup var database: DatabasePathOption

        @Option(name: .customLong("run"), help: "The run id (see `runner runs`).")
        var runId: Int64

        @Option(help: "The file to write (default: run-<ID>.safetensors).")
        var output: String?

        func run() throws {
            let path = output ?? "run-\(runId).safetensors"
            do {
                let db = try ResultsDatabase.openReadOnly(path: database.path)
                guard let record = try db.run(id: runId) else {
                    throw fail("run \(runId) is not in \(database.path) (see `runner runs`)", code: 1)
                }
                guard let stored = try db.loadCheckpoint(runId: runId) else {
                    throw fail("run \(runId) has no checkpoint yet: it has not finished an epoch", code: 1)
                }
                let checkpoint = try Checkpoint(decoding: stored.state)
                let model = Model(config: checkpoint.model, parameters: checkpoint.parameters)
                try Safetensors.save(model, to: URL(fileURLWithPath: path), metadata: [
                    "runner.run_id": "\(runId)", "runner.epoch": "\(checkpoint.epoch)",
                    "runner.config_hash": record.configHash, "runner.status": record.status.rawValue,
                ])
                print("wrote \(path): run \(runId) (\(record.cell), hidden \(record.hidden)) after epoch \(checkpoint.epoch), \(model.parameters.count) parameters")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail("\(error)", code: 1)
            }
        }
    }
}
