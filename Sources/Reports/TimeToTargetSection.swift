// Epochs and seconds each cell's runs take to reach a target validation loss: the one given,
// or per configuration the mean best loss of the worse of GRU and LSTM.
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// Per configuration (in the order of `configurations`): the target and each cell's time to it.
    func timeToTarget(_ configurations: [ConfigurationResult]) -> [TimeToTarget] {
        var timeToTarget: [TimeToTarget] = []
        for (key, configuration) in zip(configurationKeys, configurations) {
            let results = configuration.cells
            let contenders = results.filter { $0.cell == "gru" || $0.cell == "lstm" }
            let targetCells = contenders.count == 2 ? contenders : results
            let group = byConfiguration[key]!.filter { $0.run.status == .finished }
            var target = options.targetLoss
            var targetFrom = "flag"
            if target == nil {
                let bestLosses = targetCells.compactMap { result -> (String, Double)? in
                    SummaryStat(group.filter { $0.run.cell == result.cell }.compactMap(\.bestValLoss)).map { (result.cell, $0.mean) }
                }
                guard let worse = bestLosses.max(by: { $0.1 < $1.1 }) else { continue }
                target = worse.1
                targetFrom = worse.0
            }
            let targetLoss = target!
            let cells = results.map { result -> CellTimeToTarget in
                let runs = group.filter { $0.run.cell == result.cell }
                var epochs: [Double] = [], seconds: [Double] = []
                for outcome in runs {
                    var elapsed: Double? = 0
                    for record in outcome.run.epochs {
                        if let spent = record.seconds { elapsed? += spent } else { elapsed = nil }
                        if let loss = record.valLoss, loss.isFinite, loss <= targetLoss {
                            epochs.append(Double(record.epoch))
                            if let elapsed { seconds.append(elapsed) }
                            break
                        }
                    }
                }
                return CellTimeToTarget(cell: result.cell, runs: runs.count, reached: epochs.count,
                                        epochs: SummaryStat(epochs), seconds: SummaryStat(seconds))
            }
            timeToTarget.append(TimeToTarget(configuration: configuration.label, targetLoss: targetLoss,
                                             targetFrom: targetFrom, cells: cells))
        }
        return timeToTarget
    }
}
