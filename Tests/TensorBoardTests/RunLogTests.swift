// A run folder across writers: a second writer (a resumed run, or an export after a live
// sweep) appends only steps after those already written and never repeats the session;
// file names sort in writing order; the experiment merges with the one already written.
import Foundation
import XCTest
@testable import TensorBoard

final class RunLogTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("runlog-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func scalarSteps(_ events: [Tensorflow_Event]) -> [Int64] {
        events.filter { $0.summary.value.contains { if case .simpleValue? = $0.value { true } else { false } } }.map(\.step)
    }

    func testResumedWriterAppendsOnlyNewSteps() throws {
        let run = folder.appendingPathComponent("run")
        do {
            let first = try RunLog(directory: run)
            try first.writeSessionStart(hparams: ["cell": .text("gru")], startTime: 100)
            for step in 1...3 { try first.writeScalars(step: Int64(step), wallTime: 100 + Double(step), values: [(tag: "train/loss", value: Double(step))]) }
            first.close()
        }
        // The second writer is given epochs 1-5 (as a resumed run's rerun of epoch 3 would be, or an export).
        let second = try RunLog(directory: run)
        XCTAssertEqual(second.lastStep, 3)
        XCTAssertTrue(second.hasSessionStart)
        XCTAssertFalse(second.hasSessionEnd)
        try second.writeSessionStart(hparams: ["cell": .text("gru")], startTime: 200)
        var written: [Int64] = []
        for step in 1...5 where try second.writeScalars(step: Int64(step), wallTime: 1 + Double(step), values: [(tag: "train/loss", value: Double(step))]) {
            written.append(Int64(step))
        }
        XCTAssertEqual(written, [4, 5])
        try second.writeSessionEnd(status: .success, endTime: 300)
        try second.writeSessionEnd(status: .failure, endTime: 301)
        second.close()

        let names = EventFiles.names(in: run)
        XCTAssertEqual(names.count, 2)
        // The clock of the second writer is earlier (wall time 2 < 100), yet its file sorts last.
        XCTAssertEqual(names.compactMap(EventFiles.timestamp), [100, 101])
        let events = try EventFiles.events(in: run)
        XCTAssertEqual(events.filter { !$0.fileVersion.isEmpty }.count, 2, "each file starts with its version header")
        XCTAssertEqual(scalarSteps(events), [1, 2, 3, 4, 5])
        let hparamsTags = events.flatMap(\.summary.value).map(\.tag).filter { $0.hasPrefix("_hparams_") }
        XCTAssertEqual(hparamsTags, ["_hparams_/session_start_info", "_hparams_/session_end_info"])
    }

    func testExperimentIsMergedAndRewrittenOnlyWhenItChanges() throws {
        let directory = try LogDirectory.prepare(path: folder.path, sweepName: "grid", allowOtherContent: false)
        let metrics = [MetricDescription(tag: "val/loss", displayName: "val loss", dataset: .validation)]
        let small = ExperimentDescription(name: "grid", description: "", createdAt: 5, hyperparameters: [
            HParameter(name: "cell", domain: .values([.text("gru"), .text("lstm")])),
            HParameter(name: "lr", domain: .values([.number(0.01)])),
        ], metrics: metrics)
        XCTAssertEqual(try directory.writeExperiment(small), small)
        XCTAssertEqual(try directory.readExperiment(), small)

        let grown = ExperimentDescription(name: "grid", description: "", createdAt: 9, hyperparameters: [
            HParameter(name: "cell", domain: .values([.text("lstm"), .text("rnn")])),
            HParameter(name: "lr", domain: .values([.number(0.003), .number(0.01)])),
            HParameter(name: "hidden", domain: .interval(min: 8, max: 64)),
        ], metrics: metrics + [MetricDescription(tag: "train/loss", displayName: "train loss", dataset: .training)])
        let merged = try directory.writeExperiment(grown)
        XCTAssertEqual(merged.createdAt, 5)
        XCTAssertEqual(merged.hyperparameters, [
            HParameter(name: "cell", domain: .values([.text("gru"), .text("lstm"), .text("rnn")])),
            HParameter(name: "lr", domain: .values([.number(0.01), .number(0.003)])),
            HParameter(name: "hidden", domain: .interval(min: 8, max: 64)),
        ])
        XCTAssertEqual(merged.metrics.map(\.tag), ["val/loss", "train/loss"])
        XCTAssertEqual(try directory.readExperiment(), merged)
        let file = directory.sweepFolder.appendingPathComponent(LogDirectory.experimentFileName)
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        usleep(20_000)
        XCTAssertEqual(try directory.writeExperiment(small), merged, "nothing new: the file is kept")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date, before)
        // Only the experiment file and no left-over temporary file.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.sweepFolder.path), [LogDirectory.experimentFileName])
    }

    func testPrepareRefusesForeignContentUnlessAllowedAndFilesInsteadOfFolders() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertNoThrow(try LogDirectory.prepare(path: folder.path, sweepName: "a", allowOtherContent: false))
        XCTAssertNoThrow(try LogDirectory.prepare(path: folder.path, sweepName: "a", allowOtherContent: false), "its own folder is fine")
        XCTAssertThrowsError(try LogDirectory.prepare(path: folder.path, sweepName: "b", allowOtherContent: false)) { error in
            XCTAssertTrue("\(error)".contains("holds other files than sweep b's (a)"), "\(error)")
            XCTAssertTrue("\(error)".contains("--tensorboard-append"), "\(error)")
        }
        XCTAssertNoThrow(try LogDirectory.prepare(path: folder.path, sweepName: "b", allowOtherContent: true))

        let plainFile = folder.appendingPathComponent("plain")
        XCTAssertTrue(FileManager.default.createFile(atPath: plainFile.path, contents: Data("x".utf8)))
        XCTAssertThrowsError(try LogDirectory.prepare(path: plainFile.path, sweepName: "a", allowOtherContent: false)) { error in
            XCTAssertTrue("\(error)".contains("is a file, not a folder"), "\(error)")
        }
        XCTAssertThrowsError(try LogDirectory.prepare(path: plainFile.path + "/sub", sweepName: "a", allowOtherContent: false)) { error in
            XCTAssertTrue("\(error)".contains("cannot create the folder"), "\(error)")
        }
    }

    func testFreshRefusesASweepFolderWithFiles() throws {
        let directory = try LogDirectory.prepare(path: folder.path, sweepName: "a", allowOtherContent: false, mustNotHoldSweep: true)
        let log = try directory.runLog(named: "cell=gru")
        try log.writeScalars(step: 1, wallTime: 1, values: [(tag: "x", value: 1)])
        XCTAssertThrowsError(try LogDirectory.prepare(path: folder.path, sweepName: "a", allowOtherContent: false, mustNotHoldSweep: true)) { error in
            XCTAssertTrue("\(error)".contains("with --fresh"), "\(error)")
        }
    }

    func testFolderNames() {
        XCTAssertEqual(LogDirectory.folderName("cell=gru,hidden=64,lr=0.01,seed=1"), "cell=gru,hidden=64,lr=0.01,seed=1")
        XCTAssertEqual(LogDirectory.folderName("a/b"), "a_b")
        XCTAssertEqual(LogDirectory.folderName(".."), "_.")
        XCTAssertEqual(LogDirectory.folderName(""), "_")
    }
}
