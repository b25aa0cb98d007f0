// Builders of report inputs as plain values, for tests that construct sweeps without a
// database: the store's records with the fields a report reads, the rest left empty.
@testable import Reports
import ResultsStore

extension SweepInfo {
    init(id: Int64, name: String, createdAt: String, task: String, metricName: String,
         metricHigherIsBetter: Bool, baselineLoss: Double?, baselineMetric: Double?,
         baselineTestLoss: Double? = nil, baselineTestMetric: Double? = nil) {
        self.init(SweepRecord(id: id, name: name, specJSON: "", createdAt: createdAt, task: task,
                              metricName: metricName, metricHigherIsBetter: metricHigherIsBetter,
                              baselineLoss: baselineLoss, baselineMetric: baselineMetric,
                              baselineTestLoss: baselineTestLoss, baselineTestMetric: baselineTestMetric))
    }
}

extension SweepRun {
    /// A run of sweep 1 with its parsed `config`; its epochs are given the run's id.
    init(id: Int64, planIndex: Int, config: [String: ConfigValue], cell: String, hidden: Int,
         lr: Double, seed: Int, status: RunStatus, paramCount: Int?, epochsPlanned: Int,
         error: String? = nil, epochs: [EpochRecord], stopEpoch: Int? = nil, prunedRung: Int? = nil) {
        var record = RunRecord(id: id, sweepId: 1, planIndex: planIndex, configHash: "", configJSON: "", task: "",
                               cell: cell, hidden: hidden, lr: lr, seed: seed, status: status,
                               paramCount: paramCount, epochsPlanned: epochsPlanned, error: error)
        record.stopEpoch = stopEpoch
        record.prunedRung = prunedRung
        self.init(record, config: config, epochs: epochs.map { epoch in
            var epoch = epoch
            epoch.runId = id
            return epoch
        })
    }
}
