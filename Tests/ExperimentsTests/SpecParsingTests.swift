// Tests of spec parsing: the issue's example, defaults, overrides, random blocks, and the
// strict JSON parser's line and column on malformed input.
import Foundation
import JSON
import SequenceModels
import Tasks
import XCTest
@testable import Experiments

final class SpecParsingTests: XCTestCase {
    static let issueExample = """
    {
      "name": "adding-t50",
      "task":  { "name": "adding", "length": 50, "train_size": 10000, "val_size": 1000, "data_seed": 7 },
      "train": { "epochs": 10, "batch": 32, "optimizer": "adam", "clip_norm": 1.0 },
      "grid":  { "cell": ["rnn", "gru", "lstm"], "hidden": [32, 64, 128],
                 "lr": [0.001, 0.003, 0.01], "seed": [1, 2, 3] }
    }
    """

    func testIssueExampleParsesIntoTypedValues() throws {
        let spec = try Spec.parse(Self.issueExample)
        XCTAssertEqual(spec.name, "adding-t50")
        XCTAssertEqual(spec.task, TaskSpec(name: "adding", parameters: [
            "length": .number(50), "train_size": .number(10000), "val_size": .number(1000), "data_seed": .number(7),
        ]))
        XCTAssertEqual(spec.base.epochs, 10)
        XCTAssertEqual(spec.base.batch, 32)
        XCTAssertEqual(spec.base.optimizer, .adam)
        XCTAssertEqual(spec.base.clipNorm, 1.0)
        XCTAssertEqual(spec.base.task, spec.task)
        XCTAssertEqual(spec.grid.map(\.field), [.cell, .hidden, .lr, .seed])
        XCTAssertEqual(spec.grid[0].values, [.cell(.rnn), .cell(.gru), .cell(.lstm)])
        XCTAssertEqual(spec.grid[1].values, [.integer(32), .integer(64), .integer(128)])
        XCTAssertEqual(spec.grid[2].values, [.real(0.001), .real(0.003), .real(0.01)])
        XCTAssertNil(spec.random)
        XCTAssertEqual(spec.sourceJSON, Self.issueExample)
    }

    func testDefaultsWhereTheSpecIsSilent() throws {
        let spec = try Spec.parse(#"{"name": "n", "task": {"name": "reber"}}"#)
        XCTAssertEqual(spec.base, RunConfig(cell: .lstm, hidden: 32, lr: 0.001, seed: 1, batch: 32, epochs: 10,
                                            optimizer: .adam, momentum: 0.9, clipNorm: nil, clipValue: nil,
                                            forgetBias: 1.0, task: TaskSpec(name: "reber")))
        XCTAssertEqual(spec.grid, [])
    }

    func testTrainSetsEveryFieldAndNullUnsetsOptionalClipping() throws {
        let spec = try Spec.parse("""
            {"name": "n", "task": {"name": "copy"},
             "train": {"cell": "gru", "hidden": 16, "lr": 0.5, "seed": 0, "batch": 4, "epochs": 2,
                       "optimizer": "momentum", "momentum": 0.5, "clip_norm": null, "clip_value": 2,
                       "forget_bias": -1.5}}
            """)
        XCTAssertEqual(spec.base, RunConfig(cell: .gru, hidden: 16, lr: 0.5, seed: 0, batch: 4, epochs: 2,
                                            optimizer: .momentum, momentum: 0.5, clipNorm: nil, clipValue: 2,
                                            forgetBias: -1.5, task: TaskSpec(name: "copy")))
    }

    func testRandomBlockParsesEveryDistribution() throws {
        let spec = try Spec.parse("""
            {"name": "r", "task": {"name": "adding"}, "train": {"optimizer": "momentum"}, "grid": {"cell": ["gru", "lstm"]},
             "random": {"samples": 5, "search_seed": 11,
                        "lr": {"log_uniform": [1e-4, 1e-1]}, "momentum": {"uniform": [0.5, 0.95]},
                        "hidden": {"choice": [32, 64, 128]}, "seed": {"int_uniform": [1, 100]}}}
            """)
        let random = try XCTUnwrap(spec.random)
        XCTAssertEqual(random.samples, 5)
        XCTAssertEqual(random.searchSeed, 11)
        XCTAssertEqual(random.fields, [
            RandomField(field: .hidden, distribution: .choice([.integer(32), .integer(64), .integer(128)])),
            RandomField(field: .lr, distribution: .logUniform(low: 1e-4, high: 1e-1)),
            RandomField(field: .seed, distribution: .intUniform(low: 1, high: 100)),
            RandomField(field: .momentum, distribution: .uniform(low: 0.5, high: 0.95)),
        ])
        XCTAssertEqual(try Spec.parse(#"{"name": "r", "task": {"name": "a"}, "random": {"samples": 1}}"#).random?.searchSeed, 0)
    }

    func testTaskValidatorReceivesTaskNameAndParametersAndItsLinesAreProblems() throws {
        var received: [(String, [String: JSONValue])] = []
        let validator: Spec.TaskValidator = { name, parameters in
            received.append((name, parameters))
            return parameters["length"] == .number(0) ? [TaskProblem(path: "task.length", message: "must be a positive integer, got 0")] : []
        }
        _ = try Spec.parse(#"{"name": "n", "task": {"name": "adding", "length": 5}}"#, taskValidator: validator)
        XCTAssertEqual(received.count, 1)
        XCTAssertEqual(received[0].0, "adding")
        XCTAssertEqual(received[0].1, ["length": .number(5)])
        XCTAssertThrowsError(try Spec.parse(#"{"name": "n", "task": {"name": "adding", "length": 0}}"#, taskValidator: validator)) { error in
            XCTAssertEqual("\(error)", "task.length: must be a positive integer, got 0")
        }
    }

    func testLoadReadsAFileAndNamesItInProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("SpecTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json")
        try Self.issueExample.write(to: good, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Spec.load(path: good.path).name, "adding-t50")
        let bad = folder.appendingPathComponent("bad.json")
        try #"{"name": "n", "task": {"name": "a"}, "train": {"hidden": 0}}"#.write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Spec.load(path: bad.path)) { error in
            XCTAssertEqual("\(error)", "\(bad.path): train.hidden: must be a positive integer, got 0")
        }
        let missing = folder.appendingPathComponent("missing.json").path
        XCTAssertThrowsError(try Spec.load(path: missing)) { error in
            XCTAssertEqual("\(error)", "\(missing): spec: cannot read the spec file (no such file)")
        }
        // Each unreadable file says why: empty, a folder, not UTF-8 (each used to read "not readable as UTF-8 text").
        let empty = folder.appendingPathComponent("empty.json"), latin1 = folder.appendingPathComponent("latin1.json")
        try Data().write(to: empty)
        try Data([0x7B, 0x22, 0xE9, 0x22, 0x7D]).write(to: latin1)   // {"é"} in Latin-1
        for (path, reason) in [(empty.path, "the file is empty"), (folder.path, "it is a folder"), (latin1.path, "not UTF-8 text")] {
            XCTAssertThrowsError(try Spec.load(path: path)) { error in
                XCTAssertEqual("\(error)", "\(path): spec: cannot read the spec file (\(reason))")
            }
        }
        // A pipe is read like a file (`runner sweep /dev/stdin < spec.json`).
        let pipe = folder.appendingPathComponent("pipe.json").path
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        let writer = Thread { try? Self.issueExample.write(toFile: pipe, atomically: false, encoding: .utf8) }
        writer.start()
        XCTAssertEqual(try Spec.load(path: pipe).name, "adding-t50")
    }

    func testMalformedSpecIsOneProblemWithLineAndColumn() {
        XCTAssertThrowsError(try Spec.parse("{\n  \"name\": \"x\",\n  \"task\": {\"name\": \"adding\"\n}", file: "grid.json")) { error in
            guard let specError = error as? SpecError else { return XCTFail("\(error)") }
            XCTAssertEqual(specError.problems.count, 1)
            XCTAssertEqual("\(error)", "grid.json: line 4, column 2: malformed JSON: expected ',' or '}' after the value of \"task\", found end of file")
        }
    }
}
