// Stateful truncated BPTT in training (carried state beats stateless windows on a
// text whose structure is longer than a window; --jobs and cancel/resume stay
// bitwise) and the test split recorded at every epoch.
import XCTest
import Foundation
@testable import Experiments
import ResultsStore
import SequenceModels
import Tasks
import GRDB

final class StatefulAndTestSplitTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A period of 23 characters over "abcd" repeated: within a window of 3 the phase is
    /// ambiguous, with the state carried from earlier windows it is not.
    func periodicText(characters: Int = 2400) -> String {
        var rng = Xoshiro256(seed: 5)
        let period = (0..<23).map { _ in Character(UnicodeScalar(UInt8(97 + rng.nextInt(below: 4)))) }
        return String((0..<characters).map { period[$0 % period.count] })
    }

    func testCarriedStateLearnsWhatStatelessWindowsCannot() throws {
        let text = periodicText()
        var losses: [Bool: Double] = [:]
        for stateful in [false, true] {
            let task = try CharLMTask(text: text, valFraction: 0.1, seqLen: 3, testFraction: 0.05, stateful: stateful)
            let config = RunConfig(cell: .gru, hidden: 24, lr: 0.02, seed: 1, batch: 8, epochs: 16, optimizer: .adam,
                                   clipNorm: 5, task: TaskSpec(name: "charlm"))
            let trainer = Trainer(config: config, task: task)
            var last: EpochResult?
            for _ in 0..<16 { if case .completed(let r) = trainer.trainEpoch() { last = r } }
            let result = try XCTUnwrap(last)
            XCTAssertNotNil(result.testLoss, "charlm with test_fraction has a test split")
            losses[stateful] = result.valLoss
        }
        print("charlm val loss after 16 epochs: stateful \(losses[true]!), stateless \(losses[false]!)")
        // Stateless windows of 3 cannot place a window's first characters in the period.
        XCTAssertLessThan(losses[true]!, 0.7 * losses[false]!, "stateful \(losses[true]!) vs stateless \(losses[false]!)")
    }

    func statefulSpec(epochs: Int = 3) throws -> String {
        try periodicText(characters: 1200).write(to: folder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        return """
        {
          "name": "stateful",
          "task": {"name": "charlm", "path": "text.txt", "seq_len": 5, "val_fraction": 0.1, "test_fraction": 0.1, "stateful": true},
          "train": {"epochs": \(epochs), "batch": 4, "optimizer": "adam", "clip_norm": 1.0},
          "grid": {"cell": ["gru", "lstm"], "hidden": [6], "lr": [0.01], "seed": [1, 2]}
        }
        """
    }

    /// Every epoch's numbers, test columns included (bit patterns), by config hash and epoch.
    func epochsWithTest(_ dbPath: String) throws -> [EpochKey: [UInt64?]] {
        try DatabaseQueue(path: dbPath).read { db in
            var table: [EpochKey: [UInt64?]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.config_hash, e.epoch, e.train_loss, e.val_loss, e.val_metric, e.test_loss, e.test_metric
                  FROM epochs e JOIN runs r ON r.id = e.run_id
                """) {
                let values: [Double?] = [row[2], row[3], row[4], row[5], row[6]]
                table[EpochKey(hash: row[0], epoch: row[1])] = values.map { $0?.bitPattern }
            }
            return table
        }
    }

    func testStatefulSweepIsBitwiseUnderJobsAndResume() throws {
        let spec = try statefulSpec(epochs: 4)
        let one = folder.appendingPathComponent("one.db").path, two = folder.appendingPathComponent("two.db").path
        try runSweep(spec: spec, in: folder, dbPath: one, jobs: 1)
        try runSweep(spec: spec, in: folder, dbPath: two, jobs: 2)
        let straight = try epochsWithTest(one)
        XCTAssertEqual(straight.count, 16)
        XCTAssertEqual(straight, try epochsWithTest(two))
        XCTAssertTrue(straight.values.allSatisfy { $0[3] != nil && $0[4] != nil }, "test_loss and test_metric recorded")

        let resumed = folder.appendingPathComponent("resumed.db").path
        let first = try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2) { scheduler in
            DispatchQueue.global().async {
                while (try? epochTable(resumed).count) ?? 0 < 1 { usleep(2000) }
                scheduler.cancel()
            }
        }
        XCTAssertTrue(first.cancelled)
        try runSweep(spec: spec, in: folder, dbPath: resumed, jobs: 2)
        XCTAssertEqual(try epochsWithTest(resumed), straight)
    }

    func testTasksWithoutATestSplitRecordNullTestColumns() throws {
        let db = folder.appendingPathComponent("adding.db").path
        let spec = smallSpec(cells: ["gru"], epochs: 2, seeds: [1])
            .replacingOccurrences(of: "\"val_size\": 32,", with: "\"val_size\": 32, \"test_size\": 0,")
        try runSweep(spec: spec, in: folder, dbPath: db, jobs: 1)
        XCTAssertTrue(try epochsWithTest(db).values.allSatisfy { $0[3] == nil && $0[4] == nil })
        let withTest = folder.appendingPathComponent("adding-test.db").path
        try runSweep(spec: smallSpec(cells: ["gru"], epochs: 2, seeds: [1]), in: folder, dbPath: withTest, jobs: 1)
        let rows = try epochsWithTest(withTest)
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows.values.allSatisfy { $0[3] != nil && $0[4] != nil }, "adding tests on test_size = val_size by default")
        // The validation numbers do not depend on the test split.
        let a = try epochTable(db), b = try epochTable(withTest)
        func validationLosses(_ table: [EpochKey: [UInt64?]]) -> [UInt64] {
            table.keys.sorted { $0.epoch < $1.epoch }.map { (key: EpochKey) -> UInt64 in table[key]![1]! }
        }
        XCTAssertEqual(validationLosses(a), validationLosses(b))
    }
}
