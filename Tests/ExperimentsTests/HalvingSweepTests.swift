// Real sweeps with successive halving: the same decisions and epochs with one or two
// workers, with two schedulers sharing a database, stopped at a rung barrier and rerun,
// and cancelled right after a decision and resumed.
import Foundation
import GRDB
import XCTest
@testable import Experiments
import ResultsStore

/// A halving spec: gru and lstm × three learning rates × seeds 1 and 2 (6 configurations,
/// 12 runs), 4 epochs, rungs at epochs 1 and 2 (η = 2).
func halvingSpec(name: String = "halving", eta: Int = 2, epochs: Int = 4) -> String {
    """
    {
      "name": "\(name)",
      "task": {"name": "adding", "length": 8, "train_size": 128, "val_size": 32, "data_seed": 3},
      "train": {"epochs": \(epochs), "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 6},
      "grid": {"cell": ["gru", "lstm"], "lr": [0.003, 0.01, 0.03], "seed": [1, 2]},
      "halving": {"min_epochs": 1, "eta": \(eta)}
    }
    """
}

/// Like ``runSweep``, with the spec's halving and the given options.
@discardableResult
func runHalvingSweep(spec text: String, in folder: URL, dbPath: String, options: SchedulerOptions,
                     progress: ProgressSink = SilentProgress(), configure: (Scheduler) -> Void = { _ in }) throws -> SchedulerSummary {
    let specURL = folder.appendingPathComponent("spec-\(abs(text.hashValue)).json")
    try text.write(to: specURL, atomically: true, encoding: .utf8)
    let setup = try SweepSetup.load(specPath: specURL.path)
    let database = try ResultsDatabase.open(path: dbPath)
    let sweep = try setup.register(in: database, fresh: false)
    let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                              options: options, progress: progress, halving: setup.halving)
    configure(scheduler)
    return try scheduler.run()
}

/// The halving decisions of a database, as comparable text (scores as bit patterns; no times).
func decisionTable(_ dbPath: String) throws -> [String] {
    try DatabaseQueue(path: dbPath).read { db in
        try Row.fetchAll(db, sql: "SELECT * FROM halving_decisions ORDER BY rung, cohort, rank").map { row in
            let score: Double? = row["score"]
            return "\(row["rung"] as Int) \(row["epoch"] as Int) \(row["configuration"] as String) \(row["cohort"] as Int)/\(row["cohort_size"] as Int) "
                + "\(score.map { String($0.bitPattern, radix: 16) } ?? "NULL") #\(row["rank"] as Int) kept=\(row["kept"] as Bool) seeds=\(row["seeds"] as Int)"
        }
    }
}

/// Status, stop epoch and number of epochs of each run, by config hash.
func runOutcomes(_ dbPath: String) throws -> [String: String] {
    try DatabaseQueue(path: dbPath).read { db in
        Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
            SELECT r.config_hash, r.status, r.stop_epoch, (SELECT COUNT(*) FROM epochs e WHERE e.run_id = r.id) FROM runs r
            """).map { ($0[0], "\($0[1] as String) stop=\(($0[2] as Int?).map(String.init) ?? "-") epochs=\($0[3] as Int)") })
    }
}

/// Cancels the scheduler when the first rung is decided.
final class CancelAtFirstDecision: ProgressSink, @unchecked Sendable {
    var scheduler: Scheduler?
    func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {}
    func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {}
    func epochFinished(runId: Int64, label: String, result: EpochResult, epochs: Int) {}
    func runEnded(runId: Int64, label: String, status: String, detail: String?) {}
    func message(_ text: String) { if text.hasPrefix("halving: rung 1") { scheduler?.cancel() } }
    func sweepEnded() {}
}

final class HalvingSweepTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The reference, computed once for the class: one worker, one process.
    static var referenceFolder: URL?
    static var referenceSummary: SchedulerSummary?

    override class func tearDown() {
        if let folder = referenceFolder { try? FileManager.default.removeItem(at: folder) }
        referenceFolder = nil
        super.tearDown()
    }

    func reference() throws -> String {
        if Self.referenceFolder == nil {
            let folder = try makeTemporaryFolder()
            Self.referenceSummary = try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: folder.appendingPathComponent("reference.db").path,
                                                        options: SchedulerOptions(jobs: 1))
            Self.referenceFolder = folder
        }
        let summary = try XCTUnwrap(Self.referenceSummary)
        // 6 configurations: rung 1 keeps 3 (12 runs × 1 epoch), rung 2 keeps 2 (6 runs × 1 more), then 4 runs × 2 more.
        XCTAssertEqual(summary.epochsTrained, 12 + 6 + 8)
        XCTAssertEqual(summary.decisionsTaken, 6 + 3)
        XCTAssertEqual(summary.runsPruned, 6 + 2)
        return Self.referenceFolder!.appendingPathComponent("reference.db").path
    }

    func testOneAndTwoWorkersGiveTheSameDecisionsAndEpochs() throws {
        let one = try reference()
        let two = path("two.db")
        try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: two, options: SchedulerOptions(jobs: 2))
        XCTAssertEqual(try decisionTable(one).count, 9)
        XCTAssertEqual(try decisionTable(two), try decisionTable(one))
        XCTAssertEqual(try epochTable(two), try epochTable(one))
        XCTAssertEqual(try runOutcomes(two), try runOutcomes(one))
        let outcomes = try runOutcomes(one).values
        XCTAssertEqual(outcomes.filter { $0 == "pruned stop=1 epochs=1" }.count, 6)
        XCTAssertEqual(outcomes.filter { $0 == "pruned stop=2 epochs=2" }.count, 2)
        XCTAssertEqual(outcomes.filter { $0 == "finished stop=- epochs=4" }.count, 4)
        XCTAssertEqual(try integrityCheck(two), "ok")
    }

    func testTwoSchedulersSharingOneDatabaseDecideEachRungOnce() throws {
        let one = try reference()
        let shared = path("shared.db")
        _ = try ResultsDatabase.open(path: shared)
        let errors = ErrorList()
        let lock = NSLock()
        var decided = 0
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            do {
                // Separate database handles, as two processes would have.
                var options = SchedulerOptions(jobs: 1)
                options.barrierPollInterval = 0.05      // the other scheduler's progress is only seen by polling
                let taken = try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: shared, options: options).decisionsTaken
                lock.lock(); decided += taken; lock.unlock()
            } catch { errors.append(error) }
        }
        XCTAssertEqual(errors.all.map { "\($0)" }, [])
        XCTAssertEqual(decided, 9, "each configuration ranked once per rung, by one of the two")
        XCTAssertEqual(try decisionTable(shared), try decisionTable(one))
        XCTAssertEqual(try epochTable(shared), try epochTable(one))
        XCTAssertEqual(try runOutcomes(shared), try runOutcomes(one))
    }

    func testStoppedAtARungBarrierThenRerunGivesTheSameResult() throws {
        let one = try reference()
        let db = path("barrier.db")
        // A process that does not decide stops at the first barrier: every run has one epoch.
        var options = SchedulerOptions(jobs: 2)
        options.decidesHalving = false
        let first = try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: options)
        XCTAssertEqual(first.waitingAtBarrier, 12)
        XCTAssertEqual(first.epochsTrained, 12)
        XCTAssertEqual(try decisionTable(db), [])
        XCTAssertEqual(Set(try runOutcomes(db).values), ["pending stop=- epochs=1"])
        try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2))
        XCTAssertEqual(try decisionTable(db), try decisionTable(one))
        XCTAssertEqual(try epochTable(db), try epochTable(one))
        XCTAssertEqual(try runOutcomes(db), try runOutcomes(one))
    }

    func testCancelledRightAfterADecisionAndResumedNeverDecidesAgain() throws {
        let one = try reference()
        let db = path("cancelled.db")
        let sink = CancelAtFirstDecision()
        let first = try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2),
                                        progress: sink, configure: { sink.scheduler = $0 })
        XCTAssertTrue(first.cancelled)
        XCTAssertEqual(first.decisionsTaken, 6)
        let rung1 = try decisionTable(db)
        let resumed = try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2))
        XCTAssertEqual(resumed.decisionsTaken, 3, "only rung 2 is decided by the rerun")
        XCTAssertEqual(Array(try decisionTable(db).prefix(6)), rung1)
        XCTAssertEqual(try decisionTable(db), try decisionTable(one))
        XCTAssertEqual(try epochTable(db), try epochTable(one))
        XCTAssertEqual(try runOutcomes(db), try runOutcomes(one))
    }

    func testEtaThreeKeepsATwoOfSixThenOne() throws {
        let db = path("eta3.db")
        let summary = try runHalvingSweep(spec: halvingSpec(eta: 3, epochs: 5), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2))
        // Rungs at epochs 1 and 3: ⌈6/3⌉ = 2 kept, then ⌈2/3⌉ = 1.
        let decisions = try decisionTable(db)
        XCTAssertEqual(decisions.filter { $0.hasPrefix("1 1 ") && $0.contains("kept=true") }.count, 2)
        XCTAssertEqual(decisions.filter { $0.hasPrefix("2 3 ") && $0.contains("kept=true") }.count, 1)
        XCTAssertEqual(summary.epochsTrained, 12 * 1 + 4 * 2 + 2 * 2)
    }

    /// A sweep with decisions is not continued under another halving rule (or none): that
    /// would mix two rules in one result. The database stays as it was; --fresh starts anew.
    func testAnotherHalvingRuleIsRefusedOnceARungIsDecidedUnlessFresh() throws {
        let db = path("rule.db")
        let sink = CancelAtFirstDecision()
        try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2),
                            progress: sink, configure: { sink.scheduler = $0 })
        let decisions = try decisionTable(db), outcomes = try runOutcomes(db), epochs = try epochTable(db)
        XCTAssertFalse(decisions.isEmpty)
        let noHalving = halvingSpec().replacingOccurrences(of: ",\n  \"halving\": {\"min_epochs\": 1, \"eta\": 2}", with: "")
        XCTAssertFalse(noHalving.contains("halving\":"))
        for (spec, given) in [(halvingSpec(eta: 3), "\"halving\": {\"min_epochs\": 1, \"eta\": 3, \"monitor\": \"val_loss\"}"),
                              (noHalving, "no \"halving\"")] {
            XCTAssertThrowsError(try runHalvingSweep(spec: spec, in: folder, dbPath: db, options: SchedulerOptions(jobs: 2))) { error in
                XCTAssertEqual("\(error)", "sweep 'halving' in this database was pruned with \"halving\": {\"min_epochs\": 1, \"eta\": 2, "
                               + "\"monitor\": \"val_loss\"}, but the spec gives \(given); nothing was changed: give the spec another "
                               + "\"name\", another --db, or --fresh to replace that sweep's runs")
            }
            XCTAssertEqual(try decisionTable(db), decisions)
            XCTAssertEqual(try runOutcomes(db), outcomes)
            XCTAssertEqual(try epochTable(db), epochs)
        }
        let recordedSpec = try DatabaseQueue(path: db).read { try String.fetchOne($0, sql: "SELECT spec_json FROM sweeps") }
        XCTAssertEqual(recordedSpec, halvingSpec(), "the recorded spec is still the one the decisions were taken under")
        // The same rule goes on; --fresh replaces the sweep's runs and decisions.
        XCTAssertEqual(try runHalvingSweep(spec: halvingSpec(), in: folder, dbPath: db, options: SchedulerOptions(jobs: 2)).decisionsTaken, 3)
        let setup = try SweepSetup.load(specPath: { let url = folder.appendingPathComponent("eta3.json")
            try halvingSpec(eta: 3).write(to: url, atomically: true, encoding: .utf8); return url.path }())
        let database = try ResultsDatabase.open(path: db)
        _ = try setup.register(in: database, fresh: true)
        XCTAssertEqual(try decisionTable(db), [])
    }

    func testAProcessDoesNotDecideUnderARuleOtherThanTheRegisteredOne() throws {
        // Process A starts with eta 2; before any rung is decided, a sweep of the same name
        // with eta 3 registers (allowed: nothing was decided yet) and so becomes the sweep's
        // recorded spec. A must not then decide rung 1 under eta 2.
        let db = path("two-rules.db")
        func setup(_ text: String, _ file: String) throws -> SweepSetup {
            let url = folder.appendingPathComponent(file)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return try SweepSetup.load(specPath: url.path)
        }
        let two = try setup(halvingSpec(), "eta2.json"), three = try setup(halvingSpec(eta: 3), "eta3.json")
        let database = try ResultsDatabase.open(path: db)
        let sweep = try two.register(in: database, fresh: false)
        let scheduler = Scheduler(sweepId: sweep.id!, entries: two.entries, task: two.task, database: database,
                                  options: SchedulerOptions(jobs: 1), progress: SilentProgress(), halving: two.halving)
        XCTAssertEqual(try three.register(in: database, fresh: false).id, sweep.id)
        XCTAssertThrowsError(try scheduler.run()) { error in
            XCTAssertEqual("\(error)", "sweep 'halving' in this database is registered with \"halving\": {\"min_epochs\": 1, \"eta\": 3, "
                           + "\"monitor\": \"val_loss\"}, but this spec gives \"halving\": {\"min_epochs\": 1, \"eta\": 2, \"monitor\": \"val_loss\"}; "
                           + "no rung was decided: decide with the spec the sweep is registered with")
        }
        XCTAssertEqual(try decisionTable(db), [])
        XCTAssertEqual(try epochTable(db).count, 12, "every run trained to rung 1, and its epoch is kept")
        // The registered rule decides, from the epochs A recorded.
        let scheduler3 = Scheduler(sweepId: sweep.id!, entries: three.entries, task: three.task, database: database,
                                   options: SchedulerOptions(jobs: 1), progress: SilentProgress(), halving: three.halving)
        XCTAssertGreaterThan(try scheduler3.run().decisionsTaken, 0)
        let alone = path("eta3-alone.db")
        try runHalvingSweep(spec: halvingSpec(eta: 3), in: folder, dbPath: alone, options: SchedulerOptions(jobs: 1))
        XCTAssertEqual(try decisionTable(db), try decisionTable(alone), "as if eta 3 had run alone")
        XCTAssertEqual(try epochTable(db), try epochTable(alone))
        XCTAssertEqual(try runOutcomes(db), try runOutcomes(alone))
    }

    func testARunPrunedByAnotherProcesssDecisionIsToldToTheObserverOfTheProcessThatTrainedIt() throws {
        let one = try reference()
        let db = path("elsewhere.db")
        let specURL = folder.appendingPathComponent("elsewhere.json")
        try halvingSpec().write(to: specURL, atomically: true, encoding: .utf8)
        let setup = try SweepSetup.load(specPath: specURL.path)
        let database = try ResultsDatabase.open(path: db)
        let sweepId = try setup.register(in: database, fresh: false).id!
        let halving = try XCTUnwrap(setup.halving)
        // "Another process": its own database handle and scheduler, deciding rung 1 the
        // moment the last of the 12 runs is left there, before this scheduler looks again.
        let other = Scheduler(sweepId: sweepId, entries: setup.entries, task: setup.task, database: try ResultsDatabase.open(path: db),
                              options: SchedulerOptions(jobs: 1), progress: SilentProgress(), halving: halving)
        let sink = DecideWhenAllAtRung(runs: 12) { scheduler in
            scheduler.writer.sync {}      // the last release is in the database
            XCTAssertTrue(try other.decideIfReady(halving, try other.database.halvingSnapshot(sweepId: sweepId)))
        }
        let observer = RecordingObserver()
        let scheduler = Scheduler(sweepId: sweepId, entries: setup.entries, task: setup.task, database: database,
                                  options: SchedulerOptions(jobs: 1), progress: sink, observer: observer, halving: halving)
        sink.scheduler = scheduler
        let summary = try scheduler.run()
        XCTAssertEqual(summary.decisionsTaken, 3, "rung 1 was decided by the other scheduler, rung 2 here")
        XCTAssertEqual(try decisionTable(db), try decisionTable(one))
        XCTAssertEqual(try epochTable(db), try epochTable(one))
        let pruned = try database.runs(sweepId: sweepId, status: .pruned).map { $0.id! }
        XCTAssertEqual(pruned.count, 8)
        XCTAssertEqual(observer.pruned.sorted(), pruned.sorted(), "every run this scheduler left at a rung and was pruned there, once")
    }
}

/// Calls `decide` (on the worker's thread) when `runs` runs have been left at a rung.
final class DecideWhenAllAtRung: ProgressSink, @unchecked Sendable {
    var scheduler: Scheduler?
    let runs: Int
    let decide: (Scheduler) throws -> Void
    private var arrived = 0
    init(runs: Int, decide: @escaping (Scheduler) throws -> Void) { self.runs = runs; self.decide = decide }
    func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {}
    func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {}
    func epochFinished(runId: Int64, label: String, result: EpochResult, epochs: Int) {}
    func runEnded(runId: Int64, label: String, status: String, detail: String?) {
        guard status == "at rung" else { return }
        arrived += 1
        if arrived == runs, let scheduler { XCTAssertNoThrow(try decide(scheduler)) }
    }
    func message(_ text: String) {}
    func sweepEnded() {}
}

/// What a sweep told its observer: the runs reported pruned (calls come on the writer queue, one at a time).
final class RecordingObserver: SweepObserver, @unchecked Sendable {
    private(set) var pruned: [Int64] = []
    func runStarted(_ run: RunRecord, config: RunConfig) {}
    func epochRecorded(_ epoch: EpochRecord, run: RunRecord) {}
    func runEnded(_ run: RunRecord, status: RunStatus) {}
    func runPruned(runId: Int64) { pruned.append(runId) }
}

/// Collects errors from several threads.
final class ErrorList: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func append(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}

final class HalvingSlurmScriptTests: XCTestCase {
    func testAHalvingSweepRunsAsAChainOfArraysAndDecisionJobs() {
        let options = SlurmJobOptions(runnerPath: "/opt/runner", specPath: "/work/spec.json", sweepName: "h", tasks: 3,
                                      cpusPerTask: 2, outputDirectory: "/out", rungs: 2)
        let scripts = SlurmScripts(options)
        XCTAssertEqual(scripts.submissionOrder, ["/out/sweep.sbatch", "/out/decide.sbatch", "/out/sweep.sbatch", "/out/decide.sbatch",
                                                 "/out/sweep.sbatch", "/out/merge.sbatch"])
        let decide = scripts.decideScript ?? ""
        XCTAssertTrue(decide.contains("'/opt/runner' merge --output '/out/results.db'"), decide)
        XCTAssertTrue(decide.contains("'/opt/runner' decide '/work/spec.json' --db '/out/results.db'"), decide)
        XCTAssertTrue(decide.contains("'/out/shard-2.db'"), decide)
        XCTAssertTrue(decide.contains("set -euo pipefail"), "a failed merge (or a conflict) stops the chain")
        // Without halving: the array, then the merge, and no decision script.
        let plain = SlurmScripts(SlurmJobOptions(runnerPath: "/opt/runner", specPath: "/work/spec.json", sweepName: "h", tasks: 3,
                                                 cpusPerTask: 2, outputDirectory: "/out"))
        XCTAssertNil(plain.decideScript)
        XCTAssertEqual(plain.submissionOrder, ["/out/sweep.sbatch", "/out/merge.sbatch"])
        for script in [plain.arrayScript, plain.mergeScript, decide, scripts.arrayScript] {
            XCTAssertFalse(script.contains("tensorboard"), "no event files unless asked for: \(script)")
        }
    }

    func testWithTensorBoardTheTasksWriteLiveAndTheDecisionAndMergeJobsExport() throws {
        let scripts = SlurmScripts(SlurmJobOptions(runnerPath: "/opt/runner", specPath: "/work/spec.json", sweepName: "h", tasks: 3,
                                                   cpusPerTask: 2, outputDirectory: "/out", rungs: 2, tensorboardDirectory: "/tb"))
        XCTAssertTrue(scripts.arrayScript.contains("--db '/out'/shard-\"$SLURM_ARRAY_TASK_ID\".db --no-report --tensorboard '/tb' --tensorboard-append\n"),
                      scripts.arrayScript)
        let export = "'/opt/runner' export --db '/out/results.db' --sweep 'h' --tensorboard '/tb' --tensorboard-append"
        let decide = try XCTUnwrap(scripts.decideScript)
        // After the decision (the pruned runs' session ends), and without stopping the chain when it fails.
        let decideRange = try XCTUnwrap(decide.range(of: "'/opt/runner' decide "))
        let exportInDecide = try XCTUnwrap(decide.range(of: export))
        XCTAssertLessThan(decideRange.lowerBound, exportInDecide.lowerBound, decide)
        XCTAssertTrue(decide.hasSuffix(export + " \\\n    || echo 'the TensorBoard export failed; training goes on, the merge job exports again' >&2\n"), decide)
        // After the merge and the report; its failure fails the merge job.
        XCTAssertTrue(scripts.mergeScript.hasSuffix(export + " || exit 1\nexit \"$status\"\n"), scripts.mergeScript)
    }
}
