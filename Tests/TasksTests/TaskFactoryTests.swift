// Tests of building tasks from spec task blocks, and of every validation error.
import JSON
import XCTest
import Foundation
@testable import Tasks

final class TaskFactoryTests: XCTestCase {
    let here = URL(fileURLWithPath: "/nonexistent-spec-folder")

    func problems(_ name: String, _ parameters: [String: JSONValue], in folder: URL? = nil) -> [String] {
        TaskFactory.validate(name: name, parameters: parameters, specDirectory: folder ?? here).map(\.description)
    }

    func testValidBlocksMakeTheRightTasks() throws {
        let adding = try TaskFactory.make(name: "adding", parameters: ["name": .string("adding"), "length": .number(10),
                                                                      "train_size": .number(20), "val_size": .number(5),
                                                                      "data_seed": .number(7)], specDirectory: here)
        XCTAssertEqual(adding.name, "adding")
        XCTAssertEqual(adding.trainExampleCount, 20)
        XCTAssertEqual(adding.validationExampleCount, 5)
        XCTAssertEqual((adding as? AddingTask)?.trainExamples,
                       AddingTask(length: 10, trainSize: 20, valSize: 5, dataSeed: 7).trainExamples)
        let copy = try TaskFactory.make(name: "copy", parameters: ["length": .number(3)], specDirectory: here)
        XCTAssertEqual(copy.trainExampleCount, 10000, "default train_size")
        XCTAssertEqual((copy as? CopyMemoryTask)?.steps, 23)
        let reber = try TaskFactory.make(name: "reber", parameters: ["train_size": .number(10), "max_length": .number(12)],
                                         specDirectory: here)
        XCTAssertEqual((reber as? EmbeddedReberTask)?.maxLength, 12)
        XCTAssertEqual(Set(TaskFactory.knownTasks), ["adding", "copy", "reber", "charlm", "sequences"])
        for name in TaskFactory.knownTasks where name != "charlm" && name != "sequences" {
            XCTAssertEqual(problems(name, ["length": .number(5)].filter { _ in name != "reber" }), [], name)
        }
    }

    func testCharlmReadsItsPathRelativeToTheSpecFolder() throws {
        let folder = try makeTemporaryFolder(self)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("specs"), withIntermediateDirectories: true)
        try String(repeating: "hello world. ", count: 20).write(to: folder.appendingPathComponent("corpus.txt"),
                                                                 atomically: true, encoding: .utf8)
        let parameters: [String: JSONValue] = ["path": .string("../corpus.txt"), "seq_len": .number(8), "val_fraction": .number(0.2)]
        XCTAssertEqual(problems("charlm", parameters, in: folder.appendingPathComponent("specs")), [])
        let task = try TaskFactory.make(name: "charlm", parameters: parameters, specDirectory: folder.appendingPathComponent("specs"))
        XCTAssertEqual(task.metricName, "bits_per_char")
        XCTAssertEqual(task.characterVocabulary?.symbols, Array(" .dehlorw".unicodeScalars))
        XCTAssertEqual(task.inputSize, 10, "9 characters and the unknown symbol")
    }

    func testNonPositiveLengthsAndSizesNameTaskFieldAndValue() {
        XCTAssertEqual(problems("adding", ["length": .number(0)]),
                       ["task.length: expected an integer ≥ 2, got 0"])
        XCTAssertEqual(problems("copy", ["length": .number(-3)]),
                       ["task.length: expected an integer ≥ 1, got -3"])
        XCTAssertEqual(problems("copy", ["length": .number(5), "train_size": .number(0), "val_size": .number(-1)]),
                       ["task.train_size: expected an integer ≥ 1, got 0",
                        "task.val_size: expected an integer ≥ 1, got -1"])
        XCTAssertEqual(problems("reber", ["max_length": .number(8)]),
                       ["task.max_length: expected an integer ≥ 9, got 8"])
        XCTAssertEqual(problems("adding", ["length": .number(5), "data_seed": .number(-1)]),
                       ["task.data_seed: expected an integer ≥ 0, got -1"])
    }

    func testDataTooLargeForMemoryIsRefused() {
        XCTAssertEqual(problems("adding", ["length": .number(1_000_000), "train_size": .number(1000), "val_size": .number(10)]),
                       ["task: train_size + val_size + test_size = 1020 sequences of up to 1000000 steps make 1020000000 steps; expected at most 100000000"])
        XCTAssertEqual(problems("copy", ["length": .number(99980), "train_size": .number(999), "val_size": .number(1), "test_size": .number(0)]), [],
                       "exactly at the limit")
        XCTAssertEqual(problems("copy", ["length": .number(99981), "train_size": .number(999), "val_size": .number(1), "test_size": .number(0)]).count, 1)
        XCTAssertEqual(problems("copy", ["length": .number(99980), "train_size": .number(999), "val_size": .number(1)]).count, 1,
                       "the test split (default val_size) counts too")
    }

    func testMissingRequiredFieldAndWrongTypes() {
        XCTAssertEqual(problems("adding", [:]), ["task.length: missing (expected an integer ≥ 2)"])
        XCTAssertEqual(problems("adding", ["length": .string("50")]),
                       ["task.length: expected an integer ≥ 2, got \"50\""])
        XCTAssertEqual(problems("adding", ["length": .number(2.5)]),
                       ["task.length: expected an integer ≥ 2, got 2.5"])
        XCTAssertEqual(problems("charlm", ["path": .number(3)]),
                       ["task.path: expected a path to a UTF-8 text file or folder, got 3"])
        XCTAssertEqual(problems("charlm", [:]),
                       ["task.path: missing (expected a path to a UTF-8 text file or folder)"])
        XCTAssertEqual(problems("copy", ["length": .array([.number(1), .number(2)])]),
                       ["task.length: expected an integer ≥ 1, got [1,2]"])
    }

    func testUnknownFieldSuggestsTheClosestName() {
        XCTAssertEqual(problems("adding", ["length": .number(5), "lenght": .number(5)]),
                       ["task.lenght: unknown field of task adding; did you mean 'length'?"])
        XCTAssertEqual(problems("copy", ["length": .number(5), "trainsize": .number(5)]),
                       ["task.trainsize: unknown field of task copy; did you mean 'train_size'?"])
        XCTAssertEqual(problems("reber", ["colour": .string("red")]),
                       ["task.colour: unknown field of task reber; known fields: train_size, val_size, test_size, max_length, data_seed"])
    }

    func testUnknownTaskNameSuggestsTheClosestTask() {
        XCTAssertEqual(problems("addng", [:]),
                       ["task.name: unknown task \"addng\" (expected one of adding, copy, reber, charlm, sequences; did you mean 'adding'?)"])
        XCTAssertEqual(problems("translation", [:]),
                       ["task.name: unknown task \"translation\" (expected one of adding, copy, reber, charlm, sequences)"])
    }

    func testValFractionOutsideTheOpenUnitInterval() throws {
        let folder = try makeTemporaryFolder(self)
        try String(repeating: "abc", count: 50).write(to: folder.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        for bad in [0.0, 1.0, -0.2, 1.5] {
            XCTAssertEqual(problems("charlm", ["path": .string("t.txt"), "val_fraction": .number(bad)], in: folder),
                           ["task.val_fraction: expected a number strictly between 0 and 1, got \(shortJSON(.number(bad)))"])
        }
    }

    func testMissingEmptyAndNonUTF8FilesAndTooShortText() throws {
        let folder = try makeTemporaryFolder(self)
        try Data().write(to: folder.appendingPathComponent("empty.txt"))
        try Data([0x68, 0x69, 0xC3, 0x28]).write(to: folder.appendingPathComponent("bad.txt"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("binaries"), withIntermediateDirectories: true)
        try Data([0, 1, 2]).write(to: folder.appendingPathComponent("binaries/x.bin"))
        try "short text".write(to: folder.appendingPathComponent("short.txt"), atomically: true, encoding: .utf8)
        let path = folder.path
        XCTAssertEqual(problems("charlm", ["path": .string("nope.txt")], in: folder),
                       ["task.path: cannot read \"nope.txt\": \"\(path)/nope.txt\" does not exist; expected a UTF-8 text file or a folder of them"])
        XCTAssertEqual(problems("charlm", ["path": .string("empty.txt")], in: folder),
                       ["task.path: cannot read \"empty.txt\": \"\(path)/empty.txt\" is empty; expected UTF-8 text"])
        XCTAssertEqual(problems("charlm", ["path": .string("bad.txt")], in: folder),
                       ["task.path: cannot read \"bad.txt\": \"\(path)/bad.txt\" is not UTF-8 text (invalid UTF-8 or NUL bytes)"])
        XCTAssertEqual(problems("charlm", ["path": .string("binaries")], in: folder),
                       ["task.path: cannot read \"binaries\": folder \"\(path)/binaries\" contains no non-empty UTF-8 text file"])
        XCTAssertEqual(problems("charlm", ["path": .string("short.txt"), "seq_len": .number(9)], in: folder),
                       ["task.seq_len: is 9 but the text of 10 characters leaves 9 for training; expected seq_len < 9"])
        XCTAssertThrowsError(try TaskFactory.make(name: "charlm", parameters: ["path": .string("empty.txt"), "seq_len": .number(0)],
                                                  specDirectory: folder)) { error in
            XCTAssertEqual((error as? TaskParameterError)?.problems.count, 2, "every problem is reported, not just the first")
        }
    }

    func testMakeThrowsTheSameProblemsValidateReturns() {
        let parameters: [String: JSONValue] = ["length": .number(0), "seed": .number(1)]
        XCTAssertThrowsError(try TaskFactory.make(name: "copy", parameters: parameters, specDirectory: here)) { error in
            XCTAssertEqual((error as? TaskParameterError)?.problems.map(\.description), self.problems("copy", parameters))
            XCTAssertEqual((error as? TaskParameterError)?.problems.count, 2)
        }
    }
}
