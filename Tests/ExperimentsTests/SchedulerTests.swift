// The scheduler's promises: a run's numbers depend only on its configuration
// (not on --jobs, order or interruptions); diverging runs are marked and the
// rest finish; a resumed run continues with the same bits.
import XCTest
import Foundation
@testable import Experiments
import ResultsStore
import SequenceModels
import Tasks

final class SchedulerTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testJobsOneAndTwoGiveBitwiseEqualEpochs() throws {
        let one = folder.appendingPathComponent("one.db").path, two = folder.appendingPathComponent("two.db").path
        try runSweep(spec: smallSpec(), in: folder, dbPath: one, jobs: 1)
        try runSweep(spec: smallSpec(), in: folder, dbPath: two, jobs: 2)
        let a = try epochTable(one), b = try epochTable(two)
        XCTAssertEqual(a.count, 6 * 3, "six runs of three epochs")
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(try statuses(two).values), ["finished"])
        XCTAssertEqual(try integrityCheck(two), "ok")
    }

    func testARunWhoseResultsAreStillBeingWrittenIsNotClaimedAgain() throws {
        // The writer lags (an observer that takes its time after each epoch): when the worker
        // has trained a run's last epoch and claims the next run, the database still shows the
        // run as running, its final epoch and status queued. Even with every running run
        // counting as stale (staleAfter 0), the process must not claim it again: it used to,
        // and trained it a second time from a checkpoint its own writes were replacing.
        let reference = folder.appendingPathComponent("reference.db").path, lagging = folder.appendingPathComponent("lagging.db").path
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 2, seeds: [1])
        try runSweep(spec: spec, in: folder, dbPath: reference, jobs: 1)
        let setup = try SweepSetup.load(specPath: folder.appendingPathComponent("spec.json").path)
        let database = try ResultsDatabase.open(path: lagging)
        let sweep = try setup.register(in: database, fresh: false)
        var options = SchedulerOptions(jobs: 1)
        options.staleAfter = 0
        let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: database,
                                  options: options, progress: SilentProgress(), observer: SlowObserver(pause: 0.3))
        let summary = try scheduler.run()
        XCTAssertEqual(summary.epochsTrained, 4, "each of the two runs trained its two epochs once")
        XCTAssertEqual(summary.counts[.finished], 2)
        XCTAssertEqual(summary.counts[.failed, default: 0], 0)
        XCTAssertEqual(Set(try statuses(lagging).values), ["finished"])
        XCTAssertEqual(try epochTable(lagging), try epochTable(reference))
    }

    func testDivergingRunIsMarkedAndTheOthersFinish() throws {
        let db = folder.appendingPathComponent("d.db").path
        // lr 1e6 without clipping blows the loss up; lr 0.01 trains normally.
        let spec = smallSpec(cells: ["rnn"], lrs: [0.01, 1e6], seeds: [1]).replacingOccurrences(of: ", \"clip_norm\": 1.0", with: "")
            .replacingOccurrences(of: "\"optimizer\": \"adam\"", with: "\"optimizer\": \"sgd\"")
        try runSweep(spec: spec, in: folder, dbPath: db, jobs: 2)
        let database = try ResultsDatabase.open(path: db)
        let runs = try database.runs(sweepId: try database.latestSweep()!.id!)
        let byLR = Dictionary(uniqueKeysWithValues: runs.map { ($0.lr, $0) })
        XCTAssertEqual(byLR[0.01]?.status, .finished)
        XCTAssertEqual(byLR[1e6]?.status, .diverged)
        XCTAssertTrue(byLR[1e6]?.error?.contains("epoch") ?? false, "the error names the epoch: \(byLR[1e6]?.error ?? "nil")")
        XCTAssertEqual(try integrityCheck(db), "ok")
    }

    func testCancelledSweepResumesToTheSameBits() throws {
        let straight = folder.appendingPathComponent("straight.db").path
        let resumed = folder.appendingPathComponent("resumed.db").path
        let spec = smallSpec(cells: ["gru", "lstm"], epochs: 4, seeds: [1], trainSize: 512)
        try runSweep(spec: spec, in: folder, dbPath: straight, jobs: 1)

        // Cancel once the first epoch of some run is recorded, then rerun until done.
        let first = try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while (try? epochTable(resumed).count) ?? 0 < 1 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        let partial = try epochTable(resumed)
        XCTAssertLessThan(partial.count, 8, "the first pass stopped early")
        XCTAssertTrue(try statuses(resumed).values.contains("interrupted"))
        try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2)
        XCTAssertEqual(try epochTable(resumed), try epochTable(straight))
        XCTAssertEqual(Set(try statuses(resumed).values), ["finished"])
    }

    func testGrowingTheGridReusesFinishedRuns() throws {
        let db = folder.appendingPathComponent("g.db").path
        try runSweep(spec: smallSpec(cells: ["rnn"], seeds: [1]), in: folder, dbPath: db, jobs: 1)
        let before = try epochTable(db)
        let summary = try runSweep(spec: smallSpec(cells: ["rnn"], seeds: [1, 2]), in: folder, dbPath: db, jobs: 1)
        XCTAssertEqual(summary.counts[.finished], 1, "only the new seed ran")
        let after = try epochTable(db)
        XCTAssertEqual(after.count, 2 * 3)
        for (key, value) in before { XCTAssertEqual(after[key], value) }
    }

    func testTrainerResumedFromCheckpointMatchesUninterrupted() throws {
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(6), "train_size": .number(64),
                                                                      "val_size": .number(16), "data_seed": .number(1)],
                                        specDirectory: folder)
        let config = RunConfig(cell: .lstm, hidden: 5, lr: 0.01, seed: 4, batch: 8, epochs: 3, optimizer: .adam,
                               clipNorm: 1, task: TaskSpec(name: "adding"))
        let straight = Trainer(config: config, task: task)
        var straightResults: [EpochResult] = []
        for _ in 0..<3 { if case .completed(let r) = straight.trainEpoch() { straightResults.append(r) } }

        let first = Trainer(config: config, task: task)
        guard case .completed(let r1) = first.trainEpoch() else { return XCTFail("epoch 1 did not complete") }
        let saved = try first.checkpoint().encoded()
        let second = Trainer(config: config, task: task)
        try second.restore(try Checkpoint(decoding: saved))
        var resumed = [r1]
        for _ in 0..<2 { if case .completed(let r) = second.trainEpoch() { resumed.append(r) } }
        XCTAssertEqual(resumed.map(\.trainLoss.bitPattern), straightResults.map(\.trainLoss.bitPattern))
        XCTAssertEqual(resumed.map(\.valLoss.bitPattern), straightResults.map(\.valLoss.bitPattern))
        XCTAssertEqual(second.model.parameters.map(\.bitPattern), straight.model.parameters.map(\.bitPattern))
    }

    func testSecondaryMetricsAreRecordedPerEpoch() throws {
        let db = folder.appendingPathComponent("reber.db").path
        let spec = """
        {"name": "reber", "task": {"name": "reber", "train_size": 32, "val_size": 16, "data_seed": 2},
         "train": {"epochs": 2, "batch": 8, "hidden": 6, "lr": 0.01, "cell": "gru"}}
        """
        try runSweep(spec: spec, in: folder, dbPath: db, jobs: 1)
        let database = try ResultsDatabase.open(path: db)
        let run = try XCTUnwrap(try database.runs(sweepId: try database.latestSweep()!.id!).first)
        let details = try database.epochs(runId: run.id!).map(\.valDetails)
        XCTAssertEqual(details.count, 2)
        for text in details {
            let object = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(text).utf8)) as? [String: Double]
            let share = try XCTUnwrap(object?["strings_fully_predicted"], "\(text ?? "nil")")
            XCTAssertTrue((0...1).contains(share))
        }
    }

    func testCheckpointRoundTripAndCorruption() throws {
        let config = ModelConfig(cell: .gru, inputSize: 2, hiddenSize: 3, outputSize: 1, head: .linear)
        let p = config.parameterCount
        let ckpt = Checkpoint(epoch: 2, model: config, parameters: (0..<p).map(Float.init),
                              optimizer: OptimizerState(step: 5, first: [Float](repeating: 0.5, count: p), second: [Float](repeating: 0.25, count: p)))
        XCTAssertEqual(try Checkpoint(decoding: try ckpt.encoded()), ckpt)
        var bad = try ckpt.encoded()
        bad.removeLast()
        XCTAssertThrowsError(try Checkpoint(decoding: bad))
    }

    func testCheckpointWhoseHeaderDisagreesWithItselfIsRefusedNotTrapped() throws {
        // A damaged header that is still valid JSON (export and sample decode it): each
        // inconsistency is one "checkpoint is unreadable" reason, not a trap in Model or ModelConfig.
        let config = ModelConfig(cell: .gru, inputSize: 2, hiddenSize: 3, outputSize: 1, head: .linear)
        let good = try Checkpoint(epoch: 1, model: config, parameters: [Float](repeating: 1, count: config.parameterCount),
                                  optimizer: OptimizerState(step: 1, first: [], second: [])).encoded()
        let headerLength = Int(good[8]) | Int(good[9]) << 8 | Int(good[10]) << 16 | Int(good[11]) << 24
        let header = String(decoding: good[12..<(12 + headerLength)], as: UTF8.self)
        func damaged(_ from: String, _ to: String) -> Data {
            XCTAssertTrue(header.contains(from), "\(from) in \(header)")
            let json = Data(header.replacingOccurrences(of: from, with: to).utf8)
            var data = Data(good[0..<8])
            withUnsafeBytes(of: UInt32(json.count).littleEndian) { data.append(contentsOf: $0) }
            return data + json + good[(12 + headerLength)...]
        }
        let p = config.parameterCount
        for (data, reason) in [(damaged(#""hiddenSize":3"#, #""hiddenSize":8"#), "its header has \(p) parameters, but its model configuration has"),
                               (damaged(#""hiddenSize":3"#, #""hiddenSize":0"#), "hiddenSize 0 is not a positive size"),
                               (damaged(#""parameterCount":\#(p)"#, #""parameterCount":-1"#), "its header has -1 parameters"),
                               (damaged(#""firstCount":0"#, #""firstCount":7"#), "its optimiser's first moments have 7 values"),
                               (damaged(#""layers":1"#, #""layers":0"#), "layers 0 is not 1-4"),
                               (damaged(#""dropout":0"#, #""dropout":2.5"#), "dropout 2.5 is not in [0, 1)")] {
            XCTAssertThrowsError(try Checkpoint(decoding: data)) { error in
                XCTAssertTrue("\(error)".hasPrefix("checkpoint is unreadable: "), "\(error)")
                XCTAssertTrue("\(error)".contains(reason), "\(error)")
            }
        }
    }
}

/// An observer that holds the database writer for `pause` seconds after each recorded epoch.
final class SlowObserver: SweepObserver, @unchecked Sendable {
    let pause: TimeInterval
    init(pause: TimeInterval) { self.pause = pause }
    func runStarted(_ run: RunRecord, config: RunConfig) {}
    func epochRecorded(_ epoch: EpochRecord, run: RunRecord) { Thread.sleep(forTimeInterval: pause) }
    func runEnded(_ run: RunRecord, status: RunStatus) {}
    func runPruned(runId: Int64) {}
}
