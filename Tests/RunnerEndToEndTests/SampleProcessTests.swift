// `runner sample` on a trained charlm run: text of the asked length, the same for
// the same seed, and a clear refusal for a run of another task.
import XCTest
import Foundation

final class SampleProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testSampleFromATrainedCharacterModel() throws {
        try String(repeating: "the cat sat on the mat.\n", count: 80)
            .write(to: folder.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        try """
        {"name": "chars", "task": {"name": "charlm", "path": "text.txt", "seq_len": 16, "val_fraction": 0.2},
         "train": {"epochs": 3, "batch": 8, "hidden": 24, "lr": 0.02, "cell": "gru"}}
        """.write(to: folder.appendingPathComponent("chars.json"), atomically: true, encoding: .utf8)
        let sweep = try RunnerBinary.run(["sweep", "chars.json", "--db", "c.db", "--no-report"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)

        let a = try RunnerBinary.run(["sample", "--db", "c.db", "--run", "1", "--length", "60", "--seed", "3"], in: folder)
        let b = try RunnerBinary.run(["sample", "--db", "c.db", "--run", "1", "--length", "60", "--seed", "3"], in: folder)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout, "same seed, same text")
        let text = a.stdout.hasSuffix("\n") ? String(a.stdout.dropLast()) : a.stdout
        XCTAssertEqual(text.unicodeScalars.count, 60, text)
        let alphabet = Set("the cat sat on the mat.\n".unicodeScalars)
        XCTAssertTrue(text.unicodeScalars.allSatisfy { alphabet.contains($0) }, "only characters of the training text: \(text)")

        let bad = try RunnerBinary.run(["sample", "--db", "c.db", "--run", "1", "--temperature", "-1"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("temperature"), bad.stderr)
    }
}
