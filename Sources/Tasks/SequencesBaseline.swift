// The trivial predictors of the `sequences` task's heads, scored on validation:
// per-unit training frequencies (bernoulli), the majority class (softmax), the
// training mean (mse).
import Foundation
import SequenceModels

enum SequencesBaseline {
    /// The targeted (step or sequence) target rows of a split, in data order.
    static func targetRows(_ split: SequenceSplit, width: Int, classes: Bool) -> [Int] {
        var rows: [Int] = []
        for n in 0..<split.count {
            if split.perSequence { rows.append(n); continue }
            for t in 0..<split.lengths[n] {
                let row = n * split.steps + t
                if !classes || split.classes[row] >= 0 { rows.append(row) }
            }
        }
        return rows
    }

    /// The baseline fitted on `train` and scored on `validation` (or on any held-out split passed there).
    static func compute(head: SequenceHead, train: SequenceSplit, validation: SequenceSplit, width: Int) -> TaskBaseline {
        switch head {
        case .softmax:
            // Loss: training class frequencies (add-one smoothed) on validation; metric: the
            // accuracy of always predicting the most frequent training class.
            let trainLabels = targetRows(train, width: 1, classes: true).map { Int(train.classes[$0]) }
            let valLabels = targetRows(validation, width: 1, classes: true).map { Int(validation.classes[$0]) }
            // Counts of the labels seen only: "classes" may be far more than the data holds.
            var counts = [Int: Int]()
            for label in trainLabels { counts[label, default: 0] += 1 }
            let majority = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0   // ties: the lowest class
            let accuracy = valLabels.isEmpty ? .nan : Double(valLabels.filter { $0 == majority }.count) / Double(valLabels.count)
            let nats = unigramCrossEntropy(train: [trainLabels], validation: [valLabels], classes: width)
            return TaskBaseline(loss: nats, metric: accuracy,
                                explanation: "loss: training class frequencies (add-one smoothed); metric: always the majority class \(majority)")
        case .bernoulli:
            // p_v = (ones_v + 1) / (steps + 2) over the training steps; NLL per validation step.
            let trainRows = targetRows(train, width: width, classes: false)
            var ones = [Double](repeating: 0, count: width)
            for row in trainRows { for v in 0..<width where train.values[row * width + v] != 0 { ones[v] += 1 } }
            let p = ones.map { ($0 + 1) / (Double(trainRows.count) + 2) }
            let valRows = targetRows(validation, width: width, classes: false)
            var nats = 0.0
            for row in valRows {
                for v in 0..<width { nats -= validation.values[row * width + v] != 0 ? log(p[v]) : log(1 - p[v]) }
            }
            let perStep = nats / Double(max(valRows.count, 1))
            return TaskBaseline(loss: perStep, metric: perStep,
                                explanation: "each unit on with its training frequency (add-one smoothed)")
        case .mse:
            let trainRows = targetRows(train, width: width, classes: false)
            var mean = [Double](repeating: 0, count: width)
            for row in trainRows { for v in 0..<width { mean[v] += Double(train.values[row * width + v]) } }
            mean = mean.map { $0 / Double(max(trainRows.count, 1)) }
            let valRows = targetRows(validation, width: width, classes: false)
            var squared = 0.0
            for row in valRows {
                for v in 0..<width { let d = Double(validation.values[row * width + v]) - mean[v]; squared += d * d }
            }
            let mse = squared / Double(max(valRows.count * width, 1))
            return TaskBaseline(loss: mse, metric: mse, explanation: "always the training mean of each output")
        }
    }
}
