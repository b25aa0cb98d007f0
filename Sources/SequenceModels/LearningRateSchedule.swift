// Learning-rate schedules over epochs, as torch.optim.lr_scheduler computes them (same
// operations in Double, so the rates agree with PyTorch's), and the state a checkpoint
// keeps so a resumed run continues on the same schedule with the same bits.

import Foundation

/// How the learning rate changes from epoch to epoch (η0 is the run's `lr`, E its epochs,
/// e the 1-based epoch).
public enum LearningRateSchedule: Equatable, Hashable, Sendable {
    /// η_e = η0.
    case constant
    /// η_e = η0·γ^⌊(e−1)/s⌋ (PyTorch's StepLR with step_size s).
    case step(gamma: Double, stepEpochs: Int)
    /// η_e = η0·(1 + cos(π(e−1)/E))/2: from η0 down towards zero over the run's E epochs
    /// (PyTorch's CosineAnnealingLR with T_max = E, eta_min = 0).
    case cosine
    /// PyTorch's ReduceLROnPlateau (mode min, threshold_mode rel, cooldown 0, min_lr 0) on the
    /// validation loss: an epoch improves when its loss < best·(1 − threshold); after more
    /// than `patience` epochs in a row without improvement, η ← η·factor.
    case reduceOnPlateau(factor: Double, patience: Int, threshold: Double)

    /// The schedule names, as a spec writes them.
    public static let names = ["constant", "step", "cosine", "reduce_on_plateau"]

    public var name: String {
        switch self {
        case .constant: return "constant"
        case .step: return "step"
        case .cosine: return "cosine"
        case .reduceOnPlateau: return "reduce_on_plateau"
        }
    }
}

/// What a schedule carries from one epoch to the next beyond the epoch number (only
/// reduce-on-plateau has any): stored as bit patterns so it round-trips exactly.
public struct LearningRateScheduleState: Codable, Equatable, Sendable {
    /// The current learning rate's bits.
    public var lrBits: UInt64
    /// The best validation loss so far (+∞ before the first epoch), as bits.
    public var bestBits: UInt64
    /// Epochs in a row without improvement.
    public var badEpochs: Int

    public init(lr: Double, best: Double, badEpochs: Int) {
        self.lrBits = lr.bitPattern
        self.bestBits = best.bitPattern
        self.badEpochs = badEpochs
    }

    public var lr: Double { Double(bitPattern: lrBits) }
    public var best: Double { Double(bitPattern: bestBits) }

    enum CodingKeys: String, CodingKey {
        case lrBits = "lr_bits", bestBits = "best_bits", badEpochs = "bad_epochs"
    }
}

/// A schedule applied to one run: asked for each epoch's rate, told each epoch's validation loss.
public struct LearningRateScheduler: Sendable {
    public let schedule: LearningRateSchedule
    public let baseLearningRate: Double
    public let epochs: Int
    /// Reduce-on-plateau's state; nil for the schedules that depend on the epoch alone.
    public var state: LearningRateScheduleState?

    /// PyTorch's ReduceLROnPlateau `eps`: a reduction smaller than this is not made.
    public static let minimumReduction = 1e-8

    public init(schedule: LearningRateSchedule, baseLearningRate: Double, epochs: Int) {
        self.schedule = schedule
        self.baseLearningRate = baseLearningRate
        self.epochs = epochs
        if case .reduceOnPlateau = schedule {
            state = LearningRateScheduleState(lr: baseLearningRate, best: .infinity, badEpochs: 0)
        }
    }

    /// The learning rate of 1-based epoch `epoch` (given the state after epoch − 1).
    public func learningRate(epoch: Int) -> Double {
        precondition(epoch >= 1, "epochs are 1-based")
        switch schedule {
        case .constant:
            return baseLearningRate
        case .step(let gamma, let stepEpochs):
            // StepLR multiplies the current rate by γ every step_size epochs.
            var lr = baseLearningRate
            for _ in 0..<((epoch - 1) / stepEpochs) { lr *= gamma }
            return lr
        case .cosine:
            // CosineAnnealingLR's recursive form (eta_min = 0), which PyTorch evaluates step by step:
            // η_t = (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)) · η_{t−1}, t = epoch − 1, T = epochs.
            let total = Double(epochs)
            var lr = baseLearningRate
            var t = 1
            while t <= epoch - 1 {
                lr = (1 + cos(Double.pi * Double(t) / total)) / (1 + cos(Double.pi * Double(t - 1) / total)) * lr
                t += 1
            }
            return lr
        case .reduceOnPlateau:
            return state!.lr
        }
    }

    /// Takes a completed epoch's validation loss (ReduceLROnPlateau.step).
    public mutating func epochEnded(validationLoss: Double) {
        guard case .reduceOnPlateau(let factor, let patience, let threshold) = schedule, var current = state else { return }
        if validationLoss < current.best * (1 - threshold) {
            current.bestBits = validationLoss.bitPattern
            current.badEpochs = 0
        } else {
            current.badEpochs += 1
        }
        if current.badEpochs > patience {
            let reduced = max(current.lr * factor, 0)
            if current.lr - reduced > Self.minimumReduction { current.lrBits = reduced.bitPattern }
            current.badEpochs = 0
        }
        state = current
    }
}
