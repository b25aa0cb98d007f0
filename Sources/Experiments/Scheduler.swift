// The scheduler: fans the runs of a plan out over `jobs` workers on a Dispatch
// concurrent queue. Each worker claims a run in a database transaction, builds
// its own Trainer (model, optimiser, data iterator) and records every epoch
// with its checkpoint. Cores no run holds are lent to running runs step by step
// (CoreLending.swift), up to `threadsPerRun` threads a run. Several processes may
// share one database: claims are transactional, heartbeats show who is alive,
// dead holders are taken over.

import Foundation
import JSON
import ResultsStore
import SequenceModels
import Tasks

public final class Scheduler: @unchecked Sendable {
    public let sweepId: Int64
    public let entries: [PlanEntry]
    public let task: any SequenceTask
    public let database: ResultsDatabase
    public let options: SchedulerOptions
    public let progress: ProgressSink
    /// Told of runs and epochs after they are written (see ``SweepObserver``).
    public let observer: SweepObserver?
    /// This process's worker names are "<host>:<pid>:<n>".
    public let workerPrefix: String
    /// The sweep's successive halving (nil: every run trains all its epochs).
    public let halving: Halving?

    private let lock = NSLock()
    private var cancelled = false
    private var active: [Int64: (worker: String, lost: Bool)] = [:]
    var summary = SchedulerSummary()
    private var workerErrors: [Error] = []
    /// Runs one of whose writes failed (a full disk, say): their later writes are dropped, so
    /// the database never holds a later epoch, or a final status, without the epochs before it.
    private var runsWithFailedWrites: Set<Int64> = []
    /// Signalled whenever a run stops training here, so that workers waiting at a rung barrier look again.
    let barrier = NSCondition()
    /// One halving decision attempt at a time in this process.
    let decisionLock = NSLock()
    /// One claim at a time in this process (see ``claimHolding(worker:_:)``).
    private let claimLock = NSLock()
    /// Runs this process trained up to a rung and left there, with the epoch they stopped at:
    /// when a decision prunes one of them at that epoch, whichever process took it, the
    /// observer is told (guarded by `lock`).
    var waitingAtRung: [Int64: Int] = [:]
    /// Epoch records, checkpoints and final statuses are written here, in order, off
    /// the training threads: a worker goes on with its next epoch while SQLite writes.
    /// A process killed before a write loses at most that epoch, which a rerun
    /// recomputes with the same bits.
    let writer = DispatchQueue(label: "runner.database-writer")
    private let entryByHash: [String: PlanEntry]
    private let lender: CoreLender

    public init(sweepId: Int64, entries: [PlanEntry], task: any SequenceTask, database: ResultsDatabase,
                options: SchedulerOptions, progress: ProgressSink, observer: SweepObserver? = nil, halving: Halving? = nil) {
        self.halving = halving
        self.sweepId = sweepId
        self.entries = entries
        self.task = task
        self.database = database
        self.options = options
        self.progress = progress
        self.observer = observer
        self.workerPrefix = "\(Scheduler.hostName):\(getpid())"
        self.entryByHash = Dictionary(entries.map { ($0.configHash, $0) }, uniquingKeysWith: { a, _ in a })
        self.lender = CoreLender(cores: options.cores)
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    /// Asks workers to stop: running epochs are dropped between batches and their runs marked interrupted.
    public func cancel() { locked { cancelled = true } }
    public var isCancelled: Bool { locked { cancelled } }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    /// Times a database call into the summary: the CPU time of this thread inside
    /// the call (SQLite's own cost), so that waiting for a core the training
    /// threads hold is not counted as time in SQLite.
    func timedStoreCall<T>(_ body: () throws -> T) rethrows -> T {
        let start = threadCPUSeconds()
        defer {
            let s = threadCPUSeconds() - start
            locked { summary.databaseSeconds += s }
        }
        return try body()
    }

    /// Runs left 'running' by a process of this host that no longer exists
    /// (killed) are marked interrupted at once, without waiting for their heartbeat to go stale.
    func releaseRunsOfDeadLocalProcesses() throws {
        let host = Scheduler.hostName
        for run in try database.runs(sweepId: sweepId, status: .running) {
            guard let worker = run.worker else { continue }
            let parts = worker.split(separator: ":")
            guard parts.count == 3, parts[0] == host, let pid = Int32(parts[1]) else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try database.markRun(run.id!, status: .interrupted, error: nil)
            }
        }
    }

    /// Trains every claimable run of `entries` and returns when none is left (or on cancel).
    public func run() throws -> SchedulerSummary {
        let start = Date(), startCPU = processCPUSeconds()
        try releaseRunsOfDeadLocalProcesses()
        let hashes = entries.configHashes
        // With halving, the most epochs the schedule can train (for a shard, an estimate from its own runs).
        let totalEpochs = halving.map { h in
            HalvingSchedule(halving: h, configurations: h.configurations.map { $0.runs.filter(hashes.contains).count }.filter { $0 > 0 }).epochs
        } ?? entries.reduce(0) { $0 + $1.config.epochs }
        let existing = try database.runs(sweepId: sweepId).filter { hashes.contains($0.configHash) }
        let doneEpochs = try database.epochCounts(sweepId: sweepId).filter { hashes.contains($0.key) }.values.reduce(0, +)
        let remaining = existing.filter { !$0.status.isTerminal }.count
        progress.sweepStarted(totalEpochs: totalEpochs, doneEpochs: doneEpochs, runs: remaining)

        let heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "runner.heartbeat"))
        heartbeat.schedule(deadline: .now() + options.heartbeatInterval, repeating: options.heartbeatInterval)
        heartbeat.setEventHandler { [weak self] in self?.beat() }
        heartbeat.resume()
        defer { heartbeat.cancel() }

        let queue = DispatchQueue(label: "runner.workers", attributes: .concurrent)
        let group = DispatchGroup()
        for n in 0..<max(1, options.jobs) {
            queue.async(group: group) {
                do { try self.workerLoop(worker: "\(self.workerPrefix):\(n)", hashes: hashes) }
                catch { self.locked { self.workerErrors.append(error) } }
            }
        }
        group.wait()
        writer.sync {}      // every queued write is done
        if halving != nil && !options.decidesHalving {
            let waiting = try database.runs(sweepId: sweepId).filter { hashes.contains($0.configHash) && !$0.status.isTerminal }.count
            locked { summary.waitingAtBarrier = waiting }
        }
        progress.sweepEnded()
        if let first = locked({ workerErrors.first }) { throw first }
        return locked {
            summary.wallSeconds = Date().timeIntervalSince(start)
            summary.coreSeconds = processCPUSeconds() - startCPU
            summary.cores = options.cores
            summary.stepsOnLentCores = lender.stepsOnLentCores
            summary.cancelled = cancelled
            return summary
        }
    }

    private func beat() {
        let held = locked { active }
        for (runId, holder) in held where !holder.lost {
            do { try database.heartbeat(runId: runId, worker: holder.worker) }
            catch ResultsStoreError.runNotOwned {
                // Taken over by another process: stop training it (unless the run has meanwhile
                // been released here and claimed again, by another worker of this process).
                locked { if active[runId]?.worker == holder.worker { active[runId]?.lost = true } }
            } catch {
                progress.message("heartbeat of run \(runId) failed: \(error)")
            }
        }
    }

    /// Queues a write of a run's results on the writer. A run taken over by another
    /// process (its heartbeat went stale) stops being trained here; other errors end the sweep,
    /// and the run's later writes are dropped: it stays as its last successful write left it
    /// (running, so the next sweep resumes it from its last recorded epoch).
    /// `then` runs after a successful write (outside the time counted as SQLite's).
    func write(runId: Int64, label: String, _ body: @escaping (ResultsDatabase) throws -> Void,
                       then: ((SweepObserver) -> Void)? = nil) {
        writer.async {
            if self.locked({ self.runsWithFailedWrites.contains(runId) }) { return }
            do {
                try self.timedStoreCall { try body(self.database) }
                if let observer = self.observer { then?(observer) }
            } catch ResultsStoreError.runNotOwned(_, _, let owner) {
                self.locked { self.active[runId]?.lost = true }
                self.progress.runEnded(runId: runId, label: label, status: "taken over", detail: owner.map { "by \($0)" })
            } catch {
                self.locked {
                    self.runsWithFailedWrites.insert(runId)
                    self.workerErrors.append(ResultsWriteError(runId: runId, label: label, databasePath: self.database.path, underlying: error))
                }
                self.cancel()
            }
        }
    }

    private func count(_ status: RunStatus) { locked { summary.counts[status, default: 0] += 1 } }

    /// Claims a run with `claim`, given the runs this process holds (training, or with writes
    /// still queued: never claimed again here), and holds the claimed run. One claim at a time
    /// in this process, so that two workers cannot both take a run between another's claim
    /// and its hold (SQLite serialises the claims' transactions anyway).
    func claimHolding(worker: String, _ claim: (Set<Int64>) throws -> ClaimedRun?) rethrows -> ClaimedRun? {
        claimLock.lock()
        defer { claimLock.unlock() }
        guard let claimed = try claim(locked { Set(active.keys) }) else { return nil }
        locked { active[claimed.run.id!] = (worker, false) }
        return claimed
    }

    private func workerLoop(worker: String, hashes: Set<String>) throws {
        while !isCancelled {
            let claimed: ClaimedRun
            if let halving {
                guard let next = try claimUnderHalving(halving, worker: worker, hashes: hashes) else { return }
                claimed = next
            } else {
                guard let next = try claimHolding(worker: worker, { held in
                    try timedStoreCall { try database.claimNextRun(sweepId: sweepId, configHashes: hashes, worker: worker,
                                                                   staleAfter: options.staleAfter, excluding: held) }
                }) else { return }
                claimed = next
            }
            let runId = claimed.run.id!
            defer {
                // Held (and heartbeating) until its last queued write is in the database: until
                // then the database still shows it running, and neither this process nor
                // another may take it for a stale run.
                writer.async {
                    _ = self.locked { self.active.removeValue(forKey: runId) }
                    self.barrier.broadcast()
                }
            }
            try train(claimed, worker: worker)
        }
    }

    /// A failed run: counted, and with `failFast` the sweep stops.
    private func failed(runId: Int64, label: String, because error: String) {
        progress.runEnded(runId: runId, label: label, status: "failed", detail: error)
        count(.failed)
        if options.failFast {
            locked { if summary.failedFast == nil { summary.failedFast = "run \(runId) (\(label)): \(error)" } }
            cancel()
        }
    }

    /// A run its early-stopping rule ended after `epoch`, before its last: finished, with the
    /// rule's reason as `runs.stop_reason`.
    private func finishEarlyStopped(_ claimed: ClaimedRun, label name: String, worker: String, epoch: Int, reason: String) {
        let runId = claimed.run.id!
        write(runId: runId, label: name, { try $0.markRun(runId, status: .finished, worker: worker, stopEpoch: epoch, stopReason: reason) },
              then: { $0.runEnded(claimed.run, status: .finished) })
        progress.runEnded(runId: runId, label: name, status: "finished", detail: "early stop at epoch \(epoch)")
        count(.finished)
        locked { summary.earlyStopped += 1 }
    }

    /// `gru h=64 lr=0.003 seed=1`, then what else sets the run apart (``RunConfig/settingsText``).
    private func label(_ c: RunConfig) -> String {
        let base = "\(c.cell.rawValue) h=\(c.hidden) lr=\(String(format: "%g", c.lr)) seed=\(c.seed)"
        let settings = c.settingsText
        return settings.isEmpty ? base : base + " " + settings
    }

    /// Trains one claimed run to its last epoch, or until it diverges, fails or is cancelled.
    private func train(_ claimed: ClaimedRun, worker: String) throws {
        let runId = claimed.run.id!
        guard let entry = entryByHash[claimed.run.configHash] else {
            try timedStoreCall { try database.markRun(runId, status: .failed, error: "configuration not in the current plan", worker: worker) }
            count(.failed)
            return
        }
        let config = entry.config
        let name = label(config)
        if let refusal = MemoryEstimate(config: config, task: task).runRefusal(limit: options.memoryLimit) {
            // Building the model would abort the process; the rest of the sweep goes on.
            let why = "run \(runId) (\(config.label)) \(refusal)"
            try timedStoreCall { try database.markRun(runId, status: .failed, error: why, worker: worker) }
            progress.runEnded(runId: runId, label: name, status: "failed", detail: why)
            count(.failed)
            return
        }
        let trainer = Trainer(config: config, task: task, threads: options.threadsPerRun)
        if options.threadsPerRun > 1 { trainer.threadBudget = lender.budget() }
        if let work = options.minWorkPerThread {
            trainer.model.team.minWorkPerThread = work
            trainer.model.team.minRecurrenceRows = 1
        }
        lender.runStarted()
        defer { lender.runEnded() }
        var earlyStopping = config.earlyStop.map { EarlyStopping(rule: $0, metricHigherIsBetter: task.metricHigherIsBetter) }
        let limit: Int
        do {
            if claimed.run.paramCount == nil {
                try timedStoreCall { try database.setParamCount(runId: runId, paramCount: trainer.model.parameters.count) }
            }
            if claimed.lastCompletedEpoch > 0 {
                guard let record = try timedStoreCall({ try database.loadCheckpoint(runId: runId) }), record.epoch == claimed.lastCompletedEpoch else {
                    throw Checkpoint.DecodeError(reason: "run \(runId) has \(claimed.lastCompletedEpoch) epochs but no matching checkpoint")
                }
                try trainer.restore(try Checkpoint(decoding: record.state))
                if earlyStopping != nil {
                    // The stopping rule's state is a function of the recorded epochs: replay them.
                    for epoch in try timedStoreCall({ try database.epochs(runId: runId) }) {
                        _ = earlyStopping!.observe(epoch: epoch.epoch, valLoss: epoch.valLoss, valMetric: epoch.valMetric)
                    }
                }
            }
            limit = try halving.map { try epochLimit($0, runHash: entry.configHash) } ?? config.epochs
        } catch {
            try timedStoreCall { try database.markRun(runId, status: .failed, error: "\(error)", worker: worker) }
            if let observer { writer.async { observer.runStarted(claimed.run, config: config); observer.runEnded(claimed.run, status: .failed) } }
            failed(runId: runId, label: name, because: "\(error)")
            return
        }
        if let stopping = earlyStopping, stopping.shouldStop, trainer.completedEpochs < config.epochs {
            // Killed after recording the stopping epoch, before marking the run: finish it now.
            finishEarlyStopped(claimed, label: name, worker: worker, epoch: trainer.completedEpochs, reason: stopping.reason)
            return
        }
        if trainer.completedEpochs >= config.epochs {
            // Killed after recording its last epoch, before marking the run: finish it now
            // (not "at a rung barrier": it has no epoch left to wait for). The event files get
            // the epochs they lack and the session's end, as for any resumed run.
            if let observer { writer.async { observer.runStarted(claimed.run, config: config) } }
            finish(claimed, label: name, worker: worker)
            return
        }
        if trainer.completedEpochs >= limit {
            releaseAtBarrier(runId: runId, label: name, worker: worker, epoch: trainer.completedEpochs)
            return
        }
        progress.runStarted(runId: runId, label: name, fromEpoch: trainer.completedEpochs + 1, epochs: config.epochs)
        if let observer { writer.async { observer.runStarted(claimed.run, config: config) } }

        while trainer.completedEpochs < limit {
            if let message = options.failureInjection?(config, trainer.completedEpochs + 1) {
                write(runId: runId, label: name) { try $0.markRun(runId, status: .failed, error: message, worker: worker) }
                failed(runId: runId, label: name, because: message)
                return
            }
            let outcome = trainer.trainEpoch(isCancelled: { self.isCancelled || self.locked { self.active[runId]?.lost ?? false } })
            switch outcome {
            case .completed(let r):
                let record = EpochRecord(runId: runId, epoch: r.epoch, trainLoss: r.trainLoss, valLoss: r.valLoss,
                                         valMetric: r.valMetric.isFinite ? r.valMetric : nil, gradNorm: r.gradNorm,
                                         seconds: r.seconds, tokensPerSecond: r.tokensPerSecond,
                                         valDetails: detailsJSON(r.valDetails),
                                         testLoss: r.testLoss.flatMap { $0.isFinite ? $0 : nil },
                                         testMetric: r.testMetric.flatMap { $0.isFinite ? $0 : nil }, lr: r.lr)
                let state = try trainer.checkpoint().encoded()
                write(runId: runId, label: name, { try $0.recordEpoch(record, checkpoint: state, worker: worker) },
                      then: { $0.epochRecorded(record, run: claimed.run) })
                locked { summary.epochsTrained += 1 }
                progress.epochFinished(runId: runId, label: name, result: r, epochs: config.epochs)
                // A stop at the last epoch is no early stop: the run finishes as planned below.
                if earlyStopping?.observe(epoch: r.epoch, valLoss: r.valLoss, valMetric: record.valMetric) == true,
                   r.epoch < config.epochs {
                    finishEarlyStopped(claimed, label: name, worker: worker, epoch: r.epoch, reason: earlyStopping!.reason)
                    return
                }
            case .diverged(let epoch, let step, let loss):
                let why = "loss became \(loss) at epoch \(epoch), step \(step)"
                write(runId: runId, label: name, { try $0.markRun(runId, status: .diverged, error: why, worker: worker) },
                      then: { $0.runEnded(claimed.run, status: .diverged) })
                progress.runEnded(runId: runId, label: name, status: "diverged", detail: why)
                count(.diverged)
                return
            case .cancelled:
                if locked({ active[runId]?.lost ?? false }) {
                    progress.runEnded(runId: runId, label: name, status: "taken over", detail: nil)
                    return
                }
                write(runId: runId, label: name, { try $0.markRun(runId, status: .interrupted, error: nil, worker: worker) },
                      then: { $0.runEnded(claimed.run, status: .interrupted) })
                progress.runEnded(runId: runId, label: name, status: "interrupted", detail: "at epoch \(trainer.completedEpochs + 1)")
                count(.interrupted)
                return
            }
        }
        if trainer.completedEpochs < config.epochs {
            releaseAtBarrier(runId: runId, label: name, worker: worker, epoch: trainer.completedEpochs)
            return
        }
        finish(claimed, label: name, worker: worker)
    }

    /// A run that has recorded all its epochs: finished.
    private func finish(_ claimed: ClaimedRun, label name: String, worker: String) {
        let runId = claimed.run.id!
        write(runId: runId, label: name, { try $0.markRun(runId, status: .finished, error: nil, worker: worker) },
              then: { $0.runEnded(claimed.run, status: .finished) })
        progress.runEnded(runId: runId, label: name, status: "finished", detail: nil)
        count(.finished)
    }
}

/// CPU time consumed by the calling thread, in seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Secondary metrics as canonical JSON (`epochs.val_details`; nil when there are none;
/// non-finite values become null).
func detailsJSON(_ details: [String: Double]) -> String? {
    guard !details.isEmpty else { return nil }
    return canonicalJSON(.object(details.mapValues { $0.isFinite ? .number($0) : .null }))
}

/// A write of a run's results that failed (a full disk, a lost file): names the run and the
/// database; the run keeps what was recorded before, and the next sweep resumes it from there.
public struct ResultsWriteError: Error, CustomStringConvertible {
    public let runId: Int64
    public let label: String
    public let databasePath: String
    public let underlying: Error

    public var description: String {
        "could not record run \(runId) (\(label)) in \(databasePath): \(underlying); "
            + "its epochs recorded before stay, and the next sweep resumes it from the last one"
    }
}
