// Tests of plan expansion: grid Cartesian product order, random search draws, shards, and
// the rows handed to the store.
import Foundation
import JSON
import SequenceModels
import Tasks
import XCTest
@testable import Experiments

final class PlanExpansionTests: XCTestCase {
    func testGridIsTheCartesianProductInFieldOrder() throws {
        let plan = Plan(spec: try Spec.parse(SpecParsingTests.issueExample))
        XCTAssertEqual(plan.entries.count, 81)
        XCTAssertEqual(plan.entries.map(\.index), Array(0..<81))
        func summary(_ entry: PlanEntry) -> String {
            "\(entry.config.cell.rawValue)/\(entry.config.hidden)/\(entry.config.lr)/\(entry.config.seed)"
        }
        XCTAssertEqual(plan.entries.prefix(4).map(summary), ["rnn/32/0.001/1", "rnn/32/0.001/2", "rnn/32/0.001/3", "rnn/32/0.003/1"])
        XCTAssertEqual(summary(plan.entries[27]), "gru/32/0.001/1")
        XCTAssertEqual(summary(plan.entries[80]), "lstm/128/0.01/3")
        XCTAssertEqual(plan.entries.configHashes.count, 81)
        for entry in plan.entries {
            XCTAssertEqual(entry.config.epochs, 10)
            XCTAssertEqual(entry.config.clipNorm, 1.0)
            XCTAssertEqual(entry.config.optimizer, .adam)
            XCTAssertEqual(entry.config.task.parameters["length"], .number(50))
            XCTAssertEqual(entry.configJSON, entry.config.canonicalJSONText)
            XCTAssertEqual(entry.configHash, SHA256.hexDigest(entry.configJSON))
        }
    }

    func testGridOverridesTrainAndNoGridIsOneRun() throws {
        let single = Plan(spec: try Spec.parse(#"{"name": "n", "task": {"name": "adding"}, "train": {"hidden": 8}}"#))
        XCTAssertEqual(single.entries.map(\.config.hidden), [8])
        let overridden = Plan(spec: try Spec.parse(#"{"name": "n", "task": {"name": "adding"}, "train": {"hidden": 8, "batch": 4}, "grid": {"hidden": [16, 24]}}"#))
        XCTAssertEqual(overridden.entries.map(\.config.hidden), [16, 24])
        XCTAssertEqual(overridden.entries.map(\.config.batch), [4, 4])
    }

    static let randomSpec = """
        {"name": "r", "task": {"name": "adding", "length": 10}, "train": {"epochs": 2, "optimizer": "momentum"},
         "grid": {"cell": ["gru", "lstm"]},
         "random": {"samples": 6, "search_seed": 42,
                    "lr": {"log_uniform": [1e-4, 1e-1]}, "hidden": {"choice": [32, 64, 128]},
                    "seed": {"int_uniform": [1, 5]}, "momentum": {"uniform": [0.5, 0.9]}}}
        """

    func testRandomSearchDrawsFromSearchSeedInFieldOrder() throws {
        let plan = Plan(spec: try Spec.parse(Self.randomSpec))
        XCTAssertEqual(plan.entries.count, 12)
        // Draws in RunField order: hidden, lr, seed, momentum; each draw paired over the grid's cells.
        var rng = Xoshiro256(seed: 42)
        for sample in 0..<6 {
            let hidden = [32, 64, 128][rng.nextInt(below: 3)]
            let lr = exp(log(1e-4) + (log(1e-1) - log(1e-4)) * rng.nextDouble())
            let seed = 1 + rng.nextInt(below: 5)
            let momentum = 0.5 + (0.9 - 0.5) * rng.nextDouble()
            for (offset, cell) in [CellKind.gru, .lstm].enumerated() {
                let config = plan.entries[2 * sample + offset].config
                XCTAssertEqual(config.cell, cell)
                XCTAssertEqual(config.hidden, hidden)
                XCTAssertEqual(config.lr, lr)
                XCTAssertEqual(config.seed, seed)
                XCTAssertEqual(config.momentum, momentum)
                XCTAssertEqual(config.epochs, 2)
                XCTAssertTrue((1e-4...1e-1).contains(config.lr))
            }
        }
        // Deterministic, and a different search seed gives different draws.
        XCTAssertEqual(Plan(spec: try Spec.parse(Self.randomSpec)), plan)
        let other = Plan(spec: try Spec.parse(Self.randomSpec.replacingOccurrences(of: "\"search_seed\": 42", with: "\"search_seed\": 43")))
        XCTAssertNotEqual(other.entries.map(\.config.lr), plan.entries.map(\.config.lr))
    }

    func testRepeatedRandomDrawsAreDropped() throws {
        let plan = Plan(spec: try Spec.parse(#"{"name": "r", "task": {"name": "a"}, "random": {"samples": 20, "hidden": {"choice": [8, 16]}}}"#))
        XCTAssertEqual(Set(plan.entries.map(\.config.hidden)), [8, 16])
        XCTAssertEqual(plan.entries.count, 2)
        XCTAssertEqual(plan.entries.map(\.index), [0, 1])
    }

    func testShardsPartitionThePlanByConfigHash() throws {
        let plan = Plan(spec: try Spec.parse(SpecParsingTests.issueExample))
        for count in [1, 2, 3, 4, 7] {
            let shards = (0..<count).map { plan.shard($0, of: count) }
            // Every run in exactly one shard.
            XCTAssertEqual(shards.flatMap { $0 }.count, plan.entries.count, "\(count) shards")
            XCTAssertEqual(Set(shards.flatMap { $0.map(\.configHash) }), plan.entries.configHashes, "\(count) shards")
            for (index, shard) in shards.enumerated() {
                for entry in shard {
                    XCTAssertEqual(UInt64(entry.configHash.prefix(16), radix: 16)! % UInt64(count), UInt64(index))
                }
            }
            // SHA-256 spreads the 81 runs: no shard is empty or holds most of them.
            if count > 1 { XCTAssertTrue(shards.allSatisfy { !$0.isEmpty && $0.count < plan.entries.count * 3 / 4 }, "\(shards.map(\.count))") }
        }
        // Shards keep plan order.
        XCTAssertEqual(plan.shard(1, of: 3).map(\.index), plan.shard(1, of: 3).map(\.index).sorted())
    }

    func testShardOfARunDependsOnItsHashAloneNotItsPlanPosition() throws {
        // The fixed hash of PlanConfigHashTests starts 0ed069cd7167bc05 = 1067469442778643461.
        let config = RunConfig(cell: .gru, hidden: 64, lr: 0.003, seed: 2, batch: 32, epochs: 10, optimizer: .adam,
                               clipNorm: 1.0, task: TaskSpec(name: "adding", parameters: ["length": .number(50), "data_seed": .number(7)]))
        for index in [0, 5, 80] {
            let entry = PlanEntry(index: index, config: config)
            XCTAssertEqual(entry.shardKey, 1_067_469_442_778_643_461)
            XCTAssertEqual([3, 4, 7].map { entry.shard(of: $0) }, [2, 1, 4])
        }
        // Growing the grid moves no existing run to another shard.
        let small = Plan(spec: try Spec.parse(SpecParsingTests.issueExample))
        let grown = Plan(spec: try Spec.parse(SpecParsingTests.issueExample.replacingOccurrences(of: "\"seed\": [1, 2, 3]", with: "\"seed\": [0, 1, 2, 3]")))
        XCTAssertGreaterThan(grown.entries.count, small.entries.count)
        let grownShard = Set(grown.shard(2, of: 4).map(\.configHash))
        XCTAssertTrue(Set(small.shard(2, of: 4).map(\.configHash)).isSubset(of: grownShard))
    }

    func testPlannedRunCarriesTheStoreColumns() throws {
        let entry = Plan(spec: try Spec.parse(SpecParsingTests.issueExample)).entries[40]
        let row = entry.plannedRun(paramCount: 1234)
        XCTAssertEqual(row.planIndex, 40)
        XCTAssertEqual(row.configHash, entry.configHash)
        XCTAssertEqual(row.configJSON, entry.configJSON)
        XCTAssertEqual(row.task, "adding")
        XCTAssertEqual(row.cell, entry.config.cell.rawValue)
        XCTAssertEqual(row.hidden, entry.config.hidden)
        XCTAssertEqual(row.lr, entry.config.lr)
        XCTAssertEqual(row.seed, entry.config.seed)
        XCTAssertEqual(row.epochsPlanned, 10)
        XCTAssertEqual(row.paramCount, 1234)
    }
}
