// Trains one run, one epoch at a time: its own model, optimiser and data
// iterator (no state shared with other runs); each step on the threads its
// budget grants (the same bits on any number).

import Foundation
import SequenceModels
import Tasks

/// What one epoch produced.
public struct EpochResult: Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    public var valMetric: Double
    /// The task's secondary validation metrics by name (empty for most tasks).
    public var valDetails: [String: Double]
    /// Loss and metric on the test split; nil when the task has none.
    public var testLoss: Double?
    public var testMetric: Double?
    /// Mean global gradient norm (before clipping) over the epoch's steps.
    public var gradNorm: Double
    /// The learning rate this epoch trained with (the schedule's rate for the epoch).
    public var lr: Double
    public var seconds: Double
    public var tokensPerSecond: Double
}

public enum EpochOutcome: Sendable {
    case completed(EpochResult)
    /// The loss became NaN or infinite at this step of the epoch.
    case diverged(epoch: Int, step: Int, loss: Double)
    /// Stopped between batches because the sweep is being cancelled.
    case cancelled
}

public final class Trainer {
    public let config: RunConfig
    public let task: any SequenceTask
    public let model: Model
    public private(set) var optimizer: Optimizer
    /// Gives each epoch's learning rate; takes each epoch's validation loss.
    public private(set) var schedule: LearningRateScheduler
    /// Epochs completed so far (the next epoch to train is `completedEpochs + 1`).
    public private(set) var completedEpochs = 0
    private var gradients: [Float]
    /// Grants each step its threads (at most the model team's capacity); without one, every
    /// step uses the team's `activeThreads`.
    public var threadBudget: ThreadBudget?

    /// The model configuration a run config describes on a task.
    public static func modelConfig(_ config: RunConfig, task: any SequenceTask) -> ModelConfig {
        ModelConfig(cell: config.cell, inputSize: task.inputSize, hiddenSize: config.hidden, outputSize: task.outputSize,
                    head: task.head, forgetBias: Float(config.forgetBias), seed: UInt64(bitPattern: Int64(config.seed)),
                    layers: config.layers, dropout: Float(config.dropout))
    }

    /// `threads`: the most threads one step may use (see `threadBudget`).
    public init(config: RunConfig, task: any SequenceTask, threads: Int = 1) {
        self.config = config
        self.task = task
        self.model = Model(config: Trainer.modelConfig(config, task: task))
        if threads > 1 { model.team = ThreadTeam(capacity: threads) }
        self.optimizer = Optimizer(settings: OptimizerSettings(kind: config.optimizer, learningRate: config.lr, momentum: config.momentum,
                                                               weightDecay: config.weightDecay, rmspropMomentum: config.rmspropMomentum),
                                   parameterCount: model.parameters.count)
        self.schedule = LearningRateScheduler(schedule: config.lrSchedule, baseLearningRate: config.lr, epochs: config.epochs)
        self.gradients = [Float](repeating: 0, count: model.parameters.count)
    }

    /// Continues from a checkpoint written after epoch `checkpoint.epoch`.
    public func restore(_ checkpoint: Checkpoint) throws {
        guard checkpoint.model == model.config, checkpoint.parameters.count == model.parameters.count else {
            throw Checkpoint.DecodeError(reason: "it belongs to another model configuration")
        }
        if schedule.state != nil, checkpoint.epoch > 0 {
            guard let saved = checkpoint.schedule else {
                throw Checkpoint.DecodeError(reason: "it has no state for the \(config.lrSchedule.name) learning-rate schedule")
            }
            schedule.state = saved
        }
        model.parameters = checkpoint.parameters
        optimizer.state = checkpoint.optimizer
        completedEpochs = checkpoint.epoch
    }

    public func checkpoint() -> Checkpoint {
        Checkpoint(epoch: completedEpochs, model: model.config, parameters: model.parameters,
                   optimizer: optimizer.state, schedule: schedule.state, vocabulary: task.characterVocabulary)
    }

    /// Trains the next epoch, then evaluates on the validation data.
    /// `isCancelled` is polled between batches.
    public func trainEpoch(isCancelled: () -> Bool = { false }) -> EpochOutcome {
        let epoch = completedEpochs + 1
        let lr = schedule.learningRate(epoch: epoch)
        let start = DispatchTime.now().uptimeNanoseconds
        var lossSum = 0.0, normSum = 0.0, tokens = 0, steps = 0
        let batches = task.trainBatches(batchSize: config.batch, epoch: epoch, shuffleSeed: UInt64(bitPattern: Int64(config.seed)))
        var state: RecurrentState?   // carried between batches of stateful tasks
        for (index, batch) in batches.enumerated() {
            if isCancelled() { return .cancelled }
            let threads = beginStep()
            defer { threadBudget?.release(threads) }
            // Dropout masks from (seed, epoch, step) alone: the same bits under any --jobs and after a resume.
            let key = DropoutKey(seed: UInt64(bitPattern: Int64(config.seed)), epoch: epoch, step: index + 1)
            let loss: Double
            if batches.continuesState.contains(true) {
                var carried = batches.continuesState[index] ? state! : model.initialState(batchSize: batch.batchSize)
                loss = model.lossAndGradients(batch: batch, gradients: &gradients, state: &carried, dropout: key)
                state = carried
            } else {
                loss = model.lossAndGradients(batch: batch, gradients: &gradients, dropout: key)
            }
            guard loss.isFinite else { return .diverged(epoch: epoch, step: index + 1, loss: loss) }
            let norm = config.clipNorm.map { GradientClipping.clipByGlobalNorm(&gradients, maxNorm: $0, team: model.team) }
                ?? GradientClipping.globalNorm(gradients, team: model.team)
            if let limit = config.clipValue { GradientClipping.clipByValue(&gradients, limit: Float(limit)) }
            optimizer.update(parameters: &model.parameters, gradients: gradients, learningRate: lr, team: model.team)
            lossSum += loss
            normSum += norm
            tokens += task.tokenCount(of: batch)
            steps += 1
        }
        let trainSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (valLoss, valMetric, valDetails) = validate()
        guard valLoss.isFinite else { return .diverged(epoch: epoch, step: steps, loss: valLoss) }
        let test = task.testExampleCount > 0 ? evaluate(task.testBatches(batchSize: config.batch)) : nil
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        schedule.epochEnded(validationLoss: valLoss)
        completedEpochs = epoch
        return .completed(EpochResult(epoch: epoch, trainLoss: lossSum / Double(max(steps, 1)), valLoss: valLoss,
                                      valMetric: valMetric, valDetails: valDetails,
                                      testLoss: test?.loss, testMetric: test?.metric, gradNorm: normSum / Double(max(steps, 1)),
                                      lr: lr, seconds: seconds,
                                      tokensPerSecond: Double(tokens) / max(trainSeconds, 1e-9)))
    }

    /// Sets the team's threads for the next step from the budget; returns them.
    private func beginStep() -> Int {
        guard let budget = threadBudget else { return model.team.activeThreads }
        let threads = budget.acquire(upTo: model.team.capacity)
        model.team.activeThreads = threads
        return threads
    }

    /// Mean validation loss (weighted by each batch's targeted positions), the task's metric
    /// and its secondary metrics.
    public func validate() -> (loss: Double, metric: Double, details: [String: Double]) {
        evaluate(task.validationBatches(batchSize: config.batch))
    }

    /// Mean loss (weighted by targeted positions), metric and secondary metrics over a held-out
    /// split's batches, carrying the recurrent state where the batches say so.
    func evaluate(_ batches: BatchList) -> (loss: Double, metric: Double, details: [String: Double]) {
        var metric = task.makeMetric()
        var weighted = 0.0, weight = 0
        var state: RecurrentState?
        for (index, batch) in batches.enumerated() {
            var carried = batches.continuesState[index] ? state! : model.initialState(batchSize: batch.batchSize)
            let threads = beginStep()
            let (loss, outputs) = model.evaluate(batch: batch, state: &carried)
            threadBudget?.release(threads)
            state = carried
            let n = max(batch.targetCount, 1)
            weighted += loss * Double(n)
            weight += n
            metric.add(batch: batch, outputs: outputs)
        }
        return (weighted / Double(max(weight, 1)), metric.value, metric.details)
    }
}
