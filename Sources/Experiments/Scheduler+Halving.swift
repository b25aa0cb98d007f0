// The scheduler under successive halving: runs train up to their configuration's next
// undecided rung and wait there; the worker that finds a rung complete decides it in one
// transaction; idle workers take the runs that keep the lowest barrier waiting first.
import Foundation
import ResultsStore

extension Scheduler {
    /// The next run to train under halving, or nil when this process has nothing left: every
    /// run of `hashes` ended, or (a shard, which does not decide) the rest waits at a barrier.
    /// Waits at a barrier while other runs, here or in another process, still train towards it.
    func claimUnderHalving(_ halving: Halving, worker: String, hashes: Set<String>) throws -> ClaimedRun? {
        while !isCancelled {
            writer.sync {}     // this process's queued epochs and releases first: the snapshot must see them
            var snapshot = try timedStoreCall { try database.halvingSnapshot(sweepId: sweepId) }
            if options.decidesHalving, try decideIfReady(halving, snapshot) {
                snapshot = try timedStoreCall { try database.halvingSnapshot(sweepId: sweepId) }
            }
            reportPrunedElsewhere(snapshot)
            let standings = halving.standings(snapshot.decisions)
            var candidates: [(limit: Int, position: Int, hash: String)] = []
            var unfinished = 0
            for (position, run) in snapshot.runs.enumerated() where hashes.contains(run.configHash) && !run.status.isTerminal {
                unfinished += 1
                if let limit = halving.epochLimit(ofRun: run.configHash, standings: standings), run.epochsDone < limit {
                    candidates.append((limit, position, run.configHash))
                }
            }
            // The lowest barrier first: its remaining runs hold every waiting configuration back.
            candidates.sort { ($0.limit, $0.position) < ($1.limit, $1.position) }
            if !candidates.isEmpty, let claimed = try claimHolding(worker: worker, { held in
                try timedStoreCall {
                    try database.claimNextRun(sweepId: sweepId, preference: candidates.map(\.hash), worker: worker,
                                              staleAfter: options.staleAfter, excluding: held)
                }
            }) {
                return claimed
            }
            if unfinished == 0 { return nil }
            // A shard: what is left waits for the chain's decision step.
            if !options.decidesHalving { return nil }
            waitAtBarrier()
        }
        return nil
    }

    /// Blocks until a run here stops training or the poll interval passes; the time counts as idle.
    private func waitAtBarrier() {
        let start = Date()
        barrier.lock()
        _ = barrier.wait(until: start.addingTimeInterval(options.barrierPollInterval))
        barrier.unlock()
        let idle = Date().timeIntervalSince(start)
        locked { summary.barrierIdleSeconds += idle }
    }

    /// Takes every decision `snapshot` allows, in one transaction that re-reads the state under
    /// the write lock (so a decision is written once, whichever process gets there first).
    /// Returns whether anything was written.
    @discardableResult
    func decideIfReady(_ halving: Halving, _ snapshot: HalvingSnapshot) throws -> Bool {
        if halving.decide(snapshot, sweepId: sweepId).isEmpty { return false }
        decisionLock.lock()
        defer { decisionLock.unlock() }
        writer.sync {}     // this process's epochs and releases are in the database first
        // Under the rule the sweep is registered with, or not at all (another process may have
        // registered another rule since this one started).
        let outcome = try timedStoreCall {
            try database.decideHalving(sweepId: sweepId, checkRecorded: {
                try HalvingRuleChanged.check(recordedSpecJSON: $0, given: halving.rule, moment: .deciding)
            }) {
                halving.decide($0, sweepId: self.sweepId)
            }
        }
        locked {
            summary.decisionsTaken += outcome.decisions.count
            summary.runsPruned += outcome.prunings.count
        }
        if let observer, !outcome.prunings.isEmpty {
            let pruned = outcome.prunings.map(\.runId)
            locked { for runId in pruned { waitingAtRung.removeValue(forKey: runId) } }
            writer.async { for runId in pruned { observer.runPruned(runId: runId) } }
        }
        for decided in outcome.decidedRungs {
            progress.message("halving: rung \(decided.rung) (epoch \(decided.epoch)) decided: kept \(decided.kept) of \(decided.ranked) configurations")
        }
        return !outcome.isEmpty
    }

    /// How far a claimed run may train now (its configuration's next undecided rung, or all
    /// epochs), from the decisions in the database at claim time.
    func epochLimit(_ halving: Halving, runHash: String) throws -> Int {
        let decisions = try timedStoreCall { try database.halvingDecisions(sweepId: sweepId) }
        // A pruned configuration's run is marked by the next decision step; train nothing.
        return halving.epochLimit(ofRun: runHash, standings: halving.standings(decisions)) ?? 0
    }

    /// Tells the observer of the runs this process left at a rung that a decision taken by
    /// another process (or, for a shard, by the chain's decision step) pruned there: the
    /// snapshot shows them pruned with no epoch after the one they were left at.
    func reportPrunedElsewhere(_ snapshot: HalvingSnapshot) {
        guard let observer else { return }
        let pruned: [Int64] = locked {
            let ids = snapshot.runs.filter { run in
                run.status == .pruned && waitingAtRung[run.runId].map { $0 == run.epochsDone } == true
            }.map(\.runId)
            for id in ids { waitingAtRung.removeValue(forKey: id) }
            return ids
        }
        if !pruned.isEmpty { writer.async { for runId in pruned { observer.runPruned(runId: runId) } } }
    }

    /// A run that reached its barrier goes back to `pending`; it continues from its checkpoint
    /// when its configuration is kept.
    func releaseAtBarrier(runId: Int64, label: String, worker: String, epoch: Int) {
        locked { waitingAtRung[runId] = epoch }
        write(runId: runId, label: label) { try $0.markRun(runId, status: .pending, worker: worker) }
        progress.runEnded(runId: runId, label: label, status: "at rung", detail: "epoch \(epoch), waits for the rung's decision")
    }
}
