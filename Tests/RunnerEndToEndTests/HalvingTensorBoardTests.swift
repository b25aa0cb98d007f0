// A halving sweep written live to TensorBoard: every run that ended, by finishing or by
// being pruned at a rung, has its HParams session ended in its event files.
import XCTest
import Foundation
import GRDB
import TensorBoard

final class HalvingTensorBoardTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testPrunedAndFinishedRunsEndTheirSessions() throws {
        try HalvingProcessTests.spec.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let r = try RunnerBinary.run(["sweep", "spec.json", "--db", "r.db", "--jobs", "1", "--no-report", "--tensorboard", "tb"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let statuses = try DatabaseQueue(path: folder.appendingPathComponent("r.db").path).read { db in
            try String.fetchAll(db, sql: "SELECT status FROM runs")
        }
        XCTAssertEqual(statuses.filter { $0 == "pruned" }.count, 8, "the spec's halving prunes 8 of its 12 runs")
        XCTAssertEqual(statuses.filter { $0 == "finished" }.count, 4)
        let sweepFolder = folder.appendingPathComponent("tb").appendingPathComponent("halving-e2e")
        let runFolders = try FileManager.default.contentsOfDirectory(at: sweepFolder, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
        XCTAssertEqual(runFolders.count, 12, "one folder per run")
        for runFolder in runFolders {
            let log = try RunLog(directory: runFolder)
            defer { log.close() }
            XCTAssertTrue(log.hasSessionStart, runFolder.lastPathComponent)
            XCTAssertTrue(log.hasSessionEnd, "\(runFolder.lastPathComponent): a pruned or finished run ends its session")
        }
    }
}
