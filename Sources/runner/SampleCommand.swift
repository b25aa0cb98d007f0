// `runner sample --run ID`: text sampled from a trained charlm model, as the
// seed's course samples dinosaur names.
import ArgumentParser
import Experiments
import Foundation
import ResultsStore
import SequenceModels
import Tasks

extension Runner {
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print text sampled from a trained charlm run.",
            discussion: """
            Loads the run's latest checkpoint (weights and vocabulary) from the database and \
            samples one character at a time from the model's softmax. Temperature 0 always takes \
            the most likely character; higher values give more varied text.
            """)

        @OptionGroup var database: DatabasePathOption

        @Option(name: .customLong("run"), help: "The run id (see `runner runs`).")
        var runId: Int64

        @Option(help: "Characters to generate.")
        var length: Int = 400

        @Option(help: "Softmax temperature (0 = greedy).")
        var temperature: Double = 0.8

        @Option(help: "Seed of the sampling.")
        var seed: UInt64 = 1

        @Option(help: "Text the model reads before sampling.")
        var prime: String = "\n"

        func validate() throws {
            if length <= 0 { throw ValidationError("--length must be positive, got \(length)") }
            try SizeChecks.requireAtMost(10_000_000, [("--length", length)])
            if !(temperature >= 0) || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0, got \(temperature)") }
            if prime.isEmpty { throw ValidationError("--prime must not be empty") }
        }

        func run() throws {
            let run = try TrainedRun.load(databasePath: database.path, runId: runId)
            guard let vocabulary = run.checkpoint.vocabulary else {
                throw fail("run \(runId) belongs to the \(run.record.task) task: only charlm (character) models can be sampled", code: 1)
            }
            let model = Model(config: run.checkpoint.model, parameters: run.checkpoint.parameters)
            print(CharSampler.sample(model: model, vocabulary: vocabulary, length: length,
                                     temperature: temperature, seed: seed, prime: prime))
        }
    }
}
