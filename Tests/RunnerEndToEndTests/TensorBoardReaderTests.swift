// `runner sweep --tensorboard` and `runner export --tensorboard` read back by TensorBoard
// itself (Tests/TensorBoardReader/read_logdir.py: EventAccumulator for the scalars, the
// HParams plugin's handlers for the experiment and sessions), checked step by step
// against the database; and the folders `--tensorboard` refuses.
import Foundation
import GRDB
import XCTest

/// What TensorBoard reads from the log directory at `path` (scalars, experiment, sessions; see
/// read_logdir.py), or a skip saying why it cannot run.
func readLogDirectoryWithTensorBoard(_ path: String) throws -> [String: Any] {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TensorBoardReader/read_logdir.py")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script.path, path]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { throw XCTSkip("python3 cannot be started (\(error)): the TensorBoard reader test needs it") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    if p.terminationStatus == 3 || p.terminationStatus == 127 {
        throw XCTSkip("\(errors.trimmingCharacters(in: .whitespacesAndNewlines)): install it with `python3 -m pip install tensorboard` (.ci/run does)")
    }
    XCTAssertEqual(p.terminationStatus, 0, errors)
    return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

final class TensorBoardReaderTests: XCTestCase, TemporaryFolderTest {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Four runs of six epochs, slow enough (a second or two) to be killed mid-way.
    let spec = """
    {
      "name": "tb-e2e",
      "task": {"name": "adding", "length": 20, "train_size": 1024, "val_size": 64, "data_seed": 5},
      "train": {"epochs": 6, "batch": 16, "optimizer": "adam", "clip_norm": 1.0, "hidden": 24, "lr": 0.01},
      "grid": {"cell": ["gru", "lstm"], "seed": [1, 2]}
    }
    """

    private func writeSpec(_ text: String) throws {
        try text.write(to: folder.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
    }

    /// What TensorBoard reads from a log directory, or a skip saying why it cannot run.
    private func readWithTensorBoard(_ logdir: String) throws -> [String: Any] {
        try readLogDirectoryWithTensorBoard(folder.appendingPathComponent(logdir).path)
    }

    /// A value the reader printed as Python's repr (read back exactly by Double(String)).
    private func exactly(_ value: Any) -> Double? { (value as? String).flatMap(Double.init) }

    /// Every run of the database: its expected folder name (the grid's cell and seed), status
    /// and epochs (train_loss, val_loss, val_metric, grad_norm, seconds, test_loss,
    /// test_metric, lr), in epoch order.
    private func databaseRuns(_ db: String) throws -> [String: (status: String, epochs: [[Double]])] {
        try DatabaseQueue(path: folder.appendingPathComponent(db).path).read { db in
            var runs: [String: (status: String, epochs: [[Double]])] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, cell, seed, status FROM runs") {
                let id: Int64 = row["id"], cell: String = row["cell"], seed: Int = row["seed"]
                let epochs = try Row.fetchAll(db, sql: "SELECT train_loss, val_loss, val_metric, grad_norm, seconds, test_loss, test_metric, lr FROM epochs WHERE run_id = ? ORDER BY epoch", arguments: [id])
                    .map { r in (0..<8).map { r[$0] as Double } }
                runs["tb-e2e/cell=\(cell),seed=\(seed)"] = (row["status"], epochs)
            }
            return runs
        }
    }

    /// Checks TensorBoard's view of a log directory against the database: every scalar of
    /// every run at every step (as the Float32 TensorBoard stores), each step once; the
    /// experiment's hyperparameters and metrics; each session's values, status and metrics.
    private func assertTensorBoardShows(_ db: String, logdir: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let read = try readWithTensorBoard(logdir)
        let runs = try databaseRuns(db)
        let scalars = try XCTUnwrap(read["scalars"] as? [String: [String: [[Any]]]], file: file, line: line)
        XCTAssertEqual(Set(scalars.keys), Set(runs.keys), file: file, line: line)
        let tags = ["train/loss", "val/loss", "val/mse", "train/grad_norm", "time/seconds_per_epoch", "test/loss", "test/mse", "train/lr"]
        for (name, run) in runs {
            let series = try XCTUnwrap(scalars[name], name, file: file, line: line)
            XCTAssertEqual(Set(series.keys), Set(tags), name, file: file, line: line)
            for (column, tag) in tags.enumerated() {
                let points = series[tag] ?? []
                XCTAssertEqual(points.map { $0[0] as? Int }, Array(1...run.epochs.count), "\(name) \(tag): every epoch once, in order", file: file, line: line)
                for (point, epoch) in zip(points, run.epochs) {
                    XCTAssertEqual(exactly(point[1]), Double(Float(epoch[column])), "\(name) \(tag) step \(point[0])", file: file, line: line)
                }
            }
        }
        let hparams = try XCTUnwrap(read["hparams"] as? [String: Any], file: file, line: line)
        let experiment = try XCTUnwrap(hparams["experiment"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(experiment["name"] as? String, "tb-e2e", file: file, line: line)
        let infos = try XCTUnwrap(experiment["hparams"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(infos.map { $0["name"] as? String }, ["cell", "seed"], file: file, line: line)
        XCTAssertEqual(infos[0]["domainDiscrete"] as? [String], ["gru", "lstm"], file: file, line: line)
        XCTAssertEqual(infos[1]["domainDiscrete"] as? [Double], [1, 2], file: file, line: line)
        XCTAssertEqual(experiment["metrics"] as? [String], ["val/loss", "val/mse", "test/loss", "test/mse", "train/loss", "train/grad_norm", "time/seconds_per_epoch"], file: file, line: line)
        let sessions = try XCTUnwrap(hparams["sessions"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(sessions.count, runs.count, "one session per run, each its own row", file: file, line: line)
        XCTAssertEqual(Set(sessions.compactMap { $0["group"] as? String }).count, runs.count, file: file, line: line)
        for session in sessions {
            let name = try XCTUnwrap(session["name"] as? String, file: file, line: line)
            let run = try XCTUnwrap(runs[name], name, file: file, line: line)
            let values = try XCTUnwrap(session["hparams"] as? [String: Any], file: file, line: line)
            XCTAssertEqual("tb-e2e/cell=\(values["cell"] as? String ?? "?"),seed=\(Int(values["seed"] as? Double ?? -1))", name, file: file, line: line)
            XCTAssertEqual(session["status"] as? String, run.status == "finished" ? "STATUS_SUCCESS" : "STATUS_UNKNOWN", name, file: file, line: line)
            let metrics = try XCTUnwrap(session["metrics"] as? [String: [Any]], file: file, line: line)
            let lastValLoss = try XCTUnwrap(metrics["val/loss"], name, file: file, line: line)
            XCTAssertEqual(lastValLoss[0] as? Int, run.epochs.count, "\(name): the last step", file: file, line: line)
            XCTAssertEqual(exactly(lastValLoss[1]), Double(Float(run.epochs.last![1])), "\(name): the last val loss", file: file, line: line)
        }
        return read
    }

    func testKilledAndResumedSweepShowsEveryEpochOnceAndExportWritesTheSame() throws {
        try writeSpec(spec)
        let p = try RunnerBinary.start(["sweep", "spec.json", "--db", "r.db", "--jobs", "2", "--no-report", "--tensorboard", "tb"], in: folder, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let n = try? scalar("r.db", "SELECT COUNT(*) FROM epochs"), (Int(n) ?? 0) >= 3 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertLessThan(try epochs("r.db").count, 24, "the kill landed before the end")
        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--db", "r.db", "--jobs", "2", "--no-report", "--tensorboard", "tb"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try epochs("r.db").count, 24)
        let live = try assertTensorBoardShows("r.db", logdir: "tb")
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.appendingPathComponent("tb").path).filter { $0.contains("tfevents") }
        XCTAssertGreaterThan(files.count, 5, "the experiment, a file per run, and more for the resumed runs")

        let export = try RunnerBinary.run(["export", "--db", "r.db", "--tensorboard", "exported"], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("4 runs, 24 new epochs"), export.stdout)
        let exported = try assertTensorBoardShows("r.db", logdir: "exported")
        XCTAssertEqual(exported as NSDictionary, live as NSDictionary, "an export reads the same as the live files")
        let again = try RunnerBinary.run(["export", "--db", "r.db", "--tensorboard", "exported", "--sweep", "tb-e2e"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("4 runs, 0 new epochs"), again.stdout)
        XCTAssertEqual(try readWithTensorBoard("exported") as NSDictionary, live as NSDictionary)
    }

    func testExportOfAMergedShardDatabase() throws {
        try writeSpec(spec.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 2"))
        for shard in 0..<2 {
            let r = try RunnerBinary.run(["sweep", "spec.json", "--db", "shard-\(shard).db", "--shard", "\(shard)/2", "--jobs", "2", "--no-report"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merge = try RunnerBinary.run(["merge", "--output", "merged.db", "shard-0.db", "shard-1.db"], in: folder)
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let export = try RunnerBinary.run(["export", "--db", "merged.db", "--tensorboard", "tb"], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("4 runs, 8 new epochs"), export.stdout)
        _ = try assertTensorBoardShows("merged.db", logdir: "tb")
    }

    func testUnusableFoldersAreRefusedBeforeTraining() throws {
        try writeSpec(spec)
        let plainFile = folder.appendingPathComponent("plain")
        XCTAssertTrue(FileManager.default.createFile(atPath: plainFile.path, contents: Data("x".utf8)))
        let cases: [(arguments: [String], message: String)] = [
            (["--tensorboard", "plain/tb"], "--tensorboard plain/tb: cannot create the folder"),
            (["--tensorboard", "plain"], "--tensorboard plain: is a file, not a folder"),
            (["--tensorboard", "out", "--db", "out/r.db"], "--tensorboard out: holds the results database out/r.db"),
            (["--tensorboard", ".", "--db", "r.db"], "--tensorboard .: holds the results database r.db"),
        ]
        for c in cases {
            let r = try RunnerBinary.run(["sweep", "spec.json", "--no-report", "--db", "r.db"] + c.arguments, in: folder)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(c.message), "\(c.arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.db").path), "nothing trained or written")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/r.db").path))
        }

        // Another sweep's files (or anything else) in the folder: refused unless --tensorboard-append.
        let other = folder.appendingPathComponent("shared/other-sweep")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let refused = try RunnerBinary.run(["sweep", "spec.json", "--no-report", "--db", "r.db", "--tensorboard", "shared"], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("--tensorboard shared: holds other files than sweep tb-e2e's (other-sweep)"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.db").path))
        let export = try RunnerBinary.run(["export", "--db", "r.db", "--tensorboard", "shared"], in: folder)
        XCTAssertEqual(export.status, 1, "no database yet")

        try writeSpec(spec.replacingOccurrences(of: "\"epochs\": 6", with: "\"epochs\": 1"))
        let appended = try RunnerBinary.run(["sweep", "spec.json", "--no-report", "--db", "r.db", "--tensorboard", "shared", "--tensorboard-append"], in: folder)
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("shared/tb-e2e/cell=gru,seed=1").path))
        // The same sweep again is its own folder: accepted; --fresh over its files is not.
        let rerun = try RunnerBinary.run(["sweep", "spec.json", "--no-report", "--db", "r.db", "--tensorboard", "shared", "--tensorboard-append"], in: folder)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let fresh = try RunnerBinary.run(["sweep", "spec.json", "--no-report", "--db", "r.db", "--tensorboard", "shared", "--tensorboard-append", "--fresh"], in: folder)
        XCTAssertEqual(fresh.status, 1)
        XCTAssertTrue(fresh.stderr.contains("with --fresh, remove that folder"), fresh.stderr)
        XCTAssertEqual(try scalar("r.db", "SELECT COUNT(*) FROM epochs"), "4", "--fresh refused before it deleted anything")
    }
}
