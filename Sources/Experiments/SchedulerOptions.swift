// What a sweep's scheduler is asked to do (workers, threads, heartbeats, halving's part,
// fault injection for tests) and what it reports back when it returns.
import Foundation
import ResultsStore

public struct SchedulerOptions: Sendable {
    /// The largest `--jobs`: each job is a worker thread with a model of its own.
    public static let maxJobs = 1024
    /// The largest `--threads-per-run` (and `runner bench --threads`): threads of one run's team.
    public static let maxThreadsPerRun = 256

    /// Number of runs trained at once (one thread each, plus lent cores).
    public var jobs: Int
    /// The most threads one run's training step uses; 1 turns lending off.
    public var threadsPerRun: Int
    /// The cores runs and lent threads share.
    public var cores: Int
    /// For tests: below this much work per thread a phase stays on one thread (nil:
    /// `ThreadTeam`'s default); set, it also lets a thread take a single batch row.
    public var minWorkPerThread: Int?
    /// A run held by a worker whose heartbeat is older than this is taken over.
    public var staleAfter: TimeInterval
    /// How often workers refresh the heartbeats of their runs.
    public var heartbeatInterval: TimeInterval
    /// Stop the sweep at the first failed run (its other running runs are marked interrupted).
    /// A diverged run is a result, not a failure.
    public var failFast = false
    /// Whether this process takes halving decisions. False for a shard of a Slurm chain: a
    /// shard sees only its own runs, so it trains to the next rung and stops there, and the
    /// chain's decision step decides on the merged database.
    public var decidesHalving = true
    /// Longest wait at a rung barrier before looking again (other processes' progress is seen by polling).
    public var barrierPollInterval: TimeInterval = 0.5
    /// Fault injection for tests: called before each epoch is trained with the run's
    /// configuration and the epoch; a non-nil message fails the run there, as a thrown error would.
    public var failureInjection: (@Sendable (RunConfig, Int) -> String?)?

    /// A run whose ``MemoryEstimate`` is above this many bytes is marked failed, not built.
    public var memoryLimit: Int

    public init(jobs: Int, threadsPerRun: Int = 1, cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                staleAfter: TimeInterval = ResultsDatabase.defaultStaleAfter, heartbeatInterval: TimeInterval = 5,
                failFast: Bool = false, memoryLimit: Int = MemoryEstimate.defaultLimit) {
        self.jobs = jobs
        self.threadsPerRun = max(1, threadsPerRun)
        self.cores = max(1, cores)
        self.staleAfter = staleAfter
        self.heartbeatInterval = heartbeatInterval
        self.failFast = failFast
        self.memoryLimit = memoryLimit
    }
}

/// How a sweep (or this process's share of it) ended.
public struct SchedulerSummary: Sendable {
    public var counts: [RunStatus: Int] = [:]
    public var epochsTrained = 0
    public var wallSeconds = 0.0
    /// CPU time spent in database calls, summed over threads.
    public var databaseSeconds = 0.0
    /// CPU time of the whole process (training, lent threads, SQLite) and the cores it had:
    /// coreSeconds / (cores × wallSeconds) is how busy the machine was kept.
    public var coreSeconds = 0.0
    public var cores = 1
    /// Training steps that ran on lent cores.
    public var stepsOnLentCores = 0
    public var cancelled = false
    /// Runs that early stopping ended (counted in `finished` too).
    public var earlyStopped = 0
    /// Halving decisions this process took (configurations ranked), and runs it pruned.
    public var decisionsTaken = 0
    public var runsPruned = 0
    /// Worker-seconds spent waiting at rung barriers for other runs to reach the rung.
    public var barrierIdleSeconds = 0.0
    /// Runs of this process's share left at a rung barrier for another process to decide (shards).
    public var waitingAtBarrier = 0
    /// With `failFast`: the failed run that stopped the sweep, and why.
    public var failedFast: String?

    /// The share of the cores' time this process used, 0...1.
    public var coreUtilisation: Double { coreSeconds / max(Double(cores) * wallSeconds, 1e-9) }
}
