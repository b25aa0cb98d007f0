// A sweep of 2-layer models with dropout (gru_reset_after and lstm), killed with SIGKILL and
// rerun, gives bitwise the tables of an uninterrupted sweep; its runs export under PyTorch's
// multi-layer names.
import XCTest
import Foundation
import GRDB
import SequenceModels

final class StackedSweepProcessTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    let spec = """
    {
      "name": "deep-e2e",
      "task": {"name": "adding", "length": 16, "train_size": 1024, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 5, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 16, "layers": 2, "dropout": 0.2},
      "grid": {"cell": ["gru_reset_after", "lstm"], "seed": [1, 2]}
    }
    """

    func testKilledDeepDropoutSweepRerunsToTheSameTables() throws {
        try spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let reference = try RunnerBinary.run(["sweep", "spec.json", "--db", "straight.db", "--jobs", "1", "--no-report"], in: folder)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let p = try RunnerBinary.start(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("killed.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 3 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try scalar("killed.db", "PRAGMA integrity_check"), "ok")
        XCTAssertLessThan(try epochs("killed.db").count, 20, "the kill landed before the end")
        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--db", "killed.db", "--jobs", "2", "--no-report"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let straight = try epochs("straight.db"), resumed = try epochs("killed.db")
        XCTAssertEqual(resumed.count, 20, "every epoch exactly once")
        XCTAssertEqual(resumed, straight, "bitwise the same numbers (--jobs 1 uninterrupted vs --jobs 2 killed and resumed)")

        let export = try RunnerBinary.run(["export", "--db", "killed.db", "--run", "1", "--output", "m.safetensors"], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        let model = try Safetensors.load(from: folder.appendingPathComponent("m.safetensors"))
        XCTAssertEqual(model.config.layers, 2)
        XCTAssertEqual(model.config.cell, .gruResetAfter)
    }
}
