// Tests of the embedded Reber task: every string accepted by an acceptor written
// here independently of the library's automaton, padding, metrics and baseline.
import XCTest
import Foundation
import SequenceModels
@testable import Tasks

/// Embedded Reber acceptor over letters: B, T or P, a Reber string, the same T or P, E.
func acceptsEmbeddedReber(_ string: String) -> Bool {
    let letters = Array(string)
    guard letters.count >= 4, letters.first == "B", letters.last == "E",
          letters[1] == "T" || letters[1] == "P", letters[letters.count - 2] == letters[1] else { return false }
    return acceptsReber(String(letters[2..<(letters.count - 2)]))
}

/// The Reber grammar's graph: named nodes, letter → next node.
let reberGraph: [String: [Character: String]] = [
    "start": ["B": "fork"],
    "fork": ["T": "sLoop", "P": "tLoop"],
    "sLoop": ["S": "sLoop", "X": "afterX"],
    "tLoop": ["T": "tLoop", "V": "afterV"],
    "afterX": ["X": "tLoop", "S": "last"],
    "afterV": ["P": "afterX", "V": "last"],
    "last": ["E": "done"],
]

/// Reber acceptor: walks the graph.
func acceptsReber(_ string: String) -> Bool {
    var node = "start"
    for letter in string {
        guard let next = reberGraph[node]?[letter] else { return false }
        node = next
    }
    return node == "done"
}

/// Whether `prefix` can be continued into an embedded Reber string (every node
/// of the graph can reach the end, so only the letters read so far matter).
func isEmbeddedReberPrefix(_ prefix: [Character]) -> Bool {
    if prefix.isEmpty { return true }
    guard prefix[0] == "B" else { return false }
    if prefix.count == 1 { return true }
    let branch = prefix[1]
    guard branch == "T" || branch == "P" else { return false }
    var node = "start"
    var i = 2
    while i < prefix.count && node != "done" {
        guard let next = reberGraph[node]?[prefix[i]] else { return false }
        node = next
        i += 1
    }
    let closing = Array(prefix[i...])
    return closing.count <= 2 && Array([branch, "E"].prefix(closing.count)) == closing
}

final class EmbeddedReberTaskTests: XCTestCase {
    func testAcceptorAcceptsKnownStringsAndRejectsBrokenOnes() {
        for good in ["BTBTXSETE", "BPBPVVEPE", "BTBTSSXXTVVETE", "BPBPVPXVPXVVEPE"] {
            XCTAssertTrue(acceptsEmbeddedReber(good), good)
        }
        for bad in ["BTBTXSEPE", "BPBPVVETE", "BTBTXXETE", "BTBTXSE", "TBTXSETE", "BTBTXSETEE", ""] {
            XCTAssertFalse(acceptsEmbeddedReber(bad), bad)
        }
    }

    func testEveryGeneratedStringIsAcceptedAndWithinMaxLength() {
        let task = EmbeddedReberTask(trainSize: 400, valSize: 100, maxLength: 25, dataSeed: 4)
        for string in task.trainStrings + task.validationStrings {
            let text = EmbeddedReberGrammar.text(string)
            XCTAssertTrue(acceptsEmbeddedReber(text), text)
            XCTAssertLessThanOrEqual(string.count, 25)
            XCTAssertGreaterThanOrEqual(string.count, EmbeddedReberGrammar.minimumLength)
        }
        // Both branches and varied lengths occur.
        XCTAssertEqual(Set(task.trainStrings.map { $0[1] }), [EmbeddedReberGrammar.T, EmbeddedReberGrammar.P])
        XCTAssertGreaterThan(Set(task.trainStrings.map(\.count)).count, 5)
    }

    func testDeterministicForDataSeedAndDifferentAcrossSeeds() {
        let a = EmbeddedReberTask(trainSize: 50, valSize: 20, maxLength: 40, dataSeed: 1)
        let b = EmbeddedReberTask(trainSize: 50, valSize: 20, maxLength: 40, dataSeed: 1)
        let c = EmbeddedReberTask(trainSize: 50, valSize: 20, maxLength: 40, dataSeed: 2)
        XCTAssertEqual(a.trainStrings, b.trainStrings)
        XCTAssertEqual(a.validationStrings, b.validationStrings)
        XCTAssertNotEqual(a.trainStrings, c.trainStrings)
        XCTAssertEqual(a.baseline, b.baseline)
    }

    func testBatchesAreNextSymbolPairsPaddedAndMasked() {
        let task = EmbeddedReberTask(trainSize: 20, valSize: 5, maxLength: 40, dataSeed: 6)
        let batch = task.makeTrainBatch(examples: Array(0..<20))
        let strings = task.trainStrings
        XCTAssertEqual(batch.steps, strings.map(\.count).max()! - 1)
        guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
        for (b, string) in strings.enumerated() {
            for t in 0..<batch.steps {
                let row = Array(batch.inputs[((t * 20 + b) * 7)..<((t * 20 + b) * 7 + 7)])
                if t < string.count - 1 {
                    XCTAssertEqual(row.firstIndex(of: 1), string[t])
                    XCTAssertEqual(row.reduce(0, +), 1)
                    XCTAssertEqual(Int(targets[t * 20 + b]), string[t + 1])
                } else {
                    XCTAssertEqual(row, [Float](repeating: 0, count: 7), "padding has zero inputs")
                    XCTAssertEqual(targets[t * 20 + b], -1, "padding is masked")
                }
            }
        }
        XCTAssertEqual(batch.targetCount, strings.map { $0.count - 1 }.reduce(0, +))
    }

    /// Outputs of an oracle: uniform over the legal next symbols of each prefix,
    /// found with the independent prefix checker above.
    func oracleOutputs(_ batch: Batch, strings: [[Int]], wrongLongDependency: Set<Int> = []) -> [Float] {
        var outputs = [Float](repeating: 0, count: batch.steps * batch.batchSize * 7)
        let letters = EmbeddedReberGrammar.symbols
        for (b, string) in strings.enumerated() {
            for t in 0..<(string.count - 1) {
                let prefix = string[0...t].map { letters[$0] }
                var legal = (0..<7).filter { isEmbeddedReberPrefix(prefix + [letters[$0]]) }
                if wrongLongDependency.contains(b) && t == string.count - 3 {
                    legal = [legal[0] == EmbeddedReberGrammar.T ? EmbeddedReberGrammar.P : EmbeddedReberGrammar.T]
                }
                for symbol in legal { outputs[(t * batch.batchSize + b) * 7 + symbol] = 1 / Float(legal.count) }
            }
        }
        return outputs
    }

    func testMetricsOfAnOracleAndOfAnOracleWithoutMemory() {
        let task = EmbeddedReberTask(trainSize: 1, valSize: 12, maxLength: 20, dataSeed: 2)
        let batch = task.makeValidationBatch(examples: Array(0..<12))
        var perfect = task.makeMetric()
        perfect.add(batch: batch, outputs: oracleOutputs(batch, strings: task.validationStrings))
        XCTAssertEqual(perfect.value, 1)
        XCTAssertEqual(perfect.details["strings_fully_predicted"], 1)

        var forgetful = task.makeMetric()
        forgetful.add(batch: batch, outputs: oracleOutputs(batch, strings: task.validationStrings, wrongLongDependency: [0, 3, 5]))
        XCTAssertEqual(forgetful.value, 9.0 / 12.0, accuracy: 1e-12)
        XCTAssertEqual(forgetful.details["strings_fully_predicted"]!, 9.0 / 12.0, accuracy: 1e-12)

        // Uniform outputs: no legal set stands out anywhere, and argmax is always B (index 0).
        var uniform = task.makeMetric()
        uniform.add(batch: batch, outputs: [Float](repeating: 1 / 7, count: batch.steps * 12 * 7))
        XCTAssertEqual(uniform.value, 0)
        XCTAssertEqual(uniform.details["strings_fully_predicted"], 0)
    }

    func testLossBaselineIsUnigramCrossEntropyOfTargets() {
        let task = EmbeddedReberTask(trainSize: 300, valSize: 100, maxLength: 40, dataSeed: 9)
        var counts = [Double](repeating: 1, count: 7)
        for string in task.trainStrings { for symbol in string.dropFirst() { counts[symbol] += 1 } }
        let total = counts.reduce(0, +)
        var loss = 0.0, n = 0.0
        for batch in task.validationBatches(batchSize: 32) {
            guard case .classes(let targets) = batch.targets else { return XCTFail("class targets") }
            for target in targets where target >= 0 { loss -= log(counts[Int(target)] / total); n += 1 }
        }
        XCTAssertEqual(task.baseline.loss!, loss / n, accuracy: 1e-9)
        XCTAssertLessThan(task.baseline.loss!, log(7.0))
        XCTAssertEqual(task.baseline.metric, 0.5)
    }
}
