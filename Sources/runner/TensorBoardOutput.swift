// `--tensorboard DIR` of `runner sweep` and `runner export`: TensorBoard event files of
// a sweep, written live as epochs are recorded (the sweep's observer) or afterwards
// from a database, the same files either way.
import ArgumentParser
import Experiments
import Foundation
import ResultsStore
import TensorBoard

/// A sweep's event files. Used live as the scheduler's observer (every call comes on its
/// writer queue, one at a time) and by `runner export`.
final class TensorBoardSweepLog: SweepObserver, @unchecked Sendable {
    let directory: LogDirectory
    let layout: TensorBoardLayout
    /// Where a resumed run's earlier epochs are read from (live sweeps only).
    private let database: ResultsDatabase?
    private let report: (String) -> Void
    private var logs: [Int64: RunLog] = [:]
    private var stopped = false

    init(directory: LogDirectory, layout: TensorBoardLayout, database: ResultsDatabase? = nil, report: @escaping (String) -> Void) {
        self.directory = directory
        self.layout = layout
        self.database = database
        self.report = report
    }

    /// The experiment lists the test metrics when the sweep's task has a test split (its
    /// trivial baseline has a test loss).
    func writeExperiment(of sweep: SweepRecord) throws {
        try directory.writeExperiment(layout.experiment(createdAt: TensorBoardSweepLog.seconds(sweep.createdAt) ?? Date().timeIntervalSince1970,
                                                        hasTestSplit: sweep.baselineTestLoss != nil))
    }

    private func scalars(_ epoch: EpochRecord) -> [(tag: String, value: Double)] {
        layout.scalars(epoch, learningRate: epoch.lr, testLoss: epoch.testLoss, testMetric: epoch.testMetric)
    }

    /// A failed write stops the event files for the rest of the sweep (training goes on;
    /// `runner export --tensorboard` writes what is missing afterwards).
    private func perform(_ body: () throws -> Void) {
        guard !stopped else { return }
        do { try body() } catch {
            stopped = true
            report("tensorboard: \(error); no more event files in this sweep (`runner export --tensorboard` adds what is missing)")
        }
    }

    func runStarted(_ run: RunRecord, config: RunConfig) {
        perform {
            let log = try directory.runLog(named: layout.runName(config))
            logs[run.id!] = log
            let now = Date().timeIntervalSince1970
            try log.writeSessionStart(hparams: layout.hparams(config), startTime: now)
            // A process killed between an epoch's database write and its event leaves the
            // event out: a resumed run first writes its recorded epochs the folder lacks.
            for epoch in try database?.epochs(runId: run.id!) ?? [] where Int64(epoch.epoch) > log.lastStep {
                try log.writeScalars(step: Int64(epoch.epoch), wallTime: now, values: scalars(epoch))
            }
        }
    }

    func epochRecorded(_ epoch: EpochRecord, run: RunRecord) {
        perform {
            guard let log = logs[run.id!] else { return }
            try log.writeScalars(step: Int64(epoch.epoch), wallTime: Date().timeIntervalSince1970, values: scalars(epoch))
        }
    }

    func runEnded(_ run: RunRecord, status: RunStatus) {
        perform {
            guard let log = logs.removeValue(forKey: run.id!) else { return }
            defer { log.close() }
            if let ending = TensorBoardSweepLog.sessionStatus(status) {
                try log.writeSessionEnd(status: ending, endTime: Date().timeIntervalSince1970)
            }
        }
    }

    func runPruned(runId: Int64) {
        perform {
            // Open here when this process trained the run up to its rung (whoever decided);
            // a run no live process holds open (its trainer was killed, or a Slurm shard that
            // has ended) gets its session's end from `runner export --tensorboard`.
            guard let log = logs.removeValue(forKey: runId) else { return }
            defer { log.close() }
            try log.writeSessionEnd(status: TensorBoardSweepLog.sessionStatus(.pruned) ?? .success,
                                    endTime: Date().timeIntervalSince1970)
        }
    }

    /// Finished runs end in success, diverged and failed ones in failure; other runs have no
    /// end yet (the dashboard shows their status as unknown).
    static func sessionStatus(_ status: RunStatus) -> SessionStatus? {
        switch status {
        case .finished: return .success
        case .diverged, .failed: return .failure
        // A pruned run ended by the sweep's decision, not by a fault of its own.
        case .pruned: return .success
        case .pending, .running, .interrupted: return nil
        }
    }

    /// Writes every run of the sweep from the database: the session, the epochs after those
    /// already in each run folder, the end of ended runs. Wall times are rebuilt from each
    /// run's start and its epochs' durations. Returns (runs, epochs written).
    func export(from database: ResultsDatabase, sweep: SweepRecord) throws -> (runs: Int, epochs: Int) {
        let sweepCreated = TensorBoardSweepLog.seconds(sweep.createdAt) ?? 0
        try writeExperiment(of: sweep)
        let epochsByRun = Dictionary(grouping: try database.epochs(ofSweep: sweep.id!), by: \.runId)
        var written = 0
        let runs = try database.runs(sweepId: sweep.id!).sorted { $0.planIndex < $1.planIndex }
        for run in runs {
            let config = try RunConfig.fromJSON(run.configJSON)
            let log = try directory.runLog(named: layout.runName(config))
            defer { log.close() }
            let start = TensorBoardSweepLog.seconds(run.startedAt) ?? sweepCreated
            try log.writeSessionStart(hparams: layout.hparams(config), startTime: start)
            var wallTime = start
            for epoch in (epochsByRun[run.id!] ?? []).sorted(by: { $0.epoch < $1.epoch }) {
                wallTime += epoch.seconds ?? 0
                if try log.writeScalars(step: Int64(epoch.epoch), wallTime: wallTime, values: scalars(epoch)) { written += 1 }
            }
            if let ending = TensorBoardSweepLog.sessionStatus(run.status) {
                try log.writeSessionEnd(status: ending, endTime: TensorBoardSweepLog.seconds(run.finishedAt) ?? wallTime)
            }
        }
        return (runs.count, written)
    }

    /// Unix seconds of a stored ISO-8601 timestamp.
    static func seconds(_ timestamp: String?) -> Double? {
        guard let timestamp else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: timestamp)?.timeIntervalSince1970
    }
}
