// Tests of spec validation: every kind of problem of issue 4, one line each naming the
// field path and value, all problems collected.
import Foundation
import JSON
import Tasks
import XCTest
@testable import Experiments

final class SpecValidationTests: XCTestCase {
    /// The problem lines of a spec that must fail.
    func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try Spec.parse(text)
            XCTFail("spec was accepted: \(text)", file: file, line: line)
            return []
        } catch let error as SpecError {
            for problem in error.problems {
                XCTAssertFalse(problem.description.contains("\n"), "multi-line problem: \(problem)", file: file, line: line)
            }
            XCTAssertEqual("\(error)", error.problems.map(\.description).joined(separator: "\n"), file: file, line: line)
            return error.problems.map(\.description)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    func spec(train: String = "{}", grid: String = "{}", extra: String = "") -> String {
        #"{"name": "s", "task": {"name": "adding"}, "train": \#(train), "grid": \#(grid)\#(extra)}"#
    }

    func testUnknownFieldsSuggestTheClosestName() {
        XCTAssertEqual(problems(#"{"name": "s", "task": {"name": "a"}, "gird": {}}"#),
                       [#"gird: unknown field "gird"; did you mean 'grid'?"#])
        XCTAssertEqual(problems(spec(train: #"{"hiden": 8}"#)), [#"train: unknown field "hiden"; did you mean 'hidden'?"#])
        XCTAssertEqual(problems(spec(train: #"{"epoch": 8}"#)), [#"train: unknown field "epoch"; did you mean 'epochs'?"#])
        XCTAssertEqual(problems(spec(grid: #"{"learning_rate": [0.1]}"#)), [#"grid: unknown field "learning_rate"; did you mean 'lr'?"#])
        XCTAssertEqual(problems(spec(grid: #"{"forgetbias": [1]}"#)), [#"grid: unknown field "forgetbias"; did you mean 'forget_bias'?"#])
        XCTAssertEqual(problems(spec(extra: #", "random": {"sample": 3}"#)), [
            #"random: unknown field "sample"; did you mean 'samples'?"#,
            "random.samples: missing (expected a positive integer: how many configurations to draw)",
        ])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 3, "lr": {"loguniform": [0.1, 1]}}"#)),
                       [#"random.lr: unknown field "loguniform"; did you mean 'log_uniform'?"#])
        // Nothing close: the valid names are listed instead.
        XCTAssertEqual(problems(spec(train: #"{"zzzzzzzz": 1}"#)), [
            #"train: unknown field "zzzzzzzz" (valid: cell, hidden, lr, seed, batch, epochs, optimizer, momentum, clip_norm, clip_value, forget_bias, layers, dropout, weight_decay, rmsprop_momentum, lr_schedule, early_stop, params, params_scope)"#,
        ])
    }

    func testWrongTypes() {
        XCTAssertEqual(problems(spec(train: #"{"hidden": "32"}"#)), [#"train.hidden: expected a positive integer, got a string "32""#])
        XCTAssertEqual(problems(spec(train: #"{"hidden": 3.5}"#)), ["train.hidden: expected a positive integer, got 3.5"])
        XCTAssertEqual(problems(spec(train: #"{"lr": true}"#)), ["train.lr: expected a positive number, got a boolean true"])
        XCTAssertEqual(problems(spec(train: #"{"cell": 3}"#)), ["train.cell: expected a string (rnn, gru, gru_reset_after or lstm), got a number 3"])
        XCTAssertEqual(problems(spec(train: #"{"epochs": null}"#)), ["train.epochs: expected a positive integer, got null"])
        XCTAssertEqual(problems(spec(grid: #"{"lr": 0.1}"#)), ["grid.lr: expected a list of values (each a positive number), got a number 0.1"])
        XCTAssertEqual(problems(spec(grid: #"{"hidden": [8, "16"]}"#)), [#"grid.hidden[1]: expected a positive integer, got a string "16""#])
        XCTAssertEqual(problems(spec(train: "[1]")), ["train: expected an object of run fields, got a list [1]"])
        XCTAssertEqual(problems(spec(grid: #""x""#)), [#"grid: expected an object of run fields to lists, got a string "x""#])
        XCTAssertEqual(problems(#"{"name": 5, "task": {"name": "a"}}"#), ["name: expected a non-empty string, got a number 5"])
        XCTAssertEqual(problems(#"{"name": "s", "task": "adding"}"#), [#"task: expected an object with a "name", got a string "adding""#])
        XCTAssertEqual(problems(#"{"name": "s", "task": {"name": 1}}"#), ["task.name: expected a non-empty string naming the task, got a number 1"])
        XCTAssertEqual(problems("[1, 2]"), ["spec: expected a JSON object at the top level, got a list [1,2]"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": "3"}"#)), [#"random.samples: expected a positive integer, got a string "3""#])
    }

    func testMissingRequiredFields() {
        XCTAssertEqual(problems(#"{"task": {"name": "a"}}"#), ["name: missing (expected a non-empty string naming the sweep)"])
        XCTAssertEqual(problems(#"{"name": " ", "task": {"name": "a"}}"#), ["name: must not be empty"])
        XCTAssertEqual(problems(#"{"name": "\#(String(repeating: "é", count: 101))", "task": {"name": "a"}}"#),
                       ["name: is 202 bytes long; at most 200 (it names files, whose names the file system limits)"])
        XCTAssertEqual(try Spec.parse(#"{"name": "\#(String(repeating: "x", count: 200))", "task": {"name": "a"}}"#).name.count, 200)
        for name in [#"a\nb"#, #"a\tb"#, #"x\u0000"#] {
            XCTAssertEqual(problems(#"{"name": "\#(name)", "task": {"name": "a"}}"#),
                           ["name: must not contain control characters such as a line break (it names files and Slurm jobs, and appears in one-line messages)"])
        }
        XCTAssertEqual(problems(#"{"name": "s"}"#), [#"task: missing (expected an object such as {"name": "adding", ...})"#])
        XCTAssertEqual(problems(#"{"name": "s", "task": {"length": 5}}"#), ["task.name: missing (expected a string naming the task)"])
    }

    func testIntegersBeyondTwoToThe53AreRefusedSayingWhy() {
        // 2^53 + 1 used to be read as 2^53 and accepted; 2^53 + 2 was "expected a positive integer".
        for value in ["9007199254740993", "9007199254740994"] {
            let lines = problems(spec(grid: #"{"seed": [\#(value)]}"#))
            XCTAssertEqual(lines.count, 1, "\(lines)")
            XCTAssertTrue(lines.first?.hasPrefix("grid.seed[0]: must be at most 9007199254740992 (2^53, the largest integer a JSON number holds exactly)") ?? false, "\(lines)")
        }
        XCTAssertEqual(try Spec.parse(spec(grid: #"{"seed": [9007199254740992]}"#)).grid.count, 1)
    }

    func testEmptyLists() {
        XCTAssertEqual(problems(spec(grid: #"{"seed": []}"#)), ["grid.seed: empty list (give at least one value, or remove the field)"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "hidden": {"choice": []}}"#)),
                       ["random.hidden.choice: empty list (give at least one value)"])
    }

    func testNonPositiveHiddenLrEpochsBatch() {
        XCTAssertEqual(problems(spec(train: #"{"hidden": 0}"#)), ["train.hidden: must be a positive integer, got 0"])
        XCTAssertEqual(problems(spec(train: #"{"lr": -0.1}"#)), ["train.lr: must be a positive number, got -0.1"])
        XCTAssertEqual(problems(spec(train: #"{"lr": 0}"#)), ["train.lr: must be a positive number, got 0"])
        XCTAssertEqual(problems(spec(train: #"{"epochs": -3}"#)), ["train.epochs: must be a positive integer, got -3"])
        XCTAssertEqual(problems(spec(train: #"{"batch": 0}"#)), ["train.batch: must be a positive integer, got 0"])
        XCTAssertEqual(problems(spec(grid: #"{"hidden": [32, -4]}"#)), ["grid.hidden[1]: must be a positive integer, got -4"])
        XCTAssertEqual(problems(spec(train: #"{"seed": -1}"#)), ["train.seed: must be a non-negative integer, got -1"])
        XCTAssertEqual(problems(spec(train: #"{"momentum": 1}"#)), ["train.momentum: must be in [0, 1), got 1"])
        // Below 1 as a Double, 1 as the Float32 training keeps: a model with dropout 1 would trap.
        XCTAssertEqual(problems(spec(train: #"{"dropout": 0.99999999}"#)),
                       ["train.dropout: must be in [0, 1), got 0.99999999, which is 1 as a Float32 (the largest below 1 is 0.99999994)"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "dropout": {"uniform": [0.5, 0.999999999]}}"#)),
                       ["random.dropout.uniform[1]: must be in [0, 1), got 0.999999999, which is 1 as a Float32 (the largest below 1 is 0.99999994)"])
        XCTAssertNoThrow(try Spec.parse(spec(train: #"{"dropout": 0.99999994}"#)))
        XCTAssertEqual(problems(spec(train: #"{"clip_norm": 0}"#)), ["train.clip_norm: must be a positive number, got 0"])
    }

    func testUnknownCellAndOptimizer() {
        XCTAssertEqual(problems(spec(grid: #"{"cell": ["gru", "grux"]}"#)),
                       [#"grid.cell[1]: unknown cell "grux" (expected one of rnn, gru, gru_reset_after, lstm; did you mean 'gru'?)"#])
        XCTAssertEqual(problems(spec(train: #"{"cell": "transformer"}"#)),
                       [#"train.cell: unknown cell "transformer" (expected one of rnn, gru, gru_reset_after, lstm)"#])
        XCTAssertEqual(problems(spec(train: #"{"optimizer": "adamx"}"#)),
                       [#"train.optimizer: unknown optimizer "adamx" (expected one of sgd, momentum, adam, adamw, rmsprop; did you mean 'adam'?)"#])
    }

    func testUnknownTaskIsReportedThroughTheTaskValidator() {
        let validator: Spec.TaskValidator = { name, _ in
            ["adding", "copy"].contains(name) ? [] : [TaskProblem(path: "task.name", message: "unknown task \"\(name)\" (expected one of adding, copy)")]
        }
        XCTAssertThrowsError(try Spec.parse(#"{"name": "s", "task": {"name": "addding"}}"#, taskValidator: validator)) { error in
            XCTAssertEqual("\(error)", #"task.name: unknown task "addding" (expected one of adding, copy)"#)
        }
    }

    func testDuplicateGridValue() {
        XCTAssertEqual(problems(spec(grid: #"{"seed": [1, 2, 1]}"#)), ["grid.seed[2]: duplicate value 1"])
    }

    func testRandomBlockProblems() {
        XCTAssertEqual(problems(spec(grid: #"{"lr": [0.1]}"#, extra: #", "random": {"samples": 2, "lr": {"uniform": [0.1, 0.2]}}"#)),
                       ["random.lr: also in grid; a field is either a grid axis or sampled, not both"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "hidden": {"log_uniform": [8, 64]}}"#)),
                       ["random.hidden.log_uniform: log_uniform draws non-integer values but hidden needs a positive integer; use int_uniform or choice"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "cell": {"uniform": [0, 1]}}"#)),
                       [#"random.cell.uniform: cell takes names, not numbers; use {"choice": [...]}"#])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "lr": {"log_uniform": [0, 0.1]}}"#)),
                       ["random.lr.log_uniform[0]: log_uniform bounds must be positive, got 0"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "lr": {"uniform": [0.5, 0.1]}}"#)),
                       ["random.lr.uniform: low 0.5 is above high 0.1"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "hidden": {"int_uniform": [8, 16.5]}}"#)),
                       ["random.hidden.int_uniform[1]: expected an integer, got 16.5"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "hidden": {"int_uniform": [0, 16]}}"#)),
                       ["random.hidden.int_uniform[0]: must be a positive integer, got 0"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "lr": {"uniform": [0.1]}}"#)),
                       ["random.lr.uniform: expected a list of two numbers [low, high], got [0.1]"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "lr": 0.1}"#)),
                       [#"random.lr: expected one distribution such as {"log_uniform": [1e-4, 1e-1]} or {"choice": [...]}, got 0.1"#])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 0}"#)),
                       ["random.samples: must be a positive integer (at most 1000000), got 0"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 1, "search_seed": -2}"#)),
                       ["random.search_seed: expected a non-negative integer, got a number -2"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 1, "optimizer": {"choice": ["adam", "adagrad"]}}"#)),
                       [#"random.optimizer.choice[1]: unknown optimizer "adagrad" (expected one of sgd, momentum, adam, adamw, rmsprop)"#])
    }

    func testAllProblemsAreCollectedNotJustTheFirst() {
        let text = """
            {"nme": "s", "task": {"name": "adding"},
             "train": {"hidden": 0, "lr": -1, "epochs": 0, "batch": -8, "optimizer": "adamx", "hiden": 3},
             "grid": {"cell": ["gru", "lstn"], "seed": []}}
            """
        XCTAssertEqual(problems(text), [
            #"nme: unknown field "nme"; did you mean 'name'?"#,
            "name: missing (expected a non-empty string naming the sweep)",
            "train.batch: must be a positive integer, got -8",
            "train.epochs: must be a positive integer, got 0",
            "train.hidden: must be a positive integer, got 0",
            #"train: unknown field "hiden"; did you mean 'hidden'?"#,
            "train.lr: must be a positive number, got -1",
            #"train.optimizer: unknown optimizer "adamx" (expected one of sgd, momentum, adam, adamw, rmsprop; did you mean 'adam'?)"#,
            #"grid.cell[1]: unknown cell "lstn" (expected one of rnn, gru, gru_reset_after, lstm; did you mean 'lstm'?)"#,
            "grid.seed: empty list (give at least one value, or remove the field)",
        ])
    }
}
