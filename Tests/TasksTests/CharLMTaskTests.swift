// Tests of the character language model task: split, windows, vocabulary with
// unknown symbol, folder reading, metric and baseline, sampling.
import XCTest
import Foundation
import SequenceModels
@testable import Tasks

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

final class CharLMTaskTests: XCTestCase {
    let text = "the quick brown fox jumps over the lazy dog; ZEBRAS éat 🦊 quietly, and then QUIT!!"

    func testSplitAndTrainingWindowsCoverTheTrainingText() throws {
        let task = try CharLMTask(text: text, valFraction: 0.25, seqLen: 7)
        let total = text.unicodeScalars.count
        XCTAssertEqual(task.validationCharacterCount, Int((Double(total) * 0.25).rounded()))
        XCTAssertEqual(task.trainCharacterCount + task.validationCharacterCount, total)
        XCTAssertEqual(task.trainExampleCount, (task.trainCharacterCount - 1) / 7)
        // Windows are contiguous, non-overlapping, in order, from the first target position.
        var next = 1
        for i in 0..<task.trainExampleCount {
            let range = task.trainTargetRange(window: i)
            XCTAssertEqual(range.lowerBound, next)
            XCTAssertEqual(range.count, 7)
            next = range.upperBound
        }
        XCTAssertLessThanOrEqual(next, task.trainCharacterCount)
        XCTAssertGreaterThan(next + 7, task.trainCharacterCount, "no further full window fits")
        // Batches decode back to the text.
        let batch = task.makeTrainBatch(examples: [2, 0])
        guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
        let scalars = Array(text.unicodeScalars)
        for t in 0..<7 {
            let row = Array(batch.inputs[(t * 2 + 1) * task.inputSize ..< (t * 2 + 2) * task.inputSize])
            XCTAssertEqual(row.reduce(0, +), 1)
            XCTAssertEqual(task.vocabulary.scalar(at: row.firstIndex(of: 1)!), scalars[t])
            XCTAssertEqual(task.vocabulary.scalar(at: Int(targets[t * 2 + 1])), scalars[t + 1])
            XCTAssertEqual(task.vocabulary.scalar(at: Int(targets[t * 2])), scalars[14 + t + 1])
        }
    }

    func testValidationWindowsPredictEveryValidationCharacterOnceWithoutOverlap() throws {
        let task = try CharLMTask(text: text, valFraction: 0.3, seqLen: 6)
        let validation = task.validationCharacterCount
        XCTAssertGreaterThan(validation % 6, 0, "the test needs a short last window")
        var predicted: [Int32] = []
        var inputs: [Int32] = []
        for batch in task.validationBatches(batchSize: 2) {
            guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
            for b in 0..<batch.batchSize {
                for t in 0..<batch.steps where targets[t * batch.batchSize + b] >= 0 {
                    predicted.append(targets[t * batch.batchSize + b])
                    let offset = (t * batch.batchSize + b) * task.inputSize
                    inputs.append(Int32(batch.inputs[offset..<(offset + task.inputSize)].firstIndex(of: 1)! - offset))
                }
                for t in 0..<batch.steps where targets[t * batch.batchSize + b] < 0 {
                    let offset = (t * batch.batchSize + b) * task.inputSize
                    XCTAssertTrue(batch.inputs[offset..<(offset + task.inputSize)].allSatisfy { $0 == 0 }, "padding")
                }
            }
        }
        XCTAssertEqual(predicted, Array(task.encoded[task.trainCharacterCount...]), "every validation character once, in order")
        XCTAssertEqual(inputs, Array(task.encoded[(task.trainCharacterCount - 1)..<(task.encoded.count - 1)]),
                       "each is predicted from the character before it")
    }

    func testUnknownCharactersOfValidationMapToTheUnknownSymbol() throws {
        let task = try CharLMTask(text: "abababababab" + "abc¿", valFraction: 0.25, seqLen: 3)
        XCTAssertEqual(task.vocabulary.symbols, ["a", "b"])
        XCTAssertEqual(task.vocabulary.count, 3)
        XCTAssertEqual(Array(task.encoded.suffix(4)), [1, 2, 0, 0])
        XCTAssertEqual(task.vocabulary.decode(task.encoded.suffix(4)), "ab\u{FFFD}\u{FFFD}")
        XCTAssertEqual(task.vocabulary.encode("bz"), [2, 0])
    }

    func testMaxCharsKeepsTheBeginningOfTheText() throws {
        let task = try CharLMTask(text: "abcdefghijklmnopqrstuvwxyz", valFraction: 0.2, seqLen: 3, maxCharacters: 10)
        XCTAssertEqual(task.encoded.count, 10)
        XCTAssertEqual(task.vocabulary.decode(task.encoded), "abcdefgh\u{FFFD}\u{FFFD}")
    }

    func testTooShortTextIsRefused() {
        XCTAssertThrowsError(try CharLMTask(text: "abcdef", valFraction: 0.5, seqLen: 3)) { error in
            XCTAssertEqual(error as? CharLMTask.SizeError, .textTooShort(characters: 6, trainCharacters: 3, seqLen: 3))
        }
    }

    func testBitsPerCharacterOfUniformAndBaselineOfUnigram() throws {
        let task = try CharLMTask(text: text, valFraction: 0.3, seqLen: 5)
        let classes = task.vocabulary.count
        var uniform = task.makeMetric()
        var unigram = task.makeMetric()
        var counts = [Double](repeating: 1, count: classes)
        for index in task.encoded[..<task.trainCharacterCount] { counts[Int(index)] += 1 }
        let total = counts.reduce(0, +)
        for batch in task.validationBatches(batchSize: 3) {
            let positions = batch.steps * batch.batchSize
            uniform.add(batch: batch, outputs: [Float](repeating: 1 / Float(classes), count: positions * classes))
            var outputs = [Float]()
            for _ in 0..<positions { outputs += counts.map { Float($0 / total) } }
            unigram.add(batch: batch, outputs: outputs)
        }
        XCTAssertEqual(uniform.value, log2(Double(classes)), accuracy: 1e-5)
        XCTAssertEqual(unigram.value, task.baseline.metric!, accuracy: 1e-5)
        XCTAssertEqual(task.baseline.loss! / log(2), task.baseline.metric!, accuracy: 1e-12)
        XCTAssertFalse(task.metricHigherIsBetter)
    }

    func testFolderIsReadInSortedOrderSkippingHiddenAndBinaryFiles() throws {
        let folder = try makeTemporaryFolder(self)
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("b/inner"), withIntermediateDirectories: true)
        try manager.createDirectory(at: folder.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        try "second ".write(to: folder.appendingPathComponent("b/inner/one.txt"), atomically: true, encoding: .utf8)
        try "first ".write(to: folder.appendingPathComponent("a.swift"), atomically: true, encoding: .utf8)
        try "third".write(to: folder.appendingPathComponent("c.md"), atomically: true, encoding: .utf8)
        try "secret".write(to: folder.appendingPathComponent(".hidden/x.txt"), atomically: true, encoding: .utf8)
        try "dot".write(to: folder.appendingPathComponent(".dotfile"), atomically: true, encoding: .utf8)
        try Data([0x61, 0x00, 0x62]).write(to: folder.appendingPathComponent("b/nul.bin"))
        try Data([0x61, 0xFF, 0xFE]).write(to: folder.appendingPathComponent("b/latin1.txt"))
        let corpus = try TextCorpus(path: folder)
        XCTAssertEqual(corpus.text, "first second third")
        XCTAssertEqual(corpus.files, ["a.swift", "b/inner/one.txt", "c.md"])
        XCTAssertEqual(corpus.skippedFiles, ["b/latin1.txt", "b/nul.bin"])
    }

    func testVocabularyRoundTripsThroughJSON() throws {
        let vocabulary = CharVocabulary(text: "héllo 🦊\n\té")
        let data = try JSONEncoder().encode(vocabulary)
        let decoded = try JSONDecoder().decode(CharVocabulary.self, from: data)
        XCTAssertEqual(decoded, vocabulary)
        XCTAssertEqual(decoded.encode("lo🦊x"), vocabulary.encode("lo🦊x"))
        XCTAssertEqual(decoded.decode(decoded.encode("hé🦊")), "hé🦊")
    }

    func testSamplerIsDeterministicFollowsTheModelAndNeverEmitsUnknown() {
        let vocabulary = CharVocabulary(text: "abc")
        // A model whose next character cycles a → b → c → a with probability 0.9.
        let model: (Int) -> [Float] = { input in
            var p: [Float] = [0.04, 0.02, 0.02, 0.02]   // the unknown symbol gets the most spare mass
            p[(input % 3) + 1] = 0.9
            return p
        }
        let greedy = CharSampler.sample(vocabulary: vocabulary, length: 7, temperature: 0, seed: 1, prime: "a", next: model)
        XCTAssertEqual(greedy, "bcabcab")
        let first = CharSampler.sample(vocabulary: vocabulary, length: 200, temperature: 1, seed: 5, prime: "a", next: model)
        let again = CharSampler.sample(vocabulary: vocabulary, length: 200, temperature: 1, seed: 5, prime: "a", next: model)
        let other = CharSampler.sample(vocabulary: vocabulary, length: 200, temperature: 1, seed: 6, prime: "a", next: model)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        XCTAssertEqual(first.unicodeScalars.count, 200)
        XCTAssertFalse(first.contains("\u{FFFD}"))
        // At τ = 1, 0.9/0.94 of steps follow the cycle on average (unknown excluded); at τ = 3, 0.64.
        func followRate(_ sample: String) -> Double {
            let letters = Array("a" + sample)
            var follows = 0
            for i in 1..<letters.count where letters[i] == ["a": "b", "b": "c", "c": "a"][letters[i - 1]]! { follows += 1 }
            return Double(follows) / Double(letters.count - 1)
        }
        XCTAssertGreaterThan(followRate(first), 0.9)
        let hot = CharSampler.sample(vocabulary: vocabulary, length: 200, temperature: 3, seed: 5, prime: "a", next: model)
        XCTAssertLessThan(followRate(hot), 0.8)
    }
}
