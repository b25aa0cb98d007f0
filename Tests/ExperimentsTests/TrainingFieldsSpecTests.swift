// The spec fields weight_decay, rmsprop_momentum and lr_schedule: parsing, grid axes,
// canonical JSON (unchanged for configurations at their defaults) and one line per problem.
import Foundation
import SequenceModels
import Tasks
import XCTest
@testable import Experiments

final class TrainingFieldsSpecTests: XCTestCase {
    func spec(train: String = "{}", grid: String = "{}", extra: String = "") -> String {
        #"{"name": "s", "task": {"name": "adding", "length": 10}, "train": \#(train), "grid": \#(grid)\#(extra)}"#
    }

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

    func testTrainDefaultsSetTheNewFields() throws {
        let parsed = try Spec.parse(spec(train: #"""
            {"optimizer": "rmsprop", "weight_decay": 1e-4, "rmsprop_momentum": 0.9,
             "lr_schedule": {"name": "step", "gamma": 0.5, "step_epochs": 3}}
            """#))
        XCTAssertEqual(parsed.base.optimizer, .rmsprop)
        XCTAssertEqual(parsed.base.weightDecay, 1e-4)
        XCTAssertEqual(parsed.base.rmspropMomentum, 0.9)
        XCTAssertEqual(parsed.base.lrSchedule, .step(gamma: 0.5, stepEpochs: 3))
        let config = Plan(spec: parsed).entries[0].config
        XCTAssertTrue(config.canonicalJSONText.contains(#""lr_schedule":{"gamma":0.5,"name":"step","step_epochs":3}"#), config.canonicalJSONText)
        XCTAssertTrue(config.canonicalJSONText.contains(#""rmsprop_momentum":0.9"#))
        XCTAssertTrue(config.canonicalJSONText.contains(#""weight_decay":0.0001"#))
        XCTAssertEqual(try RunConfig.fromJSON(config.canonicalJSONText), config)
    }

    func testFieldsAtTheirDefaultsLeaveConfigJSONAndHashAsBefore() throws {
        // The configuration of PlanConfigHashTests' fixed hash, with the new fields spelled out at their defaults.
        let config = RunConfig(cell: .gru, hidden: 64, lr: 0.003, seed: 2, batch: 32, epochs: 10, optimizer: .adam,
                               clipNorm: 1.0, weightDecay: 0, rmspropMomentum: 0, lrSchedule: .constant,
                               task: TaskSpec(name: "adding", parameters: ["length": .number(50), "data_seed": .number(7)]))
        XCTAssertEqual(config.configHash, "0ed069cd7167bc05be5a1007595ba864f58d9d4574ad9ddc6076652a0182481d")
        let silent = try Spec.parse(spec())
        let explicit = try Spec.parse(spec(train: #"{"weight_decay": 0, "rmsprop_momentum": 0, "lr_schedule": "constant"}"#,
                                           extra: #", "random": {"samples": 1, "optimizer": {"choice": ["rmsprop"]}}"#))
        var expected = Plan(spec: silent).entries[0].config
        expected.optimizer = .rmsprop
        XCTAssertEqual(Plan(spec: explicit).entries[0].configJSON, expected.canonicalJSONText)
        XCTAssertFalse(expected.canonicalJSONText.contains("schedule"))
        XCTAssertFalse(expected.canonicalJSONText.contains("decay"))
        // config_json written before these fields existed reads back with the defaults.
        let old = #"{"batch":32,"cell":"gru","clip_norm":1,"epochs":10,"forget_bias":1,"hidden":64,"lr":0.003,"momentum":0.9,"optimizer":"adam","seed":2,"task":{"data_seed":7,"length":50,"name":"adding"}}"#
        XCTAssertEqual(try RunConfig.fromJSON(old), config)
    }

    func testAGridOverSchedulesAndOptimisers() throws {
        let plan = Plan(spec: try Spec.parse(spec(grid: #"""
            {"optimizer": ["adam", "adamw", "rmsprop"],
             "lr_schedule": ["constant", "cosine", {"name": "step", "step_epochs": 2}, {"name": "reduce_on_plateau", "patience": 1}]}
            """#)))
        XCTAssertEqual(plan.entries.count, 12)
        XCTAssertEqual(Set(plan.entries.map(\.configHash)).count, 12)
        XCTAssertEqual(plan.entries.prefix(4).map(\.config.lrSchedule),
                       [.constant, .cosine, .step(gamma: 0.1, stepEpochs: 2), .reduceOnPlateau(factor: 0.1, patience: 1, threshold: 1e-4)])
        XCTAssertEqual(plan.entries.map(\.config.optimizer).prefix(5), [.adam, .adam, .adam, .adam, .adamw])
        // Defaults are written out, so equal schedules hash equally however they are spelled.
        XCTAssertTrue(plan.entries[3].configJSON.contains(#""lr_schedule":{"factor":0.1,"name":"reduce_on_plateau","patience":1,"threshold":0.0001}"#))
        let spelled = Plan(spec: try Spec.parse(spec(train: #"{"lr_schedule": {"name": "step", "gamma": 0.1, "step_epochs": 2.0}}"#,
                                                     grid: #"{"optimizer": ["adam"]}"#)))
        XCTAssertEqual(spelled.entries[0].configHash, plan.entries[2].configHash)
        XCTAssertEqual(try RunConfig.fromJSON(plan.entries[3].configJSON), plan.entries[3].config)
        // A cosine run and a constant run differ only in lr_schedule.
        XCTAssertFalse(plan.entries[0].configJSON.contains("lr_schedule"))
        XCTAssertTrue(plan.entries[1].configJSON.contains(#""lr_schedule":{"name":"cosine"}"#))
    }

    func testRandomSearchChoosesSchedulesAndDrawsWeightDecay() throws {
        let plan = Plan(spec: try Spec.parse(spec(extra: #"""
            , "random": {"samples": 8, "search_seed": 3, "weight_decay": {"log_uniform": [1e-5, 1e-2]},
                         "lr_schedule": {"choice": ["constant", "cosine"]}}
            """#)))
        XCTAssertEqual(plan.entries.count, 8)
        for entry in plan.entries {
            XCTAssertTrue((1e-5..<1e-2).contains(entry.config.weightDecay))
            XCTAssertTrue([LearningRateSchedule.constant, .cosine].contains(entry.config.lrSchedule))
        }
        XCTAssertEqual(Set(plan.entries.map(\.config.lrSchedule)).count, 2, "both schedules drawn in 8 samples")
    }

    func testEachProblemIsOneLineNamingItsPath() {
        XCTAssertEqual(problems(spec(train: #"{"weight_decay": -0.1}"#)), ["train.weight_decay: must be a non-negative number, got -0.1"])
        XCTAssertEqual(problems(spec(train: #"{"optimizer": "rmsprop", "rmsprop_momentum": 1}"#)),
                       ["train.rmsprop_momentum: must be in [0, 1), got 1"])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": {"name": "cosine", "gamma": 0.5}}"#)),
                       ["train.lr_schedule.gamma: only used by the step schedule, not by cosine"])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": {"name": "step", "gamma": 0, "step_epochs": 0}}"#)), [
            "train.lr_schedule.gamma: must be a positive number (the factor applied every step_epochs epochs), got 0",
            "train.lr_schedule.step_epochs: must be a positive integer: the epochs between two decays, got 0",
        ])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": "step"}"#)),
                       ["train.lr_schedule.step_epochs: missing (the step schedule needs a positive integer: the epochs between two decays)"])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": {"name": "cosin"}}"#)),
                       [#"train.lr_schedule.name: unknown schedule "cosin" (expected one of constant, step, cosine, reduce_on_plateau; did you mean 'cosine'?)"#])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": "plateau"}"#)),
                       [#"train.lr_schedule: unknown schedule "plateau" (expected one of constant, step, cosine, reduce_on_plateau; did you mean 'reduce_on_plateau'?)"#])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": {"name": "reduce_on_plateau", "factor": 1.5, "patience": -1, "pateince": 2}}"#)), [
            #"train.lr_schedule.pateince: unknown field "pateince"; did you mean 'patience'?"#,
            "train.lr_schedule.factor: must be a number in (0, 1), got 1.5",
            "train.lr_schedule.patience: must be a non-negative integer, got -1",
        ])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": {"gamma": 0.5}}"#)),
                       [#"train.lr_schedule: missing "name" (expected a schedule name (constant, step, cosine, reduce_on_plateau) or an object such as {"name": "step", "gamma": 0.5, "step_epochs": 3})"#])
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": 3}"#)),
                       [#"train.lr_schedule: expected a schedule name (constant, step, cosine, reduce_on_plateau) or an object such as {"name": "step", "gamma": 0.5, "step_epochs": 3}, got a number 3"#])
        XCTAssertEqual(problems(spec(grid: #"{"lr_schedule": ["cosine", {"name": "step", "step_epochs": 2, "factor": 0.5}, "cosine"]}"#)), [
            "grid.lr_schedule[1].factor: only used by the reduce_on_plateau schedule, not by step",
            #"grid.lr_schedule[2]: duplicate value "cosine""#,
        ])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "lr_schedule": {"uniform": [0, 1]}}"#)),
                       ["random.lr_schedule.uniform: lr_schedule takes names, not numbers; use {\"choice\": [...]}"])
    }

    func testRMSPropMomentumWithoutRMSPropIsAProblem() throws {
        XCTAssertEqual(problems(spec(train: #"{"rmsprop_momentum": 0.9}"#)),
                       ["train.rmsprop_momentum: only used by the rmsprop optimizer, and no run here uses it (optimizer: adam)"])
        XCTAssertEqual(problems(spec(grid: #"{"optimizer": ["sgd", "adamw"], "rmsprop_momentum": [0, 0.9]}"#)),
                       ["grid.rmsprop_momentum: only used by the rmsprop optimizer, and no run here uses it (optimizer: sgd, adamw)"])
        XCTAssertEqual(problems(spec(train: #"{"optimizer": "rmsprop", "momentum": 0.9}"#)),
                       ["train.momentum: only used by the momentum optimizer; rmsprop's momentum is the field rmsprop_momentum"])
        XCTAssertNoThrow(try Spec.parse(spec(train: #"{"momentum": 0.5}"#, grid: #"{"optimizer": ["momentum", "rmsprop"]}"#)))
        XCTAssertNoThrow(try Spec.parse(spec(train: #"{"optimizer": "adam", "momentum": 0.5}"#)), "as before rmsprop existed")
        // A momentum axis no run reads would give runs that differ in name only.
        XCTAssertEqual(problems(spec(train: #"{"optimizer": "sgd"}"#, grid: #"{"momentum": [0.1, 0.5]}"#)),
                       ["grid.momentum: only used by the momentum optimizer, and no run here uses it (optimizer: sgd): its values would give runs with the same results"])
        XCTAssertEqual(problems(spec(extra: #", "random": {"samples": 2, "momentum": {"uniform": [0.1, 0.5]}}"#)),
                       ["random.momentum: only used by the momentum optimizer, and no run here uses it (optimizer: adam): its values would give runs with the same results"])
        XCTAssertNoThrow(try Spec.parse(spec(grid: #"{"optimizer": ["momentum", "sgd"], "momentum": [0.5, 0.9]}"#)))
        // Fine when some run trains with rmsprop.
        let mixed = Plan(spec: try Spec.parse(spec(train: #"{"rmsprop_momentum": 0.5}"#, grid: #"{"optimizer": ["adam", "rmsprop"]}"#)))
        XCTAssertEqual(mixed.entries.map(\.config.rmspropMomentum), [0.5, 0.5])
    }

    func testMisspelledFieldNamesSuggestTheNewFields() {
        XCTAssertEqual(problems(spec(train: #"{"scheduler": "cosine"}"#)), [#"train: unknown field "scheduler"; did you mean 'lr_schedule'?"#])
        XCTAssertEqual(problems(spec(train: #"{"wd": 0.1}"#)), [#"train: unknown field "wd"; did you mean 'weight_decay'?"#])
        XCTAssertEqual(problems(spec(grid: #"{"weight_decay": [0.1, -1]}"#)), ["grid.weight_decay[1]: must be a non-negative number, got -1"])
        // A schedule's parameter written beside lr_schedule instead of inside it.
        XCTAssertEqual(problems(spec(train: #"{"lr_schedule": "cosine", "gamma": 0.5}"#)),
                       [#"train: unknown field "gamma" (a parameter of the step schedule: write it inside lr_schedule, e.g. {"name": "step", "gamma": 0.5, "step_epochs": 3})"#])
        XCTAssertEqual(problems(spec(grid: #"{"patience": [1, 2]}"#)),
                       [#"grid: unknown field "patience" (a parameter of the reduce_on_plateau schedule: write it inside lr_schedule, e.g. {"name": "reduce_on_plateau", "factor": 0.5, "patience": 2})"#])
    }
}
