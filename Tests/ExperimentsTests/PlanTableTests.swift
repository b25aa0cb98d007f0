// The dry-run table and the per-shape memos against what they replace: `String(format:)`
// rows, and parameter counts, budget hidden sizes and memory refusals computed per run.
import Foundation
import JSON
import SequenceModels
import Tasks
import XCTest
@testable import Experiments

final class PlanTableTests: XCTestCase {
    /// Runs with every cell and optimizer, random learning rates and momenta, extreme sizes and seeds.
    static let spec = """
        {"name": "t", "task": {"name": "adding", "length": 10}, "train": {"epochs": 100000, "batch": 65536},
         "grid": {"cell": ["rnn", "gru", "lstm", "gru_reset_after"], "optimizer": ["sgd", "momentum", "adam", "adamw", "rmsprop"],
                  "hidden": [1, 7, 65536], "seed": [0, 12345, 9007199254740992]},
         "random": {"samples": 3, "search_seed": 5, "lr": {"log_uniform": [1e-9, 10]}, "momentum": {"uniform": [0.1, 0.9]}}}
        """

    func testRowsAreWhatStringFormatWrites() throws {
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(10)], specDirectory: URL(fileURLWithPath: "/"))
        var entries = Plan(spec: try Spec.parse(Self.spec), task: task).entries
        XCTAssertEqual(entries.count, 3 * 4 * 5 * 3 * 3)
        // Fixed learning rates on the %g boundaries too (exponent form, trailing zeros, rounding).
        for (offset, lr) in [1e-4, 1e-5, 0.1, 123456.0, 1234567.0, 0.5, 1.0 / 3.0, 9.9999995e-5, 1e-300, 5e-324].enumerated() {
            entries[offset].config.lr = lr
        }
        var written = ""
        let counts = entries.map { Trainer.modelConfig($0.config, task: task).parameterCount }
        PlanTable.write(entries, parameterCounts: counts) { written += $0 }
        // %-Ns: padded to N, a longer name whole.
        func left(_ name: String, _ width: Int) -> String { name.count >= width ? name : name.padding(toLength: width, withPad: " ", startingAt: 0) }
        let expected = zip(entries, counts).map { entry, count in
            let c = entry.config
            return String(format: "%5d  %@  %@  %6d  %-10.6g  %4ld  %5d  %6d  %@  %6ld", entry.index, String(entry.configHash.prefix(12)),
                          left(c.cell.rawValue, 4), c.hidden, c.lr, c.seed, c.batch, c.epochs,
                          left(c.optimizer.rawValue, 9), count) + "\n"
        }.joined()
        XCTAssertEqual(written, expected)
        XCTAssertEqual(PlanTable.row(entries[0], parameterCount: counts[0]) + "\n", expected.prefix { $0 != "\n" } + "\n")
        XCTAssertTrue(written.contains("  gru_reset_after  "), "a cell name longer than its column is written whole")
        XCTAssertEqual(PlanTable.header(for: entries), PlanTable.header, "no run has other settings: no settings column")
    }

    func testRunsWithOtherSettingsGetASettingsColumn() throws {
        let spec = try Spec.parse("""
            {"name": "s", "task": {"name": "adding", "length": 10},
             "train": {"lr_schedule": {"name": "step", "gamma": 0.5, "step_epochs": 2}, "optimizer": "rmsprop"},
             "grid": {"cell": ["lstm"], "layers": [1, 2], "dropout": [0, 0.25], "weight_decay": [0, 0.01]}}
            """)
        let entries = Plan(spec: spec).entries
        XCTAssertEqual(PlanTable.header(for: entries), PlanTable.header + "  settings")
        var written = ""
        PlanTable.write(entries, parameterCounts: entries.map { _ in 1 }) { written += $0 }
        let settings = written.split(separator: "\n").map { line in line.components(separatedBy: "  1  ").last ?? "" }
        XCTAssertEqual(settings, ["step(gamma=0.5,every=2)", "wd=0.01 step(gamma=0.5,every=2)",
                                  "dropout=0.25 step(gamma=0.5,every=2)", "dropout=0.25 wd=0.01 step(gamma=0.5,every=2)",
                                  "layers=2 step(gamma=0.5,every=2)", "layers=2 wd=0.01 step(gamma=0.5,every=2)",
                                  "layers=2 dropout=0.25 step(gamma=0.5,every=2)", "layers=2 dropout=0.25 wd=0.01 step(gamma=0.5,every=2)"],
                       "the optimizer has its own column; the rest, in order")
    }

    func testShapeMemosGiveThePerRunValues() throws {
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(10)], specDirectory: URL(fileURLWithPath: "/"))
        let entries = Plan(spec: try Spec.parse(Self.spec), task: task).entries
        var counts = ParameterCountMemo()
        // A small limit, so that some shapes are refused and others not.
        let limit = 50_000_000
        var refusals = MemoryRefusalMemo(task: task, limit: limit)
        var refused = 0
        for entry in entries {
            let model = Trainer.modelConfig(entry.config, task: task)
            XCTAssertEqual(counts.count(model), model.parameterCount)
            let direct = MemoryEstimate(config: entry.config, task: task).refusal(limit: limit)
            XCTAssertEqual(refusals.refusal(entry.config), direct)
            if direct != nil { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertLessThan(refused, entries.count)

        let budgets = try Spec.parse("""
            {"name": "b", "task": {"name": "adding", "length": 10},
             "grid": {"cell": ["rnn", "gru", "lstm"], "params": [2000, 8000], "seed": [1, 2, 3], "layers": [1, 2]},
             "train": {"params_scope": "recurrent"}}
            """)
        var sizes = HiddenSizeMemo()
        for entry in Plan(spec: budgets, task: task).entries {
            var unsized = entry.config
            unsized.hidden = 64
            XCTAssertEqual(sizes.hiddenSize(for: unsized, task: task), ParameterBudget.hiddenSize(for: unsized, task: task))
            XCTAssertEqual(entry.config.hidden, ParameterBudget.hiddenSize(for: unsized, task: task))
        }
    }
}
