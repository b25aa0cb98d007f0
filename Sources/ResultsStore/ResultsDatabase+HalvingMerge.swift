// Merging halving decisions (`runner merge`): decisions are matched by (sweep, rung,
// configuration); a decision new to the output is copied, an equal one is skipped, and one
// that says otherwise is a conflict (the decision already merged is kept).
import GRDB

extension ResultsDatabase {
    func mergeHalvingDecisions(from input: ResultsDatabase, sweep incomingSweep: SweepRecord, into db: Database, sweepId: Int64,
                               report: inout MergeReport, summary: inout MergeInputSummary) throws {
        let hasTable = try input.reader.read { db in try db.tableExists(HalvingDecisionRecord.databaseTableName) }
        guard hasTable else { return }      // an input from before halving existed
        let existing = try Self.decisionsByKey(db, sweepId: sweepId)
        for var decision in try input.halvingDecisions(sweepId: incomingSweep.id!) {
            decision.sweepId = sweepId
            guard let present = existing[decision.key] else {
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
