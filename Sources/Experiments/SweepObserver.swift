// What a sweep tells an observer (the TensorBoard writer) about its runs. Every call
// is made on the scheduler's database-writer queue, one at a time, after the database
// write it reports has succeeded: an observer sees exactly what the database holds,
// in order, and needs no lock of its own.
import ResultsStore

public protocol SweepObserver: AnyObject, Sendable {
    /// A run was claimed by this process and is about to train (or resume).
    func runStarted(_ run: RunRecord, config: RunConfig)
    /// An epoch of `run` was recorded.
    func epochRecorded(_ epoch: EpochRecord, run: RunRecord)
    /// `run` ended with a terminal status (finished, diverged, failed) or was interrupted.
    func runEnded(_ run: RunRecord, status: RunStatus)
    /// A halving decision pruned the run with this id at its rung: a decision this process
    /// took, or one another process took on a run this process trained up to that rung
    /// (seen when this process next reads the sweep's state). The run is not training here.
    func runPruned(runId: Int64)
}
