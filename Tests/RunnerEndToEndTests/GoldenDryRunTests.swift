// The `--dry-run` plan of every spec in experiments/, byte for byte: run index, config hash,
// fields and parameter count. The polyphony spec reads the committed experiments/data/polyphony.npz.
// The charlm spec reads "../Sources"; here that folder holds a
// fixed text written by the test, so the plan depends on the spec alone, not on the
// repository's own sources.
//
// To accept a deliberate change of output: RUNNER_UPDATE_GOLDEN=1 swift test --filter GoldenDryRunTests,
// then review the diff of Tests/RunnerEndToEndTests/Golden before committing it.
import Foundation
import XCTest

final class GoldenDryRunTests: XCTestCase {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let experimentsFolder = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("experiments")

    func testDryRunPlansOfTheExperimentSpecsMatchTheGoldenFiles() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiments = folder.appendingPathComponent("experiments")
        let corpus = folder.appendingPathComponent("Sources")
        try FileManager.default.createDirectory(at: experiments, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try String(repeating: "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs!\n", count: 200)
            .write(to: corpus.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        let specs = try FileManager.default.contentsOfDirectory(atPath: Self.experimentsFolder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(specs, ["adding.json", "charlm.json", "copy.json", "grid.json", "polyphony.json", "reber.json"])
        // The data the sequences spec reads (committed beside the specs).
        try FileManager.default.copyItem(at: Self.experimentsFolder.appendingPathComponent("data"),
                                         to: experiments.appendingPathComponent("data"))
        for spec in specs {
            try FileManager.default.copyItem(at: Self.experimentsFolder.appendingPathComponent(spec),
                                             to: experiments.appendingPathComponent(spec))
            let result = try RunnerBinary.run(["sweep", "experiments/\(spec)", "--dry-run"], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stderr, "")
            try assertGolden(result.stdout, named: "dry-run-\(spec.dropLast(5)).txt")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("results").path),
                       "a dry run touches no database")
    }

    private func assertGolden(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.testsFolder.appendingPathComponent("Golden").appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RUNNER_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return XCTFail("missing golden file \(url.path) (RUNNER_UPDATE_GOLDEN=1 writes it)", file: file, line: line)
        }
        XCTAssertEqual(actual, expected, "\(name) differs from the golden file", file: file, line: line)
    }
}
