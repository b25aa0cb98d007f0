// Section 4 of the comparison: how many runs are in each status, and every run that did not
// finish (diverged, failed, interrupted, pending, running) with its configuration and error.
import Foundation
import ResultsStore

extension ComparisonInputs {
    /// Runs per status, statuses with no run left out.
    func statusCounts() -> [StatusCount] {
        RunStatus.allCases.compactMap { status -> StatusCount? in
            let count = data.runs.filter { $0.status == status }.count
            return count > 0 ? StatusCount(status: status, count: count) : nil
        }
    }

    /// The runs that did not finish, by status then plan index.
    func unfinishedRuns() -> [UnfinishedRun] {
        let statusRank = Dictionary(uniqueKeysWithValues: RunStatus.allCases.enumerated().map { ($1, $0) })
        return outcomes.filter { $0.run.status != .finished }
            .sorted { (statusRank[$0.run.status]!, $0.run.planIndex) < (statusRank[$1.run.status]!, $1.run.planIndex) }
            .map { outcome in
                UnfinishedRun(runId: outcome.run.id, planIndex: outcome.run.planIndex,
                              configuration: label(outcome.configurationKey, axes: configurationAxes),
                              cell: outcome.run.cell, seed: outcome.run.seed, status: outcome.run.status,
                              epochsDone: outcome.run.epochs.count, epochsPlanned: outcome.run.epochsPlanned,
                              error: outcome.run.error)
            }
    }
}
