// Tests of SHA-256 (standard vectors), canonical JSON and the stability of config hashes.
import Foundation
import JSON
import Tasks
import XCTest
@testable import Experiments

final class PlanConfigHashTests: XCTestCase {
    func testSHA256StandardVectors() {
        XCTAssertEqual(SHA256.hexDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hexDigest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hexDigest(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(SHA256.hexDigest("héllo ✓"), "5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245")
        XCTAssertEqual(SHA256.digest(Array("abc".utf8)).count, 32)
    }

    func testSHA256PaddingBoundaries() {
        // Lengths around the 56- and 64-byte padding limits (expected values from sha256sum).
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
        ]
        for (length, digest) in expected {
            XCTAssertEqual(SHA256.hexDigest(String(repeating: "a", count: length)), digest, "length \(length)")
        }
    }

    func testRunConfigCanonicalJSONAndHashAreFixed() {
        let config = RunConfig(cell: .gru, hidden: 64, lr: 0.003, seed: 2, batch: 32, epochs: 10, optimizer: .adam,
                               clipNorm: 1.0, task: TaskSpec(name: "adding", parameters: ["length": .number(50), "data_seed": .number(7)]))
        let expectedJSON = #"{"batch":32,"cell":"gru","clip_norm":1,"epochs":10,"forget_bias":1,"hidden":64,"lr":0.003,"momentum":0.9,"optimizer":"adam","seed":2,"task":{"data_seed":7,"length":50,"name":"adding"}}"#
        XCTAssertEqual(config.canonicalJSONText, expectedJSON)
        // Computed once with sha256sum over expectedJSON: the hash must never change between versions or processes.
        XCTAssertEqual(config.configHash, "0ed069cd7167bc05be5a1007595ba864f58d9d4574ad9ddc6076652a0182481d")
    }

    func testEqualConfigurationsHashEquallyWhateverTheSpecSpelling() throws {
        let first = try Spec.parse("""
            {"name": "a", "task": {"name": "adding", "length": 50, "val_size": 100},
             "train": {"lr": 0.001, "batch": 32, "clip_norm": 1.0}, "grid": {"cell": ["gru"]}}
            """)
        let second = try Spec.parse("""
            {"grid": {"cell": ["gru"]}, "train": {"clip_norm": 1, "batch": 32.0, "lr": 1e-3},
             "task": {"val_size": 1e2, "length": 50.0, "name": "adding"}, "name": "b"}
            """)
        let hashes = [Plan(spec: first), Plan(spec: second)].map { $0.entries.map(\.configHash) }
        XCTAssertEqual(hashes[0], hashes[1])
        // Any field change changes the hash.
        var changed = Plan(spec: first).entries[0].config
        changed.forgetBias = 2
        XCTAssertNotEqual(changed.configHash, hashes[0][0])
    }

    func testRunConfigReadsBackFromConfigJSON() throws {
        for entry in Plan(spec: try Spec.parse(PlanExpansionTests.randomSpec)).entries {
            XCTAssertEqual(try RunConfig.fromJSON(entry.configJSON), entry.config)
        }
        let unclipped = RunConfig.defaults(task: TaskSpec(name: "reber"))
        XCTAssertFalse(unclipped.canonicalJSONText.contains("clip"))
        XCTAssertEqual(try RunConfig.fromJSON(unclipped.canonicalJSONText), unclipped)
        XCTAssertThrowsError(try RunConfig.fromJSON(#"{"cell":"gru"}"#))
    }

    func testAConfigJSONThatDoesNotFitNamesTheField() throws {
        let good = RunConfig.defaults(task: TaskSpec(name: "adding", parameters: ["length": .number(8)])).canonicalJSONText
        func problem(_ text: String) -> String {
            do { _ = try RunConfig.fromJSON(text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(problem(good.replacingOccurrences(of: #""hidden":32"#, with: #""hidden":32.5"#)), "config_json hidden: expected an integer, got 32.5")
        XCTAssertEqual(problem(good.replacingOccurrences(of: #""cell":"lstm""#, with: #""cell":"tcn""#)), "config_json cell: unknown value \"tcn\"")
        XCTAssertEqual(problem(good.replacingOccurrences(of: #""lr":0.001,"#, with: "")), "config_json lr: missing")
        XCTAssertEqual(problem(good.replacingOccurrences(of: #""name":"adding""#, with: #""name":1"#)), #"config_json task: expected an object with a "name" string"#)
        XCTAssertTrue(problem("{\"cell\": ").hasPrefix("line 1, column"), problem("{\"cell\": "))
        // The read is the project's parser: a duplicated key is refused, as in a spec.
        XCTAssertTrue(problem(good.replacingOccurrences(of: #""seed":1"#, with: #""seed":1,"seed":2"#)).contains("seed"), problem(good))
    }
}
