// A small model trained through the core library on a charlm task beats the
// unigram baseline, and sampling from it reproduces the text's pattern.
import XCTest
import SequenceModels
@testable import Tasks

final class CharLMLearningTests: XCTestCase {
    func testGRULearnsARepeatingTextAndSamplesIt() throws {
        let task = try CharLMTask(text: String(repeating: "abcd\n", count: 120), valFraction: 0.1, seqLen: 10)
        let model = Model(config: ModelConfig(cell: .gru, inputSize: task.inputSize, hiddenSize: 16,
                                              outputSize: task.outputSize, head: task.head, seed: 2))
        var optimizer = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.02),
                                  parameterCount: model.parameters.count)
        var gradients = [Float]()
        for epoch in 1...25 {
            for batch in task.trainBatches(batchSize: 8, epoch: epoch, shuffleSeed: 1) {
                model.lossAndGradients(batch: batch, gradients: &gradients)
                optimizer.update(parameters: &model.parameters, gradients: gradients)
            }
        }
        var metric = task.makeMetric()
        for batch in task.validationBatches(batchSize: 4) {
            metric.add(batch: batch, outputs: model.evaluate(batch: batch).outputs)
        }
        XCTAssertEqual(task.baseline.metric!, log2(5.0), accuracy: 0.05, "five equally frequent characters")
        XCTAssertLessThan(metric.value, 0.2, "the text is deterministic after one character")

        let greedy = CharSampler.sample(model: model, vocabulary: task.vocabulary, length: 12, temperature: 0, seed: 1, prime: "ab")
        XCTAssertEqual(greedy, "cd\nabcd\nabcd")
        let sampled = CharSampler.sample(model: model, vocabulary: task.vocabulary, length: 40, temperature: 1, seed: 3, prime: "a")
        XCTAssertEqual(sampled, CharSampler.sample(model: model, vocabulary: task.vocabulary, length: 40, temperature: 1, seed: 3, prime: "a"))
        XCTAssertEqual(sampled.unicodeScalars.count, 40)
    }
}
