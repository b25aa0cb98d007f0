// How much memory one run needs, estimated before it is built, so that a run too large for
// the machine is refused (at validation, or marked failed by the scheduler) instead of
// aborting the whole process on an allocation.
import Foundation
import SequenceModels
import Tasks

/// The bytes a run allocates, in checked arithmetic (nil parts overflowed an `Int`).
///
/// With P parameters, L layers of G gate blocks of width H, X inputs, V outputs, T = the task's longest
/// sequence and B = the batch size, N = T·B, all in Float32 (4 bytes):
///
///     parameters, gradients        2·P
///     optimiser state              adam, adamw 2·P; rmsprop at most 2·P; momentum P; sgd 0
///     packed weights, checkpoint   P + 2·(P + optimiser state)   (packed recurrent weights; a checkpoint and its encoding)
///     workspace over T × B         per layer 2·N·G·H + 2·(T+1)·B·H + 4·N·H   (gates and recurrent
///                                  projections, states and cells, extras, dL/da, dropout masks),
///                                  then N·V + 2·B·H   (logits, the carried gradients)
///     data                         one batch's inputs and targets, N·(X + V)
///
/// A checkpoint (P + optimiser state, one SQLite value) must also stay under SQLite's largest
/// value, 10^9 bytes: about 83 M parameters with adam, 250 M with sgd.
///
/// The task's own examples are held once per sweep (a generated task makes them on first use,
/// after the estimate; their size is bounded by ``TaskFactory/maxGeneratedSteps``), so they
/// are not counted per run.
public struct MemoryEstimate: Sendable, Equatable {
    /// Total bytes, nil when the count overflows (certainly too large).
    public var bytes: Int?
    /// Bytes of the run's checkpoint (parameters and optimiser state as Float32, and a header),
    /// nil when the count overflows. SQLite keeps it as one value.
    public var checkpointBytes: Int?
    public var steps: Int
    public var batch: Int

    /// The share of physical memory one run may use: a half.
    public static let physicalMemoryShare = 0.5
    /// The default limit: ``physicalMemoryShare`` of this machine's physical memory.
    public static var defaultLimit: Int {
        Int(Double(ProcessInfo.processInfo.physicalMemory) * physicalMemoryShare)
    }

    /// `steps` is the task's ``SequenceTask/maxSequenceSteps``, when the caller has it already.
    public init(config: RunConfig, task: any SequenceTask, steps: Int? = nil) {
        self.init(model: Trainer.modelConfig(config, task: task), optimizer: config.optimizer,
                  steps: steps ?? task.maxSequenceSteps, batch: config.batch)
    }

    /// The estimate for a model trained with `optimizer` on batches of `batch` sequences of `steps` steps.
    public init(model: ModelConfig, optimizer kind: OptimizerKind, steps: Int, batch: Int) {
        let g = model.cell.gateCount, h = model.hiddenSize, x = model.inputSize, v = model.outputSize
        self.steps = steps
        self.batch = batch
        let p = model.checkedParameterCount
        let optimizer: Int? = switch kind {
        case .adam, .adamw, .rmsprop: CheckedInt.product([2, p])   // rmsprop: P, and P more with its momentum
        case .momentum: p
        case .sgd: 0
        }
        let n = CheckedInt.product([steps, batch])
        let states = CheckedInt.product([CheckedInt.sum([steps, 1]), batch, h])
        let floats = CheckedInt.sum([
            CheckedInt.product([2, p]), optimizer,
            p, CheckedInt.product([2, CheckedInt.sum([p, optimizer])]),
            CheckedInt.product([model.layers, CheckedInt.sum([CheckedInt.product([2, n, g, h]), CheckedInt.product([2, states]),
                                                              CheckedInt.product([4, n, h])])]),
            CheckedInt.product([n, v]), CheckedInt.product([2, batch, h]),
            CheckedInt.product([n, CheckedInt.sum([x, v])]),
        ])
        bytes = CheckedInt.product([4, floats])
        checkpointBytes = CheckedInt.sum([CheckedInt.product([4, CheckedInt.sum([p, optimizer])]), MemoryEstimate.checkpointHeaderBytes])
    }

    /// Room for a checkpoint's header (magic, version, the JSON of the configuration and of a
    /// charlm vocabulary), generous: the arrays dominate.
    static let checkpointHeaderBytes = 1 << 20

    /// The largest value SQLite stores (its compiled SQLITE_MAX_LENGTH, 10^9 bytes unless
    /// SQLite was built otherwise; the store checks the real limit when it writes).
    public static let largestStoredValue = 1_000_000_000

    /// Why the run cannot keep checkpoints, as the end of a line naming the run; nil when its
    /// checkpoint fits in one SQLite value of `limit` bytes.
    public func checkpointRefusal(limit: Int = MemoryEstimate.largestStoredValue) -> String? {
        if let checkpointBytes, checkpointBytes <= limit { return nil }
        let size = checkpointBytes.map(MemoryEstimate.format) ?? "more than 9.2 EB"
        return "has a checkpoint of about \(size) (parameters and optimiser state), above the \(MemoryEstimate.format(limit)) "
            + "that SQLite stores in one value: train a smaller model (hidden size, layers, inputs or outputs)"
    }

    /// Why a sweep cannot train the run: it does not fit in `limit` bytes of memory, or its
    /// checkpoint does not fit in the results database; nil when neither.
    public func runRefusal(limit: Int) -> String? {
        refusal(limit: limit) ?? checkpointRefusal()
    }

    /// Why the run is refused under `limit` bytes, as the end of a line naming the run; nil when it fits.
    public func refusal(limit: Int) -> String? {
        if let bytes, bytes <= limit { return nil }
        let estimate = bytes.map(MemoryEstimate.format) ?? "more than 9.2 EB"
        return "needs about \(estimate) of memory (parameters, gradients, optimiser state, workspace over "
            + "T=\(steps) × B=\(batch), data), above the limit of \(MemoryEstimate.format(limit)) "
            + "(\(Int(MemoryEstimate.physicalMemoryShare * 100))% of physical memory)"
    }

    /// Bytes in decimal units: "512 B", "3.4 MB", "25.7 GB".
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
