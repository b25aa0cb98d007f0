// `runner sweep` on a user's .npz as a user runs it: each head end to end (test
// columns filled from the _test arrays), and a bad file refused with exit 2, one
// line naming file and array, and no database.
import XCTest
import Foundation
import GRDB
import NumPyFiles

final class SequencesProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func spec(head: String, path: String = "data.npz", extra: String = "") -> String {
        """
        {
          "name": "npz-\(head)",
          "task": {"name": "sequences", "path": "\(path)", "head": "\(head)"\(extra)},
          "train": {"epochs": 2, "batch": 8, "optimizer": "adam", "clip_norm": 1.0, "hidden": 6},
          "grid": {"cell": ["gru", "lstm"], "seed": [1]}
        }
        """
    }

    /// 24 training, 8 validation and 8 test sequences of T = 5 (lengths 2-5), 2 input features.
    func arrays(head: String) -> [String: NumPyArray] {
        var out: [String: NumPyArray] = [:]
        for (split, n) in [("train", 24), ("val", 8), ("test", 8)] {
            let x = (0..<(n * 10)).map { Float(($0 * 37) % 11) / 11 }
            out["x_\(split)"] = .float32(x, shape: [n, 5, 2])
            out["len_\(split)"] = .integers((0..<n).map { Int64(2 + $0 % 4) }, shape: [n], dtype: .int32)
            switch head {
            case "softmax": out["y_\(split)"] = .integers((0..<(n * 5)).map { Int64($0 % 3) }, shape: [n, 5])
            case "bernoulli": out["y_\(split)"] = .integers((0..<(n * 10)).map { Int64($0 % 2) }, shape: [n, 5, 2], dtype: .bool)
            default: out["y_\(split)"] = .float32((0..<(n * 5)).map { Float($0 % 4) }, shape: [n, 5, 1])
            }
        }
        return out
    }

    func testASweepOnAnNpzRunsEndToEndWithEachHead() throws {
        for head in ["softmax", "bernoulli", "mse"] {
            try NPYWriter.writeArchive(arrays(head: head), to: folder.appendingPathComponent("data.npz"), compressed: head != "mse")
            let specFile = folder.appendingPathComponent("\(head).json")
            try spec(head: head).write(to: specFile, atomically: true, encoding: .utf8)
            let r = try RunnerBinary.run(["sweep", specFile.path, "--db", "\(head).db", "--jobs", "2"], in: folder)
            XCTAssertEqual(r.status, 0, "\(head):\n\(r.stderr)")
            XCTAssertTrue(r.stdout.contains("GRU vs LSTM"), "\(head): the report is printed")
            XCTAssertEqual(try scalar("\(head).db", "SELECT COUNT(*) FROM epochs WHERE test_loss IS NOT NULL AND test_metric IS NOT NULL"), "4", head)
            let metric = ["softmax": "accuracy", "bernoulli": "nll_per_step", "mse": "mse"][head]!
            XCTAssertEqual(try scalar("\(head).db", "SELECT metric_name FROM sweeps"), metric)
        }
    }

    func testABadNpzExitsTwoWithOneLineAndNoDatabase() throws {
        var bad = arrays(head: "softmax")
        bad["len_val"] = .integers([9, 2, 2, 2, 2, 2, 2, 2], shape: [8], dtype: .int32)
        try NPYWriter.writeArchive(bad, to: folder.appendingPathComponent("data.npz"), compressed: true)
        let specFile = folder.appendingPathComponent("bad.json")
        try spec(head: "softmax").write(to: specFile, atomically: true, encoding: .utf8)
        let r = try RunnerBinary.run(["sweep", specFile.path, "--db", "bad.db"], in: folder)
        XCTAssertEqual(r.status, 2)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("data.npz: array \"len_val\": length 9 of sequence 0 is outside 1...5"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad.db").path), "nothing written")
    }
}
