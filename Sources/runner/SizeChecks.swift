// Upper bounds on the sizes that `bench` and `gradcheck` take as options, so that no value
// overflows an arithmetic or aborts the process on an allocation: each size is bounded,
// and the model with its buffers must fit the memory a sweep's run may use.
import ArgumentParser
import Experiments
import SequenceModels

enum SizeChecks {
    /// Throws a validation error for the first option above `maximum`.
    static func requireAtMost(_ maximum: Int, _ options: [(name: String, value: Int)]) throws {
        for option in options where option.value > maximum {
            throw ValidationError("\(option.name) must be at most \(maximum), got \(option.value)")
        }
    }

    /// Throws a validation error when training `model` on (`steps`, `batch`) would need more
    /// than the memory limit of a run divided by `share` (2 for the Float64 reference too).
    static func requireFits(_ model: ModelConfig, steps: Int, batch: Int, share: Int = 1) throws {
        let estimate = MemoryEstimate(model: model, optimizer: .sgd, steps: steps, batch: batch)
        if let refusal = estimate.refusal(limit: MemoryEstimate.defaultLimit / share) {
            throw ValidationError("\(model.cell.rawValue) hidden=\(model.hiddenSize) \(refusal)")
        }
    }
}
