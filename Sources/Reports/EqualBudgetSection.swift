// Cells compared at equal parameter budget (`params`): for each budget and shared setting,
// every cell at the hidden size chosen for it, its parameter count and its result.
import Foundation
import ResultsStore

public struct BudgetCell: Sendable, Equatable, Codable {
    public var cell: String
    public var hidden: Int
    /// `runs.param_count` (all parameters).
    public var paramCount: Int?
    /// The ranking quantity (`rankedBy`).
    public var stat: SummaryStat?
    public var finished: Int
}

public struct BudgetComparison: Sendable, Equatable, Codable {
    public var budget: Int
    /// What the budget counts: all or recurrent.
    public var scope: String
    /// The other settings the cells share (configuration axes but params).
    public var sharedSettings: String
    public var cells: [BudgetCell]
    public var winner: String?
    public var withinNoise: Bool?
}

extension ComparisonInputs {
    /// One comparison per configuration with a budget; nil when no run has one.
    func equalBudget(_ configurations: [ConfigurationResult]) -> [BudgetComparison]? {
        guard data.runs.contains(where: { $0.config["params"].map { $0 != .null } ?? false }) else { return nil }
        var comparisons: [BudgetComparison] = []
        for (key, configuration) in zip(configurationKeys, configurations) {
            let runs = byConfiguration[key]!
            guard case .number(let budget)? = runs.first?.run.config["params"] else { continue }
            let scope = runs.first?.run.config["params_scope"]?.description ?? "all"
            let cells = configuration.cells.map { result in
                BudgetCell(cell: result.cell, hidden: runs.first { $0.run.cell == result.cell }!.run.hidden,
                           paramCount: result.paramCount, stat: result.stat(rankedBy),
                           finished: result.finished)
            }
            let shared = zip(configurationAxes, key).filter { $0.0 != "params" }.map { "\($0.0)=\($0.1.description)" }
            comparisons.append(BudgetComparison(budget: Int(budget), scope: scope,
                                                sharedSettings: shared.isEmpty ? "–" : shared.joined(separator: ", "),
                                                cells: cells, winner: configuration.winner, withinNoise: configuration.withinNoise))
        }
        return comparisons
    }
}
