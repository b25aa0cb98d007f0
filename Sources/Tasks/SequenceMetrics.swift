// The metrics of the `sequences` task's heads: accuracy (softmax), negative
// log-likelihood per time step and frame-level accuracy (bernoulli); mse uses
// `MeanSquaredErrorMetric`.
import Foundation
import SequenceModels

/// Share of targeted positions whose most probable class is the target.
public struct AccuracyMetric: TaskMetric {
    public let classes: Int
    public private(set) var correct = 0, count = 0

    public init(classes: Int) { self.classes = classes }

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .classes(let targets) = batch.targets else { preconditionFailure("accuracy needs class targets") }
        for position in 0..<targets.count where targets[position] >= 0 {
            if argmax(outputs, offset: position * classes, count: classes) == Int(targets[position]) { correct += 1 }
            count += 1
        }
    }

    public var value: Double { count == 0 ? .nan : Double(correct) / Double(count) }
}

/// For Y independent units with probabilities p = σ(z) and targets y ∈ {0, 1}:
/// - value: negative log-likelihood per time step, nats summed over the Y units and averaged
///   over targeted steps, −Σ_v [y log p + (1 − y) log(1 − p)] (Boulanger-Lewandowski et al.
///   2012); p and 1 − p are clamped at the smallest normal Float, so a certain wrong unit costs
///   about 87 nats, not infinity;
/// - details["frame_accuracy"]: TP / (TP + FP + FN) over all targeted steps and units, a unit
///   predicted on when p ≥ 0.5 (Bay et al. 2009); 1 when no unit is on in targets or predictions.
public struct BernoulliMetric: TaskMetric {
    public let units: Int
    public private(set) var nats = 0.0
    public private(set) var steps = 0
    public private(set) var truePositives = 0, falsePositives = 0, falseNegatives = 0

    public init(units: Int) { self.units = units }

    public mutating func add(batch: Batch, outputs: [Float]) {
        guard case .values(let targets, let mask, let width) = batch.targets, width == units else {
            preconditionFailure("the bernoulli metric needs value targets of width \(units)")
        }
        let floor = Double(Float.leastNormalMagnitude)
        for position in 0..<mask.count where mask[position] != 0 {
            for v in 0..<units {
                let p = Double(outputs[position * units + v]), on = targets[position * units + v] != 0
                nats -= on ? log(max(p, floor)) : log(max(1 - p, floor))
                let predicted = p >= 0.5
                if predicted && on { truePositives += 1 } else if predicted { falsePositives += 1 } else if on { falseNegatives += 1 }
            }
            steps += 1
        }
    }

    public var value: Double { steps == 0 ? .nan : nats / Double(steps) }

    public var frameAccuracy: Double {
        let denominator = truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 1 : Double(truePositives) / Double(denominator)
    }

    public var details: [String: Double] { steps == 0 ? [:] : ["frame_accuracy": frameAccuracy] }
}
