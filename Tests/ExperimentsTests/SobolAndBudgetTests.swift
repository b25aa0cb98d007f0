// Quasi-random search and parameter budgets: Sobol points (known values, one point per
// stratum, lower centered L2 discrepancy than pseudo-random points, determinism) and the
// hidden size chosen for a budget (Chung et al. 2014's counts, ties, scopes, the plan).
import XCTest
@testable import Experiments
import SequenceModels
import Tasks

final class SobolAndBudgetTests: XCTestCase {
    func testUnscrambledPointsAreSobolsSequence() {
        // The first points of Sobol's sequence in two dimensions (Joe & Kuo's directions).
        let points = SobolSequence(dimensions: 2, scrambleSeed: nil).points(8)
        XCTAssertEqual(points.map { $0[0] }, [0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125])
        XCTAssertEqual(points.map { $0[1] }, [0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625])
    }

    func testScrambledPointsKeepOnePointPerStratumInEveryCoordinate() {
        for seed: UInt64 in [0, 1, 7] {
            let points = SobolSequence(dimensions: SobolSequence.maximumDimensions, scrambleSeed: seed).points(64)
            for d in 0..<SobolSequence.maximumDimensions {
                XCTAssertEqual(Set(points.map { Int($0[d] * 64) }).count, 64, "seed \(seed), dimension \(d)")
            }
        }
        // Pseudo-random points do not (a birthday collision among 64 draws in 64 cells is near certain).
        var rng = Xoshiro256(seed: 1)
        XCTAssertLessThan(Set((0..<64).map { _ in Int(rng.nextDouble() * 64) }).count, 64)
    }

    func testScrambledSobolHasLowerCenteredDiscrepancyThanPseudoRandomPoints() {
        // Measure: squared centered L2 discrepancy (Hickernell 1998), 128 points in 4 dimensions.
        // Every one of 10 scrambles must beat every one of 10 pseudo-random sets (scipy gives
        // ~3.5e-4 against ~9e-3 on average for such sets).
        let sobol = (1...10).map { centeredL2DiscrepancySquared(SobolSequence(dimensions: 4, scrambleSeed: UInt64($0)).points(128)) }
        let pseudo = (1...10).map { seed -> Double in
            var rng = Xoshiro256(seed: UInt64(seed))
            return centeredL2DiscrepancySquared((0..<128).map { _ in (0..<4).map { _ in rng.nextDouble() } })
        }
        XCTAssertLessThan(sobol.max()!, pseudo.min()!, "sobol \(sobol), pseudo-random \(pseudo)")
        XCTAssertLessThan(sobol.reduce(0, +) / 10, pseudo.reduce(0, +) / 10 / 5)
    }

    func testSobolPlansAreDeterministicAndDependOnTheSearchSeed() throws {
        func spec(_ seed: Int) throws -> Spec {
            try Spec.parse("""
                {"name": "q", "task": {"name": "adding"},
                 "random": {"samples": 16, "search_seed": \(seed), "sampler": "sobol",
                            "lr": {"log_uniform": [1e-4, 1e-1]}, "hidden": {"int_uniform": [8, 71]}, "cell": {"choice": ["gru", "lstm"]}}}
                """)
        }
        let a = Plan(spec: try spec(3)).entries.map(\.configHash)
        XCTAssertEqual(a, Plan(spec: try spec(3)).entries.map(\.configHash))
        XCTAssertNotEqual(a, Plan(spec: try spec(4)).entries.map(\.configHash))
        let configs = Plan(spec: try spec(3)).entries.map(\.config)
        XCTAssertEqual(configs.count, 16)
        // 16 points: one learning rate in each sixteenth of the log range, one hidden size in each block of 4.
        XCTAssertEqual(Set(configs.map { Int((log($0.lr) - log(1e-4)) / (log(1e-1) - log(1e-4)) * 16) }).count, 16)
        XCTAssertEqual(Set(configs.map { ($0.hidden - 8) / 4 }).count, 16)
        XCTAssertEqual(configs.filter { $0.cell == .gru }.count, 8)
    }

    func testChungEtAlsBudgetGivesTanh100Gru46Lstm36() {
        // ~20k recurrent parameters with 100 inputs (the seed's single bias per gate).
        let sizes = [CellKind.rnn, .gru, .lstm].map { cell in
            ParameterBudget.hiddenSize(budget: 20_000, scope: .recurrent,
                                       model: ModelConfig(cell: cell, inputSize: 100, hiddenSize: 1, outputSize: 1))
        }
        XCTAssertEqual(sizes, [100, 46, 36])
        XCTAssertEqual(ParameterBudget.count(ModelConfig(cell: .gru, inputSize: 100, hiddenSize: 46, outputSize: 1), scope: .recurrent),
                       3 * 46 * (46 + 100 + 1))
    }

    func testBudgetsCountStackedLayersAndRecurrentBiases() {
        // Two gru layers, 100 inputs: layer 1 is 3h(h + 100 + 1), layer 2 is 3h(h + h + 1).
        var two = ModelConfig(cell: .gru, inputSize: 100, hiddenSize: 1, outputSize: 1)
        two.layers = 2
        let hidden = ParameterBudget.hiddenSize(budget: 20_000, scope: .recurrent, model: two)
        let count = { (h: Int) in 3 * h * (h + 101) + 3 * h * (2 * h + 1) }
        XCTAssertEqual(hidden, (1...200).min { (abs(count($0) - 20_000), $0) < (abs(count($1) - 20_000), $1) })
        XCTAssertLessThan(hidden, 46, "a second layer leaves fewer units per layer for the same budget")
        // PyTorch's GRU form has a second bias per gate: fewer units than the seed's GRU at one budget.
        let seedForm = ParameterBudget.hiddenSize(budget: 20_000, scope: .recurrent,
                                                  model: ModelConfig(cell: .gru, inputSize: 100, hiddenSize: 1, outputSize: 1))
        let pytorchForm = ParameterBudget.hiddenSize(budget: 20_000, scope: .recurrent,
                                                     model: ModelConfig(cell: .gruResetAfter, inputSize: 100, hiddenSize: 1, outputSize: 1))
        XCTAssertLessThanOrEqual(pytorchForm, seedForm)
        let sized = ModelConfig(cell: .gruResetAfter, inputSize: 100, hiddenSize: pytorchForm, outputSize: 1)
        XCTAssertEqual(ParameterBudget.count(sized, scope: .recurrent), 3 * pytorchForm * (pytorchForm + 100 + 2))
    }

    func testBudgetTiesGoToTheSmallerSizeAndScopeAllCountsTheHead() {
        // rnn with no input: recurrent count h(h + 1); 12 at h = 3 and 20 at h = 4, so 16 is a tie.
        let rnn = ModelConfig(cell: .rnn, inputSize: 0, hiddenSize: 1, outputSize: 2)
        XCTAssertEqual(ParameterBudget.hiddenSize(budget: 16, scope: .recurrent, model: rnn), 3)
        XCTAssertEqual(ParameterBudget.hiddenSize(budget: 17, scope: .recurrent, model: rnn), 4)
        XCTAssertEqual(ParameterBudget.hiddenSize(budget: 1, scope: .recurrent, model: rnn), 1)
        // all: h(h + 1) + 2h + 2 (head 2 × h plus 2 biases): 20 at h = 3, 30 at h = 4.
        XCTAssertEqual(ParameterBudget.count(ModelConfig(cell: .rnn, inputSize: 0, hiddenSize: 4, outputSize: 2), scope: .all), 30)
        XCTAssertEqual(ParameterBudget.hiddenSize(budget: 25, scope: .all, model: rnn), 3)
        XCTAssertEqual(ParameterBudget.hiddenSize(budget: 26, scope: .all, model: rnn), 4)
    }

    func testAParamsGridGivesEachCellItsNearestHiddenSize() throws {
        let spec = try Spec.parse("""
            {"name": "b", "task": {"name": "adding", "length": 10},
             "grid": {"cell": ["rnn", "gru", "lstm"], "params": [2000, 8000]}, "train": {"params_scope": "recurrent"}}
            """)
        let task = try TaskFactory.make(name: "adding", parameters: ["length": .number(10)], specDirectory: URL(fileURLWithPath: "/"))
        let entries = Plan(spec: spec, task: task).entries
        XCTAssertEqual(entries.count, 6)
        for entry in entries {
            let model = Trainer.modelConfig(entry.config, task: task)
            XCTAssertEqual(entry.config.hidden, ParameterBudget.hiddenSize(budget: entry.config.params!, scope: .recurrent, model: model))
            let count = ParameterBudget.count(model, scope: .recurrent)
            for other in [entry.config.hidden - 1, entry.config.hidden + 1] where other >= 1 {
                var m = model
                m.hiddenSize = other
                XCTAssertLessThanOrEqual(abs(count - entry.config.params!), abs(ParameterBudget.count(m, scope: .recurrent) - entry.config.params!))
            }
            XCTAssertTrue(entry.configJSON.contains("\"params\":\(entry.config.params!),\"params_scope\":\"recurrent\""), entry.configJSON)
        }
        // adding has 2 inputs: rnn h(h+3) ≈ 2000 → 43; gru 3h(h+3) → 24; lstm 4h(h+3) → 21.
        XCTAssertEqual(entries.filter { $0.config.params == 2000 }.map(\.config.hidden), [43, 24, 21])
    }
}
