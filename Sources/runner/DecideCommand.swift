// `runner decide SPEC --db MERGED.db [SHARD.db...]`: the decision step of successive halving
// on a Slurm chain: decides the rungs the merged results allow, then copies the decisions into
// each shard database (marking its pruned runs) so the next pass trains the kept configurations.
import ArgumentParser
import Experiments
import Foundation
import ResultsStore

extension Runner {
    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide halving rungs on a merged database and copy the decisions into the shards.",
            discussion: """
            For sweeps with "halving" run as shards (`runner slurm` writes a job that calls this \
            after each rung). Every rung whose runs have all reached it (or ended) in the --db \
            database is decided there, once, exactly as a one-process sweep decides it; then every \
            decision of the sweep is copied into each SHARD database and the runs of pruned \
            configurations there are marked pruned. Running it again decides nothing new.

            Exit status: 0 done, 1 a database problem (missing file or sweep, a shard whose \
            decisions disagree), 2 invalid spec or a spec without halving.
            """)

        @Argument(help: "The experiment spec (with a \"halving\" block).")
        var spec: String

        @Option(help: "The merged database (runner merge --output) that decides.")
        var db: String

        @Argument(help: "Shard databases to receive the decisions.")
        var shards: [String] = []

        func run() throws {
            let setup = try loadSweepSetup(specPath: spec)
            guard let halving = setup.halving else {
                throw fail("\(spec): halving: missing (runner decide is for specs with a \"halving\" block)", code: 2)
            }
            do {
                // Every database must exist already and hold the sweep: decide never creates one,
                // and checks them all before it writes to any.
                for path in [db] + shards {
                    let reader = try ResultsDatabase.openReadOnly(path: path)
                    defer { try? reader.close() }
                    try reader.requireResultsSchema()
                    guard let recorded = try reader.sweep(named: setup.spec.name) else {
                        throw fail("decide: no sweep named '\(setup.spec.name)' in \(path); nothing was decided or copied", code: 1)
                    }
                    do {
                        try HalvingRuleChanged.check(recordedSpecJSON: recorded.specJSON, given: halving.rule, moment: .deciding)
                    } catch let changed as HalvingRuleChanged {
                        throw fail("decide: \(path): \(changed); nothing was decided or copied", code: 1)
                    }
                }
                let merged = try ResultsDatabase.open(path: db)
                guard let sweep = try merged.sweep(named: setup.spec.name) else {
                    throw ResultsStoreError.sweepNotFound(name: setup.spec.name)
                }
                let sameRule: (String) throws -> Void = {
                    try HalvingRuleChanged.check(recordedSpecJSON: $0, given: halving.rule, moment: .deciding)
                }
                let outcome = try merged.decideHalving(sweepId: sweep.id!, checkRecorded: sameRule) { halving.decide($0, sweepId: sweep.id!) }
                for decided in outcome.decidedRungs {
                    print("rung \(decided.rung) (epoch \(decided.epoch)): kept \(decided.kept) of \(decided.ranked) configurations")
                }
                if outcome.decisions.isEmpty { print("no rung can be decided yet (or every rung is decided)") }
                let decisions = try merged.halvingDecisions(sweepId: sweep.id!)
                try merged.close()
                for path in shards {
                    let shard = try ResultsDatabase.open(path: path)
                    guard let shardSweep = try shard.sweep(named: setup.spec.name) else {
                        throw ResultsStoreError.sweepNotFound(name: setup.spec.name)
                    }
                    let added = try shard.importHalvingDecisions(sweepId: shardSweep.id!, decisions, checkRecorded: sameRule) { halving.prunings($0) }
                    try shard.close()
                    print("\(path): \(added) decisions added")
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                throw fail("decide: \(errorLine(error))", code: 1)
            }
        }
    }
}
