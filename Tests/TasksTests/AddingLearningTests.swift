// A small gated model trained through the core library on the adding task's own
// batches learns it: validation MSE far below the 1/6 baseline.
import XCTest
import SequenceModels
@testable import Tasks

final class AddingLearningTests: XCTestCase {
    /// Trains `cell` on adding at length 10 and returns the validation MSE
    /// (from the task's metric over `model.evaluate` outputs) after each epoch.
    func train(_ cell: CellKind, epochs: Int) -> [Double] {
        let task = AddingTask(length: 10, trainSize: 2048, valSize: 256, dataSeed: 1)
        let model = Model(config: ModelConfig(cell: cell, inputSize: task.inputSize, hiddenSize: 16,
                                              outputSize: task.outputSize, head: task.head, seed: 3))
        var optimizer = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                  parameterCount: model.parameters.count)
        var gradients = [Float]()
        var history: [Double] = []
        for epoch in 1...epochs {
            for batch in task.trainBatches(batchSize: 32, epoch: epoch, shuffleSeed: 5) {
                model.lossAndGradients(batch: batch, gradients: &gradients)
                GradientClipping.clipByGlobalNorm(&gradients, maxNorm: 1)
                optimizer.update(parameters: &model.parameters, gradients: gradients)
            }
            var metric = task.makeMetric()
            for batch in task.validationBatches(batchSize: 128) {
                let (loss, outputs) = model.evaluate(batch: batch)
                metric.add(batch: batch, outputs: outputs)
                // The metric and the model's loss are the same mean squared error.
                XCTAssertEqual(loss, MeanSquaredErrorMetric.of(batch: batch, outputs: outputs), accuracy: 1e-5)
            }
            history.append(metric.value)
        }
        return history
    }

    func testSmallGatedModelsLearnAddingAtLength10() {
        for cell in [CellKind.lstm, .gru] {
            let history = train(cell, epochs: 8)
            XCTAssertGreaterThan(history[0], 0.01, "\(cell) not solved after one epoch: the test measures learning")
            XCTAssertLessThan(history.last!, 0.01, "\(cell) validation MSE per epoch: \(history)")
        }
    }
}

extension MeanSquaredErrorMetric {
    static func of(batch: Batch, outputs: [Float]) -> Double {
        var metric = MeanSquaredErrorMetric()
        metric.add(batch: batch, outputs: outputs)
        return metric.value
    }
}
