// The layout of the sections a sweep has only with parameter budgets ("At equal parameter
// budget") or with pruning ("Pruning": halving rungs, pruned and early-stopped runs, compute saved).
import Foundation

extension ComparisonReport {
    func budgetSection() -> ReportSection? {
        guard let equalBudget else { return nil }
        var rows: [TableRow] = []
        for comparison in equalBudget {
            let label = "params \(comparison.budget) (\(comparison.scope)), \(comparison.sharedSettings)"
            for cell in comparison.cells {
                var verdict = TableCell.label("")
                if comparison.winner == cell.cell {
                    verdict = TableCell(text: "winner" + (comparison.withinNoise == true ? " ≈ noise" : ""),
                                        fields: [("winner", .number(1))], isNumeric: false)
                }
                rows.append(TableRow(configuration: label, cell: cell.cell, cells: [
                    .label(label), .label(cell.cell), .integer(cell.hidden, field: "hidden"),
                    .integer(cell.paramCount, field: "param_count"), .integer(cell.finished, field: "finished"),
                    .stat(cell.stat, field: rankedBy.rawValue), verdict,
                ]))
            }
        }
        return ReportSection(heading: "At equal parameter budget", paragraphs: [
            "Each cell at the hidden size whose parameter count is nearest the budget (ties: the smaller); params counts every parameter.",
        ], tables: [ReportTable(id: "equal_budget", headers: ["budget", "cell", "hidden", "params", "n", metricLabel, "verdict"],
                                rows: rows, notes: ["winner: best mean \(metricLabel) at this budget; ≈ noise: within √(sd₁² + sd₂²)."])])
    }

    func pruningSection() -> ReportSection? {
        guard let pruning else { return nil }
        let saved = pruning.fullGridEpochs - pruning.epochsTrained
        var paragraphs = [
            "Epochs trained: \(pruning.epochsTrained) of the full grid's \(pruning.fullGridEpochs) "
                + "(\(formatPercent(Double(pruning.epochsTrained) / Double(max(pruning.fullGridEpochs, 1)))), \(saved) saved); "
                + "\(pruning.prunedRuns) run(s) pruned by successive halving, \(pruning.earlyStoppedRuns) ended by early stopping.",
        ]
        if pruning.prunedRuns > 0 {
            paragraphs.append("Pruned runs stopped at a rung: they are not in the means above, which cover the runs that trained to the end.")
        }
        var tables: [ReportTable] = []
        if !pruning.rungs.isEmpty {
            tables.append(ReportTable(id: "halving_rungs", headers: ["rung", "epoch", "configurations", "kept", "runs pruned", "best", "score"],
                                      rows: pruning.rungs.map { rung in
                TableRow(subject: "rung \(rung.rung)", cells: [
                    .integer(rung.rung, field: "rung"), .integer(rung.epoch, field: "epoch"),
                    .integer(rung.configurations, field: "configurations"), .integer(rung.kept, field: "kept"),
                    .integer(rung.prunedRuns, field: "runs_pruned"), .label(rung.best ?? "–"), .number(rung.bestScore, field: "best_score"),
                ])
            }, notes: ["score: mean over the configuration's seeds of the monitored value at the rung's epoch; each rung keeps the best ⌈n/η⌉."]))
        }
        return ReportSection(heading: "Pruning", paragraphs: paragraphs, tables: tables)
    }
}
