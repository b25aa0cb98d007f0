// The `sequences` task: its batches, splits and baselines from NumPy archives the
// tests write, and every bad input refused in one line naming file, array and problem.
import Foundation
import XCTest
import JSON
import NumPyFiles
import ZIPFoundation
import SequenceModels
@testable import Tasks

/// Writes `arrays` as data.npz in a fresh folder and returns the folder.
func writeDataSet(_ testCase: XCTestCase, _ arrays: [String: NumPyArray], compressed: Bool = true) throws -> URL {
    let folder = try makeTemporaryFolder(testCase)
    try NPYWriter.writeArchive(arrays, to: folder.appendingPathComponent("data.npz"), compressed: compressed)
    return folder
}

final class SequencesTaskTests: XCTestCase {
    /// Three dense sequences (T = 4, X = 2) of lengths 4, 2, 3 with per-step bernoulli targets (Y = 2).
    func bernoulliArrays() -> [String: NumPyArray] {
        [
            "x_train": .float32((0..<24).map { Float($0) }, shape: [3, 4, 2]),
            "y_train": .float32((0..<24).map { Float($0 % 3 == 0 ? 1 : 0) }, shape: [3, 4, 2]),
            "len_train": .integers([4, 2, 3], shape: [3], dtype: .int32),
            "x_val": .float32([Float](repeating: 0.5, count: 8), shape: [1, 4, 2]),
            "y_val": .float32([1, 0, 1, 0, 1, 0, 1, 0], shape: [1, 4, 2]),
            "x_test": .float32([Float](repeating: 1, count: 16), shape: [2, 4, 2]),
            "y_test": .integers([Int64](repeating: 1, count: 16), shape: [2, 4, 2], dtype: .bool),
        ]
    }

    func make(_ parameters: [String: JSONValue], in folder: URL) throws -> SequencesTask {
        var p = parameters
        if p["path"] == nil { p["path"] = .string("data.npz") }
        return try XCTUnwrap(try TaskFactory.make(name: "sequences", parameters: p, specDirectory: folder) as? SequencesTask)
    }

    func testBernoulliBatchesPadAndMaskEachSequence() throws {
        let folder = try writeDataSet(self, bernoulliArrays())
        let task = try make(["head": .string("bernoulli")], in: folder)
        XCTAssertEqual(task.inputSize, 2)
        XCTAssertEqual(task.outputSize, 2)
        XCTAssertEqual(task.head, .bernoulli)
        XCTAssertEqual(task.metricName, "nll_per_step")
        XCTAssertEqual([task.trainExampleCount, task.validationExampleCount, task.testExampleCount], [3, 1, 2])
        // Sequences 1 and 2 (lengths 2 and 3): the batch has 3 steps; step 2 of sequence 1 is padding.
        let batch = task.makeTrainBatch(examples: [1, 2])
        XCTAssertEqual(batch.steps, 3)
        guard case .values(let y, let mask, let width) = batch.targets else { return XCTFail("value targets") }
        XCTAssertEqual(width, 2)
        XCTAssertEqual(mask, [1, 1, 1, 1, 0, 1])
        // x_train[1, 0, :] = [8, 9] at (t 0, b 0); x_train[2, 2, :] = [20, 21] at (t 2, b 1); padding zero.
        XCTAssertEqual(Array(batch.inputs[0..<2]), [8, 9])
        XCTAssertEqual(Array(batch.inputs[10..<12]), [20, 21])
        XCTAssertEqual(Array(batch.inputs[8..<10]), [0, 0])
        XCTAssertEqual(Array(y[0..<2]), [0, 1], "y_train[1, 0] = elements 8, 9: 8 % 3, 9 % 3")
        // The test split reads its bool targets as 0/1.
        guard case .values(let testY, _, _) = task.makeTestBatch(examples: [0]).targets else { return XCTFail() }
        XCTAssertEqual(Set(testY), [1])
        // Baseline: unit frequencies over the 9 valid training steps, add-one smoothed.
        var ones = [0.0, 0.0]
        for (n, length) in [4, 2, 3].enumerated() { for t in 0..<length { for v in 0..<2 where ((n * 4 + t) * 2 + v) % 3 == 0 { ones[v] += 1 } } }
        let p = ones.map { ($0 + 1) / 11 }
        let expected = -(log(p[0]) + log(1 - p[1]))   // every validation step is [1, 0]
        XCTAssertEqual(task.baseline.metric!, expected, accuracy: 1e-12)
    }

    func testSoftmaxTokensAndPerSequenceLabels() throws {
        // Token ids (N, T) with one class per sequence, predicted at its last valid step; no _val:
        // val_fraction of the training sequences validates, chosen by data_seed.
        let arrays: [String: NumPyArray] = [
            "x_train": .integers((0..<40).map { Int64($0 % 5) }, shape: [10, 4]),
            "y_train": .integers((0..<10).map { Int64($0 % 3) }, shape: [10], dtype: .uint8),
            "len_train": .integers((0..<10).map { Int64(1 + $0 % 4) }, shape: [10]),
        ]
        let folder = try writeDataSet(self, arrays, compressed: false)
        let task = try make(["head": .string("softmax"), "val_fraction": .number(0.3), "data_seed": .number(4)], in: folder)
        XCTAssertEqual(task.inputSize, 5, "vocab inferred as max id + 1")
        XCTAssertEqual(task.outputSize, 3)
        XCTAssertEqual([task.trainExampleCount, task.validationExampleCount], [7, 3])
        XCTAssertEqual(task.metricName, "accuracy")
        let again = try make(["head": .string("softmax"), "val_fraction": .number(0.3), "data_seed": .number(4)], in: folder)
        XCTAssertEqual(again.validation.lengths, task.validation.lengths)
        let other = try make(["head": .string("softmax"), "val_fraction": .number(0.3), "data_seed": .number(5)], in: folder)
        XCTAssertEqual(other.validationExampleCount, 3)
        // Every validation and training sequence is one of the originals, each once.
        XCTAssertEqual((task.train.lengths + task.validation.lengths).sorted(), (0..<10).map { 1 + $0 % 4 }.sorted())
        let batch = task.makeValidationBatch(examples: [0, 1, 2])
        guard case .classes(let labels) = batch.targets else { return XCTFail() }
        XCTAssertEqual(labels.filter { $0 >= 0 }.count, 3, "one target per sequence")
        for b in 0..<3 {
            let last = task.validation.lengths[b] - 1
            XCTAssertEqual(labels[last * 3 + b], task.validation.classes[b])
            // One-hot inputs over the vocabulary.
            XCTAssertEqual(batch.inputs[(last * 3 + b) * 5 ..< (last * 3 + b) * 5 + 5].reduce(0, +), 1)
        }
        XCTAssertEqual(task.testExampleCount, 0)
        XCTAssertEqual(task.testBatches(batchSize: 4).count, 0)
    }

    func testClassesFarBeyondTheDataNeedNoArrayOfThatSize() throws {
        // "classes" sets the softmax width: the baseline counts only the labels present, so 10^11
        // classes (which no model could train; the memory estimate refuses it) build the task
        // without an allocation of that size, and give the add-one smoothed frequencies.
        let arrays: [String: NumPyArray] = [
            "x_train": .integers([0, 1, 2, 0, 1, 2], shape: [2, 3]), "y_train": .integers([0, 1, 1, 1, 2, 1], shape: [2, 3]),
            "x_val": .integers([0, 1], shape: [1, 2]), "y_val": .integers([1, 3], shape: [1, 2]),
        ]
        let folder = try writeDataSet(self, arrays)
        let classes = 100_000_000_000
        let task = try make(["head": .string("softmax"), "classes": .number(Double(classes))], in: folder)
        XCTAssertEqual(task.outputSize, classes)
        // Training labels 0, 1 ×4, 2: total = classes + 6; validation labels 1 (count 5) and 3 (count 1).
        let total = Double(classes) + 6
        XCTAssertEqual(task.baseline.loss!, -(log(5 / total) + log(1 / total)) / 2, accuracy: 1e-12)
        XCTAssertEqual(task.baseline.metric, 0.5, "the majority class 1 is one of the two validation labels")
        let few = try make(["head": .string("softmax"), "classes": .number(4)], in: folder)
        XCTAssertEqual(few.baseline.loss!, -(log(5.0 / 10) + log(1.0 / 10)) / 2, accuracy: 1e-12)
    }

    func testBoolInputsAreZeroOneFeatures() throws {
        // A piano roll saved as bool (N, T, X) reads as float 0/1 features, as the README lists |b1.
        let on: [Bool] = (0..<12).map { $0 % 3 == 0 }
        let arrays: [String: NumPyArray] = [
            "x_train": NumPyArray(dtype: .bool, shape: [2, 3, 2], bytes: Data(on.map { $0 ? 1 : 0 })),
            "y_train": .float32([Float](repeating: 1, count: 12), shape: [2, 3, 2]),
        ]
        let task = try make(["head": .string("bernoulli"), "val_fraction": .number(0.5)], in: try writeDataSet(self, arrays))
        XCTAssertEqual(task.inputSize, 2)
        XCTAssertNil(task.vocabularySize)
        XCTAssertEqual(Set(task.train.inputs! + task.validation.inputs!), [0, 1])
    }

    func testMsePerSequenceTargetsAndMeanBaseline() throws {
        let arrays: [String: NumPyArray] = [
            "x_train": .float64((0..<12).map { Double($0) }, shape: [3, 2, 2]),
            "y_train": .float32([1, 2, 3, 4, 5, 6], shape: [3, 2]),
            "x_val": .float32([Float](repeating: 0, count: 4), shape: [1, 2, 2]),
            "y_val": .float32([0, 0], shape: [1, 2]),
        ]
        let task = try make(["head": .string("mse")], in: try writeDataSet(self, arrays))
        XCTAssertEqual(task.head, .linear)
        XCTAssertEqual(task.outputSize, 2)
        // Training means (3, 4); validation target (0, 0): MSE (9 + 16) / 2.
        XCTAssertEqual(task.baseline.metric!, 12.5, accuracy: 1e-12)
        let batch = task.makeTrainBatch(examples: [2])
        guard case .values(let y, let mask, _) = batch.targets else { return XCTFail() }
        XCTAssertEqual(mask, [0, 1])
        XCTAssertEqual(Array(y[2..<4]), [5, 6])
    }

    // MARK: - Bad input

    /// Each case: arrays (or a file's raw bytes), parameters, and what the one line must contain.
    struct BadCase {
        var label: String
        var arrays: [String: NumPyArray]?
        var rawFile: Data? = nil
        var parameters: [String: JSONValue] = ["head": .string("softmax")]
        var expected: String
    }

    func badCases() throws -> [BadCase] {
        let x = NumPyArray.float32([Float](repeating: 0.5, count: 12), shape: [2, 3, 2])
        let y = NumPyArray.integers([0, 1, 1, 0, 1, 0], shape: [2, 3])
        var nan = [Float](repeating: 0.5, count: 12); nan[7] = .nan
        let bernoulli: [String: JSONValue] = ["head": .string("bernoulli")]
        let yUnits = NumPyArray.float32([Float](repeating: 1, count: 12), shape: [2, 3, 2])
        return [
            BadCase(label: "missing file", arrays: nil, expected: "data.npz: no such file or folder"),
            BadCase(label: "not a zip", arrays: nil, rawFile: Data("not a zip".utf8), expected: "data.npz: not a .npz file"),
            BadCase(label: "no x_train", arrays: ["y_train": y], expected: "data.npz: no array \"x_train\"; found y_train"),
            BadCase(label: "no y_train", arrays: ["x_train": x], expected: "data.npz: no array \"y_train\" beside \"x_train\""),
            BadCase(label: "misnamed", arrays: ["x_train": x, "y_train": y, "x_valid": x], expected: "data.npz: array \"x_valid\": is not one of the arrays read"),
            BadCase(label: "x_val without y_val", arrays: ["x_train": x, "y_train": y, "x_val": x], expected: "data.npz: no array \"y_val\" beside \"x_val\""),
            BadCase(label: "float x of rank 2", arrays: ["x_train": .float32([0, 0], shape: [1, 2]), "y_train": y], expected: "array \"x_train\": float inputs must be (N, T, X); got shape (1, 2)"),
            BadCase(label: "y rows disagree", arrays: ["x_train": x, "y_train": .integers([0, 1, 1], shape: [1, 3])], expected: "array \"y_train\": has shape (1, 3); the softmax head takes (2, 3) or (2,)"),
            BadCase(label: "len shape", arrays: ["x_train": x, "y_train": y, "len_train": .integers([1, 2, 3], shape: [3])], expected: "array \"len_train\": has shape (3,); expected (2,)"),
            BadCase(label: "length over T", arrays: ["x_train": x, "y_train": y, "len_train": .integers([3, 4], shape: [2])], expected: "array \"len_train\": length 4 of sequence 1 is outside 1...3"),
            BadCase(label: "length zero", arrays: ["x_train": x, "y_train": y, "len_train": .integers([0, 3], shape: [2])], expected: "array \"len_train\": length 0 of sequence 0 is outside 1...3"),
            BadCase(label: "float lengths", arrays: ["x_train": x, "y_train": y, "len_train": .float32([3, 3], shape: [2])], expected: "array \"len_train\": has dtype float32; expected integers"),
            BadCase(label: "NaN input", arrays: ["x_train": .float32(nan, shape: [2, 3, 2]), "y_train": y], expected: "array \"x_train\": element 7 is nan; expected finite numbers"),
            BadCase(label: "infinite target", arrays: ["x_train": x, "y_train": .float32([1, .infinity, 1, 1, 1, 1], shape: [2, 3, 1])], parameters: ["head": .string("mse")], expected: "array \"y_train\": element 1 is inf; expected finite numbers"),
            BadCase(label: "label below -1", arrays: ["x_train": x, "y_train": .integers([0, -2, 1, 0, 1, 0], shape: [2, 3])], expected: "array \"y_train\": label -2 at element 1 is out of range"),
            BadCase(label: "label over classes", arrays: ["x_train": x, "y_train": y], parameters: ["head": .string("softmax"), "classes": .number(1)], expected: "array \"y_train\": label 1 is out of range; expected classes below \"classes\" 1"),
            BadCase(label: "token over vocab", arrays: ["x_train": .integers([0, 1, 7, 0, 1, 2], shape: [2, 3]), "y_train": y], parameters: ["head": .string("softmax"), "vocab_size": .number(5)], expected: "array \"x_train\": token id 7 is out of range; expected ids below vocab_size 5"),
            BadCase(label: "negative token", arrays: ["x_train": .integers([0, -1, 2, 0, 1, 2], shape: [2, 3]), "y_train": y], expected: "array \"x_train\": token id -1 at element 1 is out of range"),
            BadCase(label: "float softmax labels", arrays: ["x_train": x, "y_train": .float32([0, 1, 1, 0, 1, 0], shape: [2, 3])], expected: "array \"y_train\": has dtype float32; the softmax head takes integer class labels"),
            BadCase(label: "bernoulli not 0/1", arrays: ["x_train": x, "y_train": .float32([1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], shape: [2, 3, 2])], parameters: bernoulli, expected: "array \"y_train\": element 1 is 0.5; the bernoulli head takes targets 0 or 1"),
            BadCase(label: "bernoulli per sequence", arrays: ["x_train": x, "y_train": .float32([1, 0], shape: [2, 1])], parameters: bernoulli, expected: "array \"y_train\": has shape (2, 1); the bernoulli head takes (2, 3, Y) to match x_train"),
            BadCase(label: "val feature width", arrays: ["x_train": x, "y_train": yUnits, "x_val": .float32([0, 0, 0], shape: [1, 1, 3]), "y_val": .float32([1, 1], shape: [1, 1, 2])], parameters: bernoulli, expected: "array \"x_val\": has 3 input features per step but x_train has 2"),
            BadCase(label: "test unit count", arrays: ["x_train": x, "y_train": yUnits, "x_test": x, "y_test": .float32([Float](repeating: 1, count: 18), shape: [2, 3, 3])], parameters: bernoulli, expected: "array \"y_test\": has 3 output units but y_train has 2"),
            BadCase(label: "val tokens vs dense", arrays: ["x_train": x, "y_train": y, "x_val": .integers([0, 1, 2], shape: [1, 3]), "y_val": .integers([0, 1, 1], shape: [1, 3])], expected: "array \"x_val\": has dtype int64 but x_train has float32"),
            BadCase(label: "no sequences", arrays: ["x_train": .float32([], shape: [0, 3, 2]), "y_train": .integers([], shape: [0, 3])], expected: "array \"x_train\": has shape (0, 3, 2); expected at least one sequence"),
            BadCase(label: "no targets", arrays: ["x_train": x, "y_train": .integers([Int64](repeating: -1, count: 6), shape: [2, 3])], expected: "array \"y_train\": has no targets: every label is −1 (no target); expected at least one class ≥ 0"),
            BadCase(label: "no input features", arrays: ["x_train": .float32([], shape: [2, 3, 0]), "y_train": y], expected: "array \"x_train\": has shape (2, 3, 0); expected at least one input feature per step (X ≥ 1)"),
            BadCase(label: "no training left", arrays: ["x_train": .float32([Float](repeating: 0, count: 6), shape: [1, 3, 2]), "y_train": .integers([0, 1, 0], shape: [1, 3])], expected: "data.npz: val_fraction 0.1 of 1 training sequences leaves none to train on"),
            BadCase(label: "unknown head", arrays: ["x_train": x, "y_train": y], parameters: ["head": .string("sigmoid")], expected: "task.head: expected one of softmax, bernoulli, mse, got \"sigmoid\""),
            BadCase(label: "stateful without bptt", arrays: ["x_train": x, "y_train": y], parameters: ["head": .string("softmax"), "stateful": .bool(true)], expected: "task.bptt: missing (\"stateful\": true needs \"bptt\": K"),
        ]
    }

    func testEveryBadInputIsRefusedInOneLineNamingFileAndArray() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("NumPyFilesTests/Fixtures")
        var cases = try badCases()
        // Archives holding the NumPy-written files the reader refuses, as x_train.
        for (file, expected) in [("big_endian.npy", "array \"x_train\": big-endian dtype '>f4'"),
                                 ("fortran.npy", "array \"x_train\": Fortran-order arrays are not supported"),
                                 ("object.npy", "array \"x_train\": object arrays (dtype '|O')"),
                                 ("unicode.npy", "array \"x_train\": dtype '<U2' is not supported"),
                                 ("truncated.npy", "array \"x_train\": shape (2, 3) of float32 needs 24 bytes")] {
            cases.append(BadCase(label: file, arrays: nil, rawFile: try memberArchive(fixtures.appendingPathComponent(file)), expected: expected))
        }
        var refused = 0
        for c in cases {
            let folder = try makeTemporaryFolder(self)
            if let arrays = c.arrays { try NPYWriter.writeArchive(arrays, to: folder.appendingPathComponent("data.npz"), compressed: false) }
            if let raw = c.rawFile { try raw.write(to: folder.appendingPathComponent("data.npz")) }
            var parameters = c.parameters
            parameters["path"] = .string("data.npz")
            let lines = TaskFactory.validate(name: "sequences", parameters: parameters, specDirectory: folder).map(\.description)
            XCTAssertEqual(lines.count, 1, "\(c.label): one line, got \(lines)")
            guard let line = lines.first else { continue }
            XCTAssertTrue(line.contains(c.expected), "\(c.label): \(line)")
            XCTAssertFalse(line.contains("\n"), c.label)
            if c.arrays != nil || c.rawFile != nil, c.label != "unknown head", !c.label.hasPrefix("stateful") {
                XCTAssertTrue(line.contains("data.npz"), "\(c.label) names the file: \(line)")
            }
            if lines.count == 1 && line.contains(c.expected) { refused += 1 }
        }
        XCTAssertEqual(refused, cases.count)
        print("sequences bad-input cases refused: \(refused) of \(cases.count)")
    }

    /// An archive whose x_train member is the given .npy file's bytes (and a valid y_train).
    func memberArchive(_ npy: URL) throws -> Data {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("raw.npz")
        try NPYWriter.writeArchive(["y_train": .integers([0, 1, 1, 0, 1, 0], shape: [2, 3])], to: url, compressed: false)
        let archive = try XCTUnwrap(Archive(url: url, accessMode: .update))
        let bytes = try Data(contentsOf: npy)
        try archive.addEntry(with: "x_train.npy", type: .file, uncompressedSize: Int64(bytes.count)) { p, n in bytes.subdata(in: Int(p) ..< Int(p) + n) }
        return try Data(contentsOf: url)
    }
}
