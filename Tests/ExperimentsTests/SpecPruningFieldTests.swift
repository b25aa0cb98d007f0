// Spec fields of pruning and fair comparison: early_stop (train field and grid axis),
// halving, params / params_scope, random.sampler; valid forms and one line per problem.
import Foundation
import XCTest
@testable import Experiments

final class SpecPruningFieldTests: XCTestCase {
    func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try Spec.parse(text)
            XCTFail("spec was accepted: \(text)", file: file, line: line)
            return []
        } catch let error as SpecError {
            return error.problems.map(\.description)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    func spec(train: String = "{}", grid: String = "{}", extra: String = "") -> String {
        #"{"name": "s", "task": {"name": "adding"}, "train": \#(train), "grid": \#(grid)\#(extra)}"#
    }

    func testEarlyStopIsATrainFieldAndAGridAxis() throws {
        let trained = try Spec.parse(spec(train: #"{"early_stop": {"patience": 3, "min_delta": 0.01, "monitor": "val_metric"}}"#))
        XCTAssertEqual(trained.base.earlyStop, EarlyStopRule(patience: 3, minDelta: 0.01, monitor: .valMetric))
        let grid = try Spec.parse(spec(grid: #"{"early_stop": [null, {"patience": 2}]}"#))
        let configs = Plan(spec: grid).entries.map(\.config)
        XCTAssertEqual(configs.map(\.earlyStop), [nil, EarlyStopRule(patience: 2, minDelta: 0, monitor: .valLoss)])
        XCTAssertTrue(Plan(spec: grid).entries[1].configJSON.contains(#""early_stop":{"min_delta":0,"monitor":"val_loss","patience":2}"#))
        // Unset, the field is absent from config_json: hashes of specs without it do not change.
        XCTAssertFalse(Plan(spec: grid).entries[0].configJSON.contains("early_stop"))
        XCTAssertEqual(try RunConfig.fromJSON(Plan(spec: grid).entries[1].configJSON), configs[1])
    }

    func testEarlyStopProblems() {
        XCTAssertEqual(problems(spec(train: #"{"early_stop": {"patience": 0, "monitor": "loss", "patiense": 1}}"#)), [
            #"train.early_stop: unknown field "patiense"; did you mean 'patience'? (valid: patience, min_delta, monitor)"#,
            #"train.early_stop.patience: must be a positive integer, got 0"#,
            #"train.early_stop.monitor: expected "val_loss" or "val_metric", got "loss""#,
        ])
        XCTAssertEqual(problems(spec(train: #"{"early_stop": 3}"#)).count, 1)
        XCTAssertEqual(problems(spec(grid: #"{"early_stop": [{"min_delta": -1, "patience": 2}]}"#)),
                       ["grid.early_stop[0].min_delta: must be a non-negative number, got -1"])
    }

    func testHalvingBlock() throws {
        let parsed = try Spec.parse(spec(train: #"{"epochs": 27}"#, extra: #", "halving": {"min_epochs": 1, "eta": 3}"#))
        XCTAssertEqual(parsed.halving, HalvingRule(minEpochs: 1, eta: 3, monitor: .valLoss))
        XCTAssertEqual(problems(spec(train: #"{"epochs": 9}"#, extra: #", "halving": {"eta": 1, "monitr": "x"}"#)), [
            #"halving: unknown field "monitr"; did you mean 'monitor'?"#,
            "halving.min_epochs: missing (expected a positive integer: the epoch of the first rung)",
            "halving.eta: must be an integer from 2 to 1000 (each rung keeps the best 1/eta), got 1",
        ])
        XCTAssertEqual(problems(spec(train: #"{"epochs": 4}"#, extra: #", "halving": {"min_epochs": 4}"#)),
                       ["halving.min_epochs: must be below epochs (4) so that at least one rung exists, got 4"])
        XCTAssertEqual(problems(spec(grid: #"{"epochs": [4, 8]}"#, extra: #", "halving": {"min_epochs": 1}"#)),
                       ["halving: needs one epochs value for every run, but grid.epochs varies it"])
    }

    func testParamsReplacesHiddenAndParamsScopeNeedsParams() throws {
        let parsed = try Spec.parse(spec(train: #"{"params_scope": "recurrent"}"#, grid: #"{"params": [20000, 80000]}"#))
        XCTAssertEqual(parsed.grid.map(\.field), [.params])
        XCTAssertEqual(parsed.base.paramsScope, .recurrent)
        XCTAssertEqual(problems(spec(grid: #"{"hidden": [8], "params": [100]}"#)),
                       ["grid.params: a parameter budget replaces hidden (the hidden size is chosen per cell), but grid.hidden is also given; keep one of them"])
        XCTAssertEqual(problems(spec(train: #"{"params_scope": "all"}"#)),
                       ["train.params_scope: only used with a params budget (give params, or remove params_scope)"])
        XCTAssertEqual(problems(spec(train: #"{"params_scope": "head"}"#, grid: #"{"params": [10]}"#)),
                       [#"train.params_scope: expected a string (all or recurrent), got "head""#])
        XCTAssertEqual(problems(spec(grid: #"{"params": [0]}"#)), ["grid.params[0]: must be a positive integer, got 0"])
    }

    func testSampler() throws {
        let parsed = try Spec.parse(spec(extra: #", "random": {"samples": 4, "sampler": "sobol", "lr": {"uniform": [0.1, 0.2]}}"#))
        XCTAssertEqual(parsed.random?.sampler, .sobol)
        XCTAssertEqual(try Spec.parse(spec(extra: #", "random": {"samples": 4, "lr": {"uniform": [0.1, 0.2]}}"#)).random?.sampler, .random)
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 4, "sampler": "halton"}"#)),
                       [#"random.sampler: expected "random" or "sobol", got "halton""#])
    }
}
