// Successive halving decisions on constructed results: rungs, cohorts, ranking by the mean
// of seeds, ties by configuration hash, diverged and failed runs last, η = 2 and 3, early
// stopped runs, a metric that goes up, and a grid that grows after a rung was decided.
import XCTest
@testable import Experiments
import ResultsStore

final class HalvingDecisionTests: XCTestCase {
    /// A plan of gru configurations (one per lr) × seeds 1 and 2, 9 epochs.
    func plan(lrs: [Double], seeds: [Int] = [1, 2]) throws -> [PlanEntry] {
        let spec = try Spec.parse("""
            {"name": "h", "task": {"name": "adding"}, "train": {"epochs": 9, "cell": "gru", "hidden": 4},
             "grid": {"lr": [\(lrs.map { "\($0)" }.joined(separator: ","))], "seed": [\(seeds.map(String.init).joined(separator: ","))]}}
            """)
        return Plan(spec: spec).entries
    }

    /// Runs with ids 1, 2, … in plan order; `values[configuration index]` gives each seed's val_loss per epoch.
    func snapshot(_ entries: [PlanEntry], epochs: Int, loss: (_ entry: PlanEntry) -> Double,
                  status: (PlanEntry) -> RunStatus = { _ in .pending }, decisions: [HalvingDecisionRecord] = []) -> HalvingSnapshot {
        HalvingSnapshot(runs: entries.enumerated().map { index, entry in
            let s = status(entry)
            let done = (s == .diverged || s == .failed) ? 0 : epochs
            return HalvingRunState(runId: Int64(index + 1), configHash: entry.configHash, status: s,
                                   epochs: (0..<done).map { HalvingEpoch(epoch: $0 + 1, valLoss: loss(entry) / Double($0 + 1), valMetric: nil) })
        }, decisions: decisions)
    }

    func halving(_ entries: [PlanEntry], eta: Int = 3, monitor: MonitoredValue = .valLoss, higherIsBetter: Bool = false) -> Halving {
        Halving(rule: HalvingRule(minEpochs: 1, eta: eta, monitor: monitor), entries: entries, epochs: 9, metricHigherIsBetter: higherIsBetter)
    }

    func testRungsAreMinEpochsTimesPowersOfEtaBelowTheEpochs() {
        XCTAssertEqual(HalvingRule(minEpochs: 1, eta: 3).rungs(epochs: 9), [1, 3])
        XCTAssertEqual(HalvingRule(minEpochs: 1, eta: 3).rungs(epochs: 10), [1, 3, 9])
        XCTAssertEqual(HalvingRule(minEpochs: 2, eta: 2).rungs(epochs: 16), [2, 4, 8])
        XCTAssertEqual(HalvingRule(minEpochs: 5, eta: 2).rungs(epochs: 5), [])
    }

    func testARungWaitsForEveryLiveRunThenKeepsTheBestThird() throws {
        let entries = try plan(lrs: [0.1, 0.2, 0.3, 0.4])
        let h = halving(entries)
        let lossOf = { (e: PlanEntry) in e.config.lr + Double(e.config.seed) / 1000 }
        // One run still at epoch 0: nothing is decided, every run may train to rung 1.
        var waiting = snapshot(entries, epochs: 1, loss: lossOf)
        waiting.runs[5].epochs = []
        XCTAssertTrue(h.decide(waiting, sweepId: 1).isEmpty)
        let standings = h.standings([])
        XCTAssertTrue(entries.allSatisfy { h.epochLimit(ofRun: $0.configHash, standings: standings) == 1 })

        let outcome = h.decide(snapshot(entries, epochs: 1, loss: lossOf), sweepId: 1, now: "t")
        XCTAssertEqual(outcome.decisions.map(\.rank), [1, 2, 3, 4])
        XCTAssertEqual(outcome.decisions.map(\.kept), [true, true, false, false])   // ⌈4/3⌉ = 2
        XCTAssertEqual(outcome.decisions.map(\.configuration), entries.filter { $0.config.seed == 1 }.map(\.config.configurationHash))
        XCTAssertEqual(outcome.decisions[0].score, ((0.1 + 0.001) + (0.1 + 0.002)) / 2)
        XCTAssertEqual(Set(outcome.decisions.map(\.cohortSize)), [4])
        XCTAssertEqual(Set(outcome.decisions.map(\.seeds)), [2])
        XCTAssertEqual(outcome.prunings.map(\.runId), [5, 6, 7, 8])
        XCTAssertEqual(outcome.prunings[0].stopEpoch, 1)
        XCTAssertEqual(Set(outcome.prunings.map(\.rung)), [1])
        XCTAssertTrue(outcome.prunings[0].reason.hasPrefix("pruned at rung 1 (epoch 1): rank 3 of 4"), outcome.prunings[0].reason)
        // Kept configurations go on to rung 2 (epoch 3); pruned ones train nothing more.
        let after = h.standings(outcome.decisions)
        XCTAssertEqual(entries.map { h.epochLimit(ofRun: $0.configHash, standings: after) }, [3, 3, 3, 3, nil, nil, nil, nil])
        // Rung 2 of the two survivors keeps one; then the survivor trains all 9 epochs.
        let rung2 = h.decide(snapshot(entries, epochs: 3, loss: lossOf, decisions: outcome.decisions), sweepId: 1)
        XCTAssertEqual(rung2.decisions.map { "\($0.rung):\($0.rank):\($0.kept)" }, ["2:1:true", "2:2:false"])
        let final = h.standings(outcome.decisions + rung2.decisions)
        XCTAssertEqual(h.epochLimit(ofRun: entries[0].configHash, standings: final), 9)
        XCTAssertNil(h.epochLimit(ofRun: entries[2].configHash, standings: final))
    }

    func testEqualScoresBreakTiesByConfigurationHash() throws {
        let entries = try plan(lrs: [0.1, 0.2], seeds: [1])
        let outcome = halving(entries, eta: 2).decide(snapshot(entries, epochs: 1, loss: { _ in 0.5 }), sweepId: 1)
        let hashes = entries.map(\.config.configurationHash).sorted()
        XCTAssertEqual(outcome.decisions.map(\.configuration), hashes)
        XCTAssertEqual(outcome.decisions.map(\.kept), [true, false])
        XCTAssertEqual(outcome.decisions[0].score, outcome.decisions[1].score)
    }

    func testDivergedAndFailedRunsRankTheirConfigurationsLast() throws {
        let entries = try plan(lrs: [0.1, 0.2, 0.3])
        // lr 0.1 is best by far but its seed 2 diverged; lr 0.2's seed 1 failed.
        let status = { (e: PlanEntry) -> RunStatus in
            (e.config.lr == 0.1 && e.config.seed == 2) ? .diverged : (e.config.lr == 0.2 && e.config.seed == 1) ? .failed : .pending
        }
        let outcome = halving(entries, eta: 2).decide(snapshot(entries, epochs: 1, loss: { $0.config.lr }, status: status), sweepId: 1)
        let lrOf = Dictionary(entries.map { ($0.config.configurationHash, $0.config.lr) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(outcome.decisions.first.map { lrOf[$0.configuration] }, 0.3)
        XCTAssertEqual(outcome.decisions.map(\.kept), [true, true, false])   // ⌈3/2⌉ = 2
        XCTAssertNotNil(outcome.decisions[0].score)
        XCTAssertNil(outcome.decisions[1].score)
        XCTAssertNil(outcome.decisions[2].score)
        // The two nil scores are in configuration-hash order.
        XCTAssertLessThan(outcome.decisions[1].configuration, outcome.decisions[2].configuration)
        // Only runs still alive are pruned (the diverged or failed one keeps its status).
        let pruned = Set(outcome.prunings.map(\.runId))
        for (index, entry) in entries.enumerated() where lrOf[entry.config.configurationHash] == lrOf[outcome.decisions[2].configuration] {
            XCTAssertEqual(pruned.contains(Int64(index + 1)), status(entry) == .pending)
        }
    }

    func testEtaTwoKeepsHalfRoundedUp() throws {
        let entries = try plan(lrs: [0.1, 0.2, 0.3, 0.4, 0.5], seeds: [1])
        let outcome = halving(entries, eta: 2).decide(snapshot(entries, epochs: 1, loss: { $0.config.lr }), sweepId: 1)
        XCTAssertEqual(outcome.decisions.filter(\.kept).count, 3)
        XCTAssertEqual(outcome.decisions.map(\.score), [0.1, 0.2, 0.3, 0.4, 0.5])
    }

    func testAHigherIsBetterMetricRanksTheLargestFirst() throws {
        let entries = try plan(lrs: [0.1, 0.2], seeds: [1])
        var state = snapshot(entries, epochs: 1, loss: { _ in 1 })
        for i in state.runs.indices { state.runs[i].epochs[0].valMetric = entries[i].config.lr }
        let outcome = halving(entries, eta: 2, monitor: .valMetric, higherIsBetter: true).decide(state, sweepId: 1)
        XCTAssertEqual(outcome.decisions.map(\.score), [0.2, 0.1])
    }

    func testAnEarlyStoppedRunCountsWithItsLastValue() throws {
        let entries = try plan(lrs: [0.1, 0.2], seeds: [1])
        let h = halving(entries, eta: 2)
        let rung1 = h.decide(snapshot(entries, epochs: 1, loss: { $0.config.lr * 10 }), sweepId: 1).decisions
        XCTAssertEqual(rung1.map(\.kept), [true, false])
        // Rungs at epochs 1, 2, 4, 8. The kept run stopped early after epoch 2 (finished): rung 2
        // ranks its epoch-2 value, and rungs 3 and 4 are decided at once with that last value.
        var state = snapshot(entries, epochs: 2, loss: { $0.config.lr * 10 }, decisions: rung1)
        state.runs[0].status = .finished
        state.runs[1].epochs.removeLast()
        state.runs[1].status = .pruned
        let later = h.decide(state, sweepId: 1).decisions
        XCTAssertEqual(later.map(\.rung), [2, 3, 4])
        XCTAssertEqual(later.map(\.epoch), [2, 4, 8])
        XCTAssertEqual(later.map(\.score), [0.5, 0.5, 0.5])
        XCTAssertEqual(later.map(\.kept), [true, true, true])
    }

    func testAGridThatGrowsAfterARungWasDecidedDecidesItsNewConfigurationsAsANewCohort() throws {
        let old = try plan(lrs: [0.1, 0.2, 0.3, 0.4])
        let rung1 = halving(old).decide(snapshot(old, epochs: 1, loss: { $0.config.lr }), sweepId: 1).decisions
        XCTAssertEqual(rung1.filter(\.kept).count, 2)

        let grown = try plan(lrs: [0.1, 0.2, 0.3, 0.4, 0.05, 0.25])
        let h = halving(grown)
        let isNew = { (e: PlanEntry) in e.config.lr == 0.05 || e.config.lr == 0.25 }
        let oldKept = { (e: PlanEntry) in e.config.lr == 0.1 || e.config.lr == 0.2 }
        func state(newEpochs: Int, keptEpochs: Int) -> HalvingSnapshot {
            var s = snapshot(grown, epochs: 0, loss: { $0.config.lr }, decisions: rung1)
            for (i, e) in grown.enumerated() {
                let n = isNew(e) ? newEpochs : oldKept(e) ? keptEpochs : 1
                s.runs[i].epochs = (0..<n).map { HalvingEpoch(epoch: $0 + 1, valLoss: e.config.lr / Double($0 + 1), valMetric: nil) }
                if !isNew(e) && !oldKept(e) { s.runs[i].status = .pruned }
            }
            return s
        }
        // The old survivors are at rung 2, but rung 2 waits while new configurations are undecided at rung 1.
        XCTAssertTrue(h.decide(state(newEpochs: 0, keptEpochs: 3), sweepId: 1).decisions.isEmpty)
        let newCohort = h.decide(state(newEpochs: 1, keptEpochs: 3), sweepId: 1).decisions
        XCTAssertEqual(newCohort.map { "\($0.rung)/\($0.cohort)/\($0.cohortSize)/\($0.kept)" }, ["1/2/2/true", "1/2/2/false"])
        XCTAssertEqual(newCohort.first?.score, 0.05)
        // The earlier decisions stand; rung 2 ranks the old survivors with the new one, once it has caught up.
        let decided = rung1 + newCohort
        XCTAssertTrue(h.decide(HalvingSnapshot(runs: state(newEpochs: 1, keptEpochs: 3).runs, decisions: decided), sweepId: 1).decisions.isEmpty)
        let rung2 = h.decide(HalvingSnapshot(runs: state(newEpochs: 3, keptEpochs: 3).runs, decisions: decided), sweepId: 1).decisions
        XCTAssertEqual(rung2.map(\.rung), [2, 2, 2])
        XCTAssertEqual(rung2.map(\.cohort), [1, 1, 1])
        XCTAssertEqual(rung2.filter(\.kept).count, 1)
        XCTAssertEqual(rung2[0].score, 0.05 / 3)
    }

    func testRunsAddedToAPrunedConfigurationArePrunedToo() throws {
        let entries = try plan(lrs: [0.1, 0.2], seeds: [1])
        let rung1 = halving(entries, eta: 2).decide(snapshot(entries, epochs: 1, loss: { $0.config.lr }), sweepId: 1).decisions
        let grown = try plan(lrs: [0.1, 0.2], seeds: [1, 2])
        var state = snapshot(grown, epochs: 0, loss: { $0.config.lr }, decisions: rung1)
        state.runs[2].status = .pruned       // lr 0.2 seed 1, pruned at rung 1
        let prunings = halving(grown, eta: 2).prunings(state)
        XCTAssertEqual(prunings.map(\.runId), [4])   // lr 0.2 seed 2, added afterwards
        XCTAssertEqual(prunings[0].stopEpoch, 0)
    }
}
