// Cores for the runs of a sweep: each running run holds one core (its worker
// thread); the cores no run holds are lent, step by step, to running runs, so
// a sweep's tail, a one-run sweep or --jobs below the core count still uses the
// whole machine. A lent core is given back at the end of the training step that
// used it, so a run that starts later finds its core free within one step.
// Lending changes only how many threads a step runs on, never its numbers (the
// model's partitioning gives the same bits on any number of threads).

import Foundation
import SequenceModels

/// Asked before each training step for the threads it may use, told when it is done.
public protocol ThreadBudget: AnyObject, Sendable {
    /// Threads for the next step, 1...limit.
    func acquire(upTo limit: Int) -> Int
    /// Ends a step that `acquire` gave `threads` threads.
    func release(_ threads: Int)
}

public final class CoreLender: @unchecked Sendable {
    /// The cores of the machine (or the share this process may use).
    public let cores: Int
    private let lock = NSLock()
    private var running = 0, lent = 0
    private var lentSteps = 0

    public init(cores: Int) { self.cores = max(1, cores) }

    /// A run starts or ends: it holds its own core while it trains.
    public func runStarted() { lock.lock(); running += 1; lock.unlock() }
    public func runEnded() { lock.lock(); running -= 1; lock.unlock() }

    /// Training steps that ran on lent cores so far.
    public var stepsOnLentCores: Int { lock.lock(); defer { lock.unlock() }; return lentSteps }

    fileprivate func borrow(upTo extra: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        let k = max(0, min(extra, cores - running - lent))
        lent += k
        if k > 0 { lentSteps += 1 }
        return k
    }

    fileprivate func giveBack(_ k: Int) {
        guard k > 0 else { return }
        lock.lock(); lent -= k; lock.unlock()
    }

    /// The budget of one running run.
    public func budget() -> ThreadBudget { RunBudget(lender: self) }
}

private final class RunBudget: ThreadBudget, @unchecked Sendable {
    let lender: CoreLender
    init(lender: CoreLender) { self.lender = lender }
    func acquire(upTo limit: Int) -> Int { 1 + lender.borrow(upTo: limit - 1) }
    func release(_ threads: Int) { lender.giveBack(threads - 1) }
}

/// CPU time (user + system) this process has used so far, over all its threads, in seconds.
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
