// Merging halving decisions (`runner merge`): decisions are matched by (sweep, rung,
// configuration); a decision new to the output is copied, an equal one is skipped, and one
// that says otherwise is a conflict (the decision already merged is kept).
import GRDB

extension ResultsDatabase {
    func mergeHalvingDecisions(from input: ResultsDatabase, sweep incomingSweep: SweepRecord, into db: Database, sweepId: Int64,
                               report: inout MergeReport, summary: inout MergeInputSummary) throws {
        let hasTable = try input.reader.read { db in
            try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'halving_decisions'") ?? false
        }
        guard hasTable else { return }      // an input from before halving existed
        let existing = Dictionary(try Self.decisions(db, sweepId: sweepId).map { ("\($0.rung)/\($0.configuration)", $0) },
                                  uniquingKeysWith: { a, _ in a })
        for var decision in try input.halvingDecisions(sweepId: incomingSweep.id!) {
            decision.sweepId = sweepId
            guard let present = existing["\(decision.rung)/\(decision.configuration)"] else {
                try decision.insert(db)
                summary.decisionsAdded += 1
                continue
            }
            if !present.agrees(with: decision) {
                let describe = { (d: HalvingDecisionRecord) in
                    "rank \(d.rank) of \(d.cohortSize), score \(d.score.map { "\($0)" } ?? "NULL"), \(d.kept ? "kept" : "pruned")"
                }
                report.conflicts.append(MergeConflict(sweep: incomingSweep.name, run: nil, epoch: nil, field: "halving_decisions",
                                                      keptValue: describe(present), inputValue: describe(decision), inputPath: input.path,
                                                      decision: "rung \(decision.rung), configuration \(decision.configuration.prefix(12))"))
                summary.conflicts += 1
            }
        }
    }
}
