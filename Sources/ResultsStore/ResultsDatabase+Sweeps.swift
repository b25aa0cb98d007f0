// Sweep operations of the results database: create or get a sweep by name, start it
// afresh, find the latest one.
import Foundation
import GRDB

/// What the scheduler knows about a sweep before it runs: everything in `sweeps` but the id and time.
public struct SweepDescription: Sendable, Equatable {
    public var name: String
    public var specJSON: String
    public var task: String
    public var metricName: String
    public var metricHigherIsBetter: Bool
    public var baselineLoss: Double?
    public var baselineMetric: Double?
    public var baselineTestLoss: Double?
    public var baselineTestMetric: Double?

    /// "task adding (metric mse, lower is better)": what a sweep's runs measure, as errors show it.
    static func taskSummary(task: String, metric: String, higherIsBetter: Bool) -> String {
        "task \(task) (metric \(metric), \(higherIsBetter ? "higher" : "lower") is better)"
    }

    public init(name: String, specJSON: String, task: String, metricName: String, metricHigherIsBetter: Bool,
                baselineLoss: Double? = nil, baselineMetric: Double? = nil,
                baselineTestLoss: Double? = nil, baselineTestMetric: Double? = nil) {
        self.name = name
        self.specJSON = specJSON
        self.task = task
        self.metricName = metricName
        self.metricHigherIsBetter = metricHigherIsBetter
        self.baselineLoss = baselineLoss
        self.baselineMetric = baselineMetric
        self.baselineTestLoss = baselineTestLoss
        self.baselineTestMetric = baselineTestMetric
    }
}

extension ResultsDatabase {
    /// Returns the sweep named `description.name`, creating it if needed.
    ///
    /// An existing sweep keeps its id, runs and `created_at`; its spec, task, metric and
    /// baselines are replaced by `description` (a spec may grow between runs of a sweep).
    /// With `fresh`, the sweep's runs, epochs, checkpoints and halving decisions are deleted first and
    /// `created_at` is reset, so the sweep starts anew.
    ///
    /// Throws ``ResultsStoreError/sweepTaskChanged(name:recorded:given:)`` (and changes nothing)
    /// when the sweep has runs of another task or metric than `description`'s, unless `fresh`:
    /// its reports would otherwise read those runs' values as the new metric. `checkRecorded`,
    /// unless `fresh`, is given the recorded spec of an existing sweep and whether it has halving
    /// decisions, inside the same transaction, before anything is written: what it throws
    /// leaves the database as it was.
    public func createOrGetSweep(_ description: SweepDescription, fresh: Bool = false, now: Date = Date(),
                                 checkRecorded: ((_ specJSON: String, _ hasHalvingDecisions: Bool) throws -> Void)? = nil) throws -> SweepRecord {
        try immediateWrite { db in
            if var sweep = try SweepRecord.filter(SweepRecord.Columns.name == description.name).fetchOne(db) {
                if !fresh, let checkRecorded {
                    let decided = try HalvingDecisionRecord.filter(Column("sweep_id") == sweep.id!).fetchCount(db) > 0
                    try checkRecorded(sweep.specJSON, decided)
                }
                let recorded = SweepDescription.taskSummary(task: sweep.task, metric: sweep.metricName, higherIsBetter: sweep.metricHigherIsBetter)
                let given = SweepDescription.taskSummary(task: description.task, metric: description.metricName,
                                                         higherIsBetter: description.metricHigherIsBetter)
                if !fresh, recorded != given,
                   try RunRecord.filter(RunRecord.Columns.sweepId == sweep.id!).fetchCount(db) > 0 {
                    throw ResultsStoreError.sweepTaskChanged(name: description.name, recorded: recorded, given: given)
                }
                sweep.specJSON = description.specJSON
                sweep.task = description.task
                sweep.metricName = description.metricName
                sweep.metricHigherIsBetter = description.metricHigherIsBetter
                sweep.baselineLoss = description.baselineLoss
                sweep.baselineMetric = description.baselineMetric
                sweep.baselineTestLoss = description.baselineTestLoss
                sweep.baselineTestMetric = description.baselineTestMetric
                if fresh {
                    try Self.deleteRuns(db, ofSweep: sweep.id!)
                    sweep.createdAt = ResultsDatabase.timestamp(now)
                }
                try sweep.update(db)
                return sweep
            }
            var sweep = SweepRecord(name: description.name, specJSON: description.specJSON,
                                    createdAt: ResultsDatabase.timestamp(now), task: description.task,
                                    metricName: description.metricName,
                                    metricHigherIsBetter: description.metricHigherIsBetter,
                                    baselineLoss: description.baselineLoss, baselineMetric: description.baselineMetric,
                                    baselineTestLoss: description.baselineTestLoss, baselineTestMetric: description.baselineTestMetric)
            try sweep.insert(db)
            return sweep
        }
    }

    /// Deletes all runs of a sweep (`--fresh`) and returns how many; epochs and checkpoints
    /// go with their runs (`ON DELETE CASCADE`), and the sweep's halving decisions go too (the
    /// sweep row stays, so its cascade does not take them): a fresh sweep decides its rungs anew.
    @discardableResult
    static func deleteRuns(_ db: Database, ofSweep sweepId: Int64) throws -> Int {
        try HalvingDecisionRecord.filter(Column("sweep_id") == sweepId).deleteAll(db)
        return try RunRecord.filter(RunRecord.Columns.sweepId == sweepId).deleteAll(db)
    }

    /// The sweep with this name, or nil.
    public func sweep(named name: String) throws -> SweepRecord? {
        try reader.read { db in try SweepRecord.filter(SweepRecord.Columns.name == name).fetchOne(db) }
    }

    /// The most recently created (or `--fresh`ly restarted) sweep, or nil in an empty database.
    public func latestSweep() throws -> SweepRecord? {
        try reader.read { db in try Self.latestSweep(db) }
    }

    static func latestSweep(_ db: Database) throws -> SweepRecord? {
        try SweepRecord.order(SweepRecord.Columns.createdAt.desc, SweepRecord.Columns.id.desc).fetchOne(db)
    }

    /// All sweeps, oldest first.
    public func sweeps() throws -> [SweepRecord] {
        try reader.read { db in
            try SweepRecord.order(SweepRecord.Columns.createdAt, SweepRecord.Columns.id).fetchAll(db)
        }
    }
}
