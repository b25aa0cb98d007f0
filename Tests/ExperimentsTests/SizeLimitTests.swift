// Sizes are validated up front: integer fields have upper bounds, parameter counts are
// computed in checked arithmetic, a run too large for memory is refused (at validation,
// or marked failed by the scheduler while the rest goes on), and a plan above the limit
// is refused before it is expanded.
import Foundation
import XCTest
@testable import Experiments
import ResultsStore
import SequenceModels
@testable import Tasks

final class SizeLimitTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func problems(_ text: String) -> [String] {
        do { _ = try Spec.parse(text); return [] } catch let error as SpecError { return error.problems.map(\.description) } catch { return ["\(error)"] }
    }

    private func spec(train: String = "{}", grid: String = "{}", extra: String = "") -> String {
        #"{"name": "s", "task": {"name": "adding", "length": 8}, "train": \#(train), "grid": \#(grid)\#(extra)}"#
    }

    func testHugeHiddenSizesAreRefusedWhereverTheyAppear() {
        for value in ["2147483648", "2147483647", "4294967296", "9007199254740992"] {
            XCTAssertEqual(problems(spec(train: #"{"hidden": \#(value)}"#)), ["train.hidden: must be at most 65536, got \(value)"])
            XCTAssertEqual(problems(spec(grid: #"{"hidden": [8, \#(value)]}"#)), ["grid.hidden[1]: must be at most 65536, got \(value)"])
            XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "hidden": {"choice": [\#(value)]}}"#)),
                           ["random.hidden.choice[0]: must be at most 65536, got \(value)"])
        }
        XCTAssertEqual(problems(spec(train: #"{"batch": 65537, "epochs": 100001}"#)),
                       ["train.batch: must be at most 65536, got 65537", "train.epochs: must be at most 100000, got 100001"])
        XCTAssertEqual(problems(spec(train: #"{"hidden": 65536, "batch": 65536, "epochs": 100000}"#)), [])
    }

    func testRealFieldsStayInFloat32RangeAndMinusZeroIsZero() throws {
        XCTAssertEqual(problems(spec(train: #"{"forget_bias": 1e308, "clip_value": -1e300}"#)),
                       ["train.clip_value: must be a positive number, got -1e+300",
                        "train.forget_bias: must be at most 3.4e38 in magnitude (a Float32), got 1e+308"])
        let minusZero = try Spec.parse(spec(train: #"{"forget_bias": -0, "momentum": -0, "seed": -0}"#))
        let zero = try Spec.parse(spec(train: #"{"forget_bias": 0, "momentum": 0, "seed": 0}"#))
        XCTAssertEqual(Plan(spec: minusZero).entries.map(\.configHash), Plan(spec: zero).entries.map(\.configHash))
    }

    func testParameterCountIsCheckedArithmetic() {
        let big = ModelConfig(cell: .lstm, inputSize: 2, hiddenSize: Int(1) << 40, outputSize: 1)
        XCTAssertNil(big.checkedParameterCount)
        let small = ModelConfig(cell: .gru, inputSize: 3, hiddenSize: 5, outputSize: 2)
        XCTAssertEqual(small.checkedParameterCount, small.parameterCount)
        XCTAssertEqual(small.checkedParameterCount, 3 * 5 * 3 + 3 * 5 * 5 + 3 * 5 + 2 * 5 + 2)
        XCTAssertNil(CheckedInt.product([Int.max, 2]))
        XCTAssertNil(CheckedInt.sum([Int.max, 1]))
    }

    func testMemoryEstimateCountsEveryBuffer() {
        let task = AddingTask(length: 10, trainSize: 4, valSize: 4, dataSeed: 1)
        var config = RunConfig.defaults(task: TaskSpec(name: "adding", parameters: ["length": .number(10)]))
        config.cell = .lstm; config.hidden = 4; config.batch = 2; config.optimizer = .adam
        let p = 4 * 4 * 2 + 4 * 4 * 4 + 4 * 4 + 1 * 4 + 1    // G·H·X + G·H·H + G·H + V·H + V
        let n = 10 * 2
        let floats = 2 * p + 2 * p + p + 2 * (p + 2 * p)      // weights, gradients, adam, packed, checkpoint
            + (2 * n * 16 + 2 * (11 * 2 * 4) + 4 * n * 4)         // one layer: gates, states, extras, masks
            + n * 1 + 2 * 2 * 4 + n * (2 + 1)                     // logits, carried gradients, data
        let estimate = MemoryEstimate(config: config, task: task)
        XCTAssertEqual(estimate.bytes, 4 * floats)
        XCTAssertEqual(estimate.steps, 10)
        XCTAssertNil(estimate.refusal(limit: 4 * floats))
        XCTAssertNotNil(estimate.refusal(limit: 4 * floats - 1))
        XCTAssertEqual(estimate.checkpointBytes, 4 * (p + 2 * p) + (1 << 20), "parameters, adam's two moments, header room")
        XCTAssertNil(estimate.checkpointRefusal(limit: 4 * 3 * p + (1 << 20)))
        XCTAssertNotNil(estimate.checkpointRefusal(limit: 4 * 3 * p + (1 << 20) - 1))
        XCTAssertNil(estimate.runRefusal(limit: 4 * floats))
    }

    func testCheckpointAboveSQLitesLargestValueIsRefusedAtValidation() throws {
        // A GRU at H = 6000 on one input has 108 M parameters: with adam its checkpoint is 1.3 GB, above
        // the 10^9 bytes SQLite stores in one value, though it fits in memory. It is refused before
        // training, naming the run and both sizes; with sgd (0.43 GB) the same model is accepted.
        let specURL = folder.appendingPathComponent("big.json")
        let spec = #"{"name": "big", "task": {"name": "adding", "length": 2, "train_size": 16, "val_size": 4}, "train": {"optimizer": "OPT"}, "grid": {"cell": ["gru"], "hidden": [6000, 8]}}"#
        try spec.replacingOccurrences(of: "OPT", with: "adam").write(to: specURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepSetup.load(specPath: specURL.path, memoryLimit: Int.max)) { error in
            guard let error = error as? SpecError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.problems.map(\.description),
                           ["plan run 0 (gru hidden=6000 lr=0.001 seed=1): has a checkpoint of about 1.3 GB (parameters and optimiser state), "
                            + "above the 1.0 GB that SQLite stores in one value: train a smaller model (hidden size, layers, inputs or outputs)"])
        }
        try spec.replacingOccurrences(of: "OPT", with: "sgd").write(to: specURL, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try SweepSetup.load(specPath: specURL.path, memoryLimit: Int.max))
    }

    func testRunTooLargeForMemoryIsRefusedAtValidationNamingRunEstimateAndLimit() throws {
        let specURL = folder.appendingPathComponent("big.json")
        try #"{"name": "big", "task": {"name": "adding", "length": 8, "train_size": 64, "val_size": 16}, "grid": {"hidden": [40000, 8, 12]}}"#
            .write(to: specURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepSetup.load(specPath: specURL.path, memoryLimit: 8_000_000_000)) { error in
            guard let error = error as? SpecError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.problems.count, 1, "\(error)")
            let line = error.problems[0].description
            XCTAssertTrue(line.hasPrefix("plan run 0 (lstm hidden=40000 lr=0.001 seed=1): needs about "), line)
            XCTAssertTrue(line.contains("GB of memory"), line)
            XCTAssertTrue(line.contains("above the limit of 8.0 GB (50% of physical memory)"), line)
        }
        // Without a memory limit it is still refused, for its checkpoint (77 GB, one SQLite value).
        XCTAssertThrowsError(try SweepSetup.load(specPath: specURL.path, memoryLimit: Int.max)) { error in
            let lines = (error as? SpecError)?.problems.map(\.description) ?? ["\(error)"]
            XCTAssertEqual(lines.count, 1, "\(lines)")
            XCTAssertTrue(lines[0].hasPrefix("plan run 0 (lstm hidden=40000 lr=0.001 seed=1): has a checkpoint of about 76.8 GB"), lines[0])
        }
    }

    func testValidatingTheLargestGeneratedTasksGeneratesNoData() throws {
        // 10^8 steps of data each (TaskFactory.maxGeneratedSteps): validating the spec, its plan and
        // the memory estimate (what `--dry-run` does) builds the task but leaves its data unmade.
        let tasks = [#"{"name": "adding", "length": 100, "train_size": 900000, "val_size": 50000, "test_size": 50000}"#,
                     #"{"name": "copy", "length": 80, "train_size": 900000, "val_size": 50000, "test_size": 50000}"#,
                     #"{"name": "reber", "max_length": 40, "train_size": 2000000, "val_size": 250000, "test_size": 250000}"#]
        for (i, task) in tasks.enumerated() {
            let specURL = folder.appendingPathComponent("large\(i).json")
            try #"{"name": "large", "task": \#(task), "train": {"epochs": 1, "batch": 32}, "grid": {"hidden": [8, 16]}}"#
                .write(to: specURL, atomically: true, encoding: .utf8)
            let setup = try SweepSetup.load(specPath: specURL.path)
            XCTAssertEqual(setup.entries.count, 2)
            XCTAssertGreaterThan(setup.parameterCount(setup.entries[0]), 0)
            let generated: Bool? = switch setup.task {
            case let task as AddingTask: task.splits.isGenerated
            case let task as CopyMemoryTask: task.splits.isGenerated
            case let task as EmbeddedReberTask: task.splits.isGenerated
            default: nil
            }
            XCTAssertEqual(generated, false, task)
        }
        // Too large for memory is still refused, the data still unmade.
        let specURL = folder.appendingPathComponent("refused.json")
        try #"{"name": "refused", "task": \#(tasks[0]), "grid": {"hidden": [40000]}}"#.write(to: specURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SweepSetup.load(specPath: specURL.path, memoryLimit: 1_000_000_000))
    }

    func testRunFoundTooLargeByTheSchedulerIsFailedAndTheRestTrains() throws {
        let db = folder.appendingPathComponent("s.db").path
        let spec = smallSpec(cells: ["gru"], seeds: [1]).replacingOccurrences(of: #""hidden": [6]"#, with: #""hidden": [6, 200]"#)
        let specURL = folder.appendingPathComponent("spec.json")
        try spec.write(to: specURL, atomically: true, encoding: .utf8)
        let setup = try SweepSetup.load(specPath: specURL.path)
        let sweep = try setup.register(in: try ResultsDatabase.open(path: db), fresh: false)
        let scheduler = Scheduler(sweepId: sweep.id!, entries: setup.entries, task: setup.task, database: try ResultsDatabase.open(path: db),
                                  options: SchedulerOptions(jobs: 2, memoryLimit: 2_000_000), progress: SilentProgress())
        let summary = try scheduler.run()
        XCTAssertEqual(summary.counts[.failed], 1)
        XCTAssertEqual(summary.counts[.finished], 1)
        let database = try ResultsDatabase.open(path: db)
        let runs = try database.runs(sweepId: try database.latestSweep()!.id!)
        let byHidden = Dictionary(uniqueKeysWithValues: runs.map { ($0.hidden, $0) })
        XCTAssertEqual(byHidden[6]?.status, .finished)
        XCTAssertEqual(byHidden[200]?.status, .failed)
        let error = byHidden[200]?.error ?? ""
        XCTAssertTrue(error.contains("gru hidden=200") && error.contains("above the limit of 2.0 MB"), error)
    }

    func testPlanAboveTheLimitIsRefusedBeforeExpansion() {
        let values = (1...300).map(String.init).joined(separator: ", ")
        let lrs = (1...300).map { "\(Double($0) / 1000)" }.joined(separator: ", ")
        let text = spec(grid: #"{"hidden": [\#(values)], "seed": [\#(values)], "lr": [\#(lrs)]}"#)
        XCTAssertEqual(problems(text), ["grid: the plan has 27000000 runs (300 hidden × 300 lr × 300 seed), above the limit of 1000000 runs per sweep; split it into several sweeps"])
        let random = spec(grid: #"{"seed": [\#(values)]}"#, extra: #", "random": {"samples": 1000000, "lr": {"log_uniform": [0.001, 0.1]}}"#)
        XCTAssertEqual(problems(random), ["random.samples: the plan has 300000000 runs (1000000 samples × 300 seed), above the limit of 1000000 runs per sweep; split it into several sweeps"])
    }
}
