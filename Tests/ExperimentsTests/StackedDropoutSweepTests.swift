// Sweeps over layers, dropout and the cells (gru_reset_after among them) as grid axes keep the
// scheduler's promises: --jobs 1 and 2 give bitwise-equal epochs, a cancelled sweep and a
// trainer resumed from its checkpoint continue with the same bits (dropout masks come from
// seed, epoch and step alone); the new fields are validated and leave old hashes unchanged.
import XCTest
import Foundation
@testable import Experiments
import ResultsStore
import SequenceModels
import Tasks

final class StackedDropoutSweepTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func spec(epochs: Int = 3, trainSize: Int = 128) -> String {
        """
        {
          "name": "deep",
          "task": {"name": "adding", "length": 8, "train_size": \(trainSize), "val_size": 32, "data_seed": 3},
          "train": {"epochs": \(epochs), "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 6, "layers": 2},
          "grid": {"cell": ["gru_reset_after", "lstm"], "dropout": [0, 0.25], "seed": [1]}
        }
        """
    }

    func testJobsOneAndTwoGiveBitwiseEqualEpochs() throws {
        let one = folder.appendingPathComponent("one.db").path, two = folder.appendingPathComponent("two.db").path
        try runSweep(spec: spec(), in: folder, dbPath: one, jobs: 1)
        try runSweep(spec: spec(), in: folder, dbPath: two, jobs: 2)
        let a = try epochTable(one), b = try epochTable(two)
        XCTAssertEqual(a.count, 4 * 3, "four runs of three epochs")
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(try statuses(two).values), ["finished"])
        let database = try ResultsDatabase.open(path: two)
        let configs = try database.runs(sweepId: try database.latestSweep()!.id!).map { try RunConfig.fromJSON($0.configJSON) }
        XCTAssertEqual(Set(configs.map(\.layers)), [2])
        XCTAssertEqual(Set(configs.map(\.dropout)), [0, 0.25])
        XCTAssertEqual(Set(configs.map(\.cell)), [.gruResetAfter, .lstm])
    }

    func testCancelledSweepResumesToTheSameBits() throws {
        let straight = folder.appendingPathComponent("straight.db").path
        let resumed = folder.appendingPathComponent("resumed.db").path
        let text = spec(epochs: 4, trainSize: 512)
        try runSweep(spec: text, in: folder, dbPath: straight, jobs: 1)
        let first = try runSweep(spec: text, in: folder, dbPath: resumed, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while (try? epochTable(resumed).count) ?? 0 < 1 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        XCTAssertLessThan(try epochTable(resumed).count, 16, "the first pass stopped early")
        try runSweep(spec: text, in: folder, dbPath: resumed, jobs: 2)
        XCTAssertEqual(try epochTable(resumed), try epochTable(straight))
        XCTAssertEqual(Set(try statuses(resumed).values), ["finished"])
    }

    func testTrainerWithDropoutResumedFromCheckpointMatchesUninterrupted() throws {
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(6), "train_size": .number(64),
                                                                      "val_size": .number(16), "data_seed": .number(1)],
                                        specDirectory: folder)
        let config = RunConfig(cell: .gruResetAfter, hidden: 5, lr: 0.01, seed: 4, batch: 8, epochs: 3, optimizer: .adam,
                               clipNorm: 1, layers: 2, dropout: 0.3, task: TaskSpec(name: "adding"))
        let straight = Trainer(config: config, task: task)
        var straightResults: [EpochResult] = []
        for _ in 0..<3 { if case .completed(let r) = straight.trainEpoch() { straightResults.append(r) } }
        let first = Trainer(config: config, task: task)
        guard case .completed(let r1) = first.trainEpoch() else { return XCTFail("epoch 1 did not complete") }
        let second = Trainer(config: config, task: task)
        try second.restore(try Checkpoint(decoding: try first.checkpoint().encoded()))
        var resumed = [r1]
        for _ in 0..<2 { if case .completed(let r) = second.trainEpoch() { resumed.append(r) } }
        XCTAssertEqual(resumed.map(\.trainLoss.bitPattern), straightResults.map(\.trainLoss.bitPattern))
        XCTAssertEqual(resumed.map(\.valLoss.bitPattern), straightResults.map(\.valLoss.bitPattern))
        XCTAssertEqual(second.model.parameters.map(\.bitPattern), straight.model.parameters.map(\.bitPattern))
        // Dropout is really on: the same run without it trains to other numbers.
        var plain = config
        plain.dropout = 0
        let undropped = Trainer(config: plain, task: task)
        guard case .completed(let u1) = undropped.trainEpoch() else { return XCTFail("epoch 1 did not complete") }
        XCTAssertNotEqual(u1.trainLoss, r1.trainLoss)
    }

    func testNewFieldsAtTheirDefaultsKeepTheHash() throws {
        let task = TaskSpec(name: "adding", parameters: ["length": .number(50), "data_seed": .number(7)])
        let old = RunConfig(cell: .gru, hidden: 64, lr: 0.003, seed: 2, batch: 32, epochs: 10, optimizer: .adam, clipNorm: 1.0, task: task)
        XCTAssertEqual(old.configHash, "0ed069cd7167bc05be5a1007595ba864f58d9d4574ad9ddc6076652a0182481d")
        var deep = old
        deep.layers = 2
        deep.dropout = 0.5
        XCTAssertTrue(deep.canonicalJSONText.contains(#""dropout":0.5"#) && deep.canonicalJSONText.contains(#""layers":2"#))
        XCTAssertNotEqual(deep.configHash, old.configHash)
        XCTAssertEqual(try RunConfig.fromJSON(deep.canonicalJSONText), deep)
        let read = try RunConfig.fromJSON(old.canonicalJSONText)       // a config_json written before the fields
        XCTAssertEqual(read, old)
        XCTAssertEqual(read.layers, 1)
        XCTAssertEqual(read.dropout, 0)
        // A spec that spells the defaults out is the same run.
        let explicit = Plan(spec: try Spec.parse("""
            {"name": "a", "task": {"name": "adding", "length": 50}, "train": {"layers": 1, "dropout": 0}}
            """)).entries[0]
        let implicit = Plan(spec: try Spec.parse(#"{"name": "a", "task": {"name": "adding", "length": 50}}"#)).entries[0]
        XCTAssertEqual(explicit.configHash, implicit.configHash)
    }

    func testInvalidLayersAndDropoutGiveOneLineEach() {
        let text = """
            {"name": "a", "task": {"name": "adding", "length": 50},
             "train": {"layers": 0, "dropout": 1},
             "grid": {"layers": [1, 5, 2.5], "dropout": [0.1, -0.2], "cell": ["gru_reset_after", "gru_reset"]}}
            """
        XCTAssertThrowsError(try Spec.parse(text)) { error in
            let lines = ((error as? SpecError)?.problems ?? []).map(\.description)
            XCTAssertEqual(Set(lines), [
                "train.layers: must be an integer from 1 to 4, got 0",
                "train.dropout: must be in [0, 1), got 1",
                "grid.layers[1]: must be an integer from 1 to 4, got 5",
                "grid.layers[2]: expected an integer from 1 to 4, got 2.5",
                "grid.dropout[1]: must be in [0, 1), got -0.2",
                #"grid.cell[1]: unknown cell "gru_reset" (expected one of rnn, gru, gru_reset_after, lstm)"#,
            ], "\(lines)")
        }
    }
}
