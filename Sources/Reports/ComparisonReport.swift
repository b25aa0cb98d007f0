// The GRU-vs-LSTM comparison of one sweep as values: the options, one type per table of the
// report, and the report itself. Computed in ComparisonInputs.swift and the *Section.swift
// files (no database); laid out in ReportDocument.swift.
import Foundation
import ResultsStore

/// Which epoch of a run the report reads.
public enum ReportPoint: String, Sendable, Codable, CaseIterable {
    /// The epoch with the lowest validation loss (early stopping on the loss; the task metric
    /// is read at that same epoch, never selected on itself).
    case best
    /// The last recorded epoch.
    case final
}

/// The quantity cells are ranked by, and the split it is read on. Each run's epoch is always
/// chosen on validation; with a test split the cells are compared on the test numbers at that epoch.
public enum RankingQuantity: String, Sendable, Codable {
    /// The task metric on validation (direction from `sweeps.metric_higher_is_better`).
    case metric
    /// Validation loss (lower is better), used when no run recorded a metric.
    case valLoss = "val_loss"
    /// The task metric on the test split, at the epoch chosen on validation.
    case testMetric = "test_metric"
    /// Test loss at the epoch chosen on validation, used when no run recorded a test metric.
    case testLoss = "test_loss"

    /// The task metric (either split), not a loss.
    public var isMetric: Bool { self == .metric || self == .testMetric }
    /// Read on the test split.
    public var onTest: Bool { self == .testMetric || self == .testLoss }
}

/// Settings of the report that are not in the database.
public struct ReportOptions: Sendable, Equatable {
    public var at: ReportPoint
    /// Validation loss that "time to target" measures against; `nil`: per configuration, the
    /// mean best validation loss of the worse of GRU and LSTM (of all cells if not both ran).
    public var targetLoss: Double?
    /// Largest relative difference |pA − pB| / max(pA, pB) of parameter counts that counts as
    /// "nearly equal size".
    public var equalSizeTolerance: Double

    public init(at: ReportPoint = .best, targetLoss: Double? = nil, equalSizeTolerance: Double = 0.10) {
        self.at = at
        self.targetLoss = targetLoss
        self.equalSizeTolerance = equalSizeTolerance
    }
}

/// One grid axis and its value in a configuration.
public struct AxisSetting: Sendable, Equatable, Codable {
    public var axis: String
    public var value: String
}

/// One cell in one configuration: statistics over its finished runs (seeds).
public struct CellResult: Sendable, Equatable, Codable {
    public var cell: String
    /// Runs of this cell and configuration, any status.
    public var runs: Int
    /// Finished runs: the n of the statistics.
    public var finished: Int
    /// Runs marked diverged.
    public var diverged: Int
    /// Runs neither finished, diverged nor pruned (failed, interrupted, pending, running).
    public var otherUnfinished: Int
    /// Runs pruned by successive halving (nil when none: not in the means, they stopped at a rung).
    public var pruned: Int? = nil
    /// Validation loss and metric at the report point.
    public var valLoss: SummaryStat?
    public var metric: SummaryStat?
    /// The test split's loss and metric at the same epoch (nil, absent from json, without a test split).
    public var testLoss: SummaryStat? = nil
    public var testMetric: SummaryStat? = nil
    /// Epoch of the lowest validation loss.
    public var bestEpoch: SummaryStat?
    public var secondsPerEpoch: SummaryStat?
    public var tokensPerSecond: SummaryStat?
    public var paramCount: Int?
    /// Whether the mean is better than the trivial baseline (metric if the sweep has a
    /// baseline metric, else loss), on the split the report ranks on (test with a test split);
    /// `nil` without a baseline.
    public var beatsBaseline: Bool?

    /// The statistic of `quantity`.
    public func stat(_ quantity: RankingQuantity) -> SummaryStat? {
        switch quantity {
        case .metric: return metric
        case .valLoss: return valLoss
        case .testMetric: return testMetric
        case .testLoss: return testLoss
        }
    }
}

/// One configuration (all grid axes but cell and seed) with its cells side by side.
public struct ConfigurationResult: Sendable, Equatable, Codable {
    public var label: String
    public var settings: [AxisSetting]
    public var cells: [CellResult]
    /// The cell with the best mean of the ranking quantity (ties: lower mean loss of the same split).
    public var winner: String?
    public var runnerUp: String?
    /// |winner − runner-up| / |runner-up| of the ranking quantity's means.
    public var relativeDifference: Double?
    /// True when |winner − runner-up| < √(sd_winner² + sd_runnerUp²): the difference is
    /// within seed noise. `nil` when either has fewer than 2 seeds.
    public var withinNoise: Bool?
    /// Welch's t-test of the winner's against the runner-up's ranking quantity over their
    /// finished seeds (`nil` with fewer than 2 seeds on a side, or no spread).
    public var test: WelchResult? = nil
    /// `test`'s p-value adjusted by Holm-Bonferroni over every configuration with a test.
    public var adjustedPValue: Double? = nil
    /// Adjusted p-value below 5%: a win beyond seed noise after counting how many
    /// configurations were compared.
    public var significant: Bool? = nil
}

/// Head to head, per cell over all configurations.
public struct CellStanding: Sendable, Equatable, Codable {
    public var cell: String
    /// Configurations where the cell was ranked (it and at least one other cell have a value).
    public var configurations: Int
    public var wins: Int
    /// Wins whose Holm-adjusted p-value is below 5% (see ``ConfigurationResult/significant``).
    public var significantWins: Int = 0
    /// Mean over those configurations of the cell's rank (1 = best, ties share the average rank).
    public var meanRank: Double?
    /// Median over finished runs of seconds per epoch.
    public var medianSecondsPerEpoch: Double?
    public var medianTokensPerSecond: Double?
    public var finishedRuns: Int
}

/// Cell A against cell B over runs matched on (configuration, seed), both finished.
public struct PairedComparison: Sendable, Equatable, Codable {
    public var cellA: String
    public var cellB: String
    public var pairs: Int
    /// Pairs where A's ranking quantity is better than B's, and the reverse.
    public var aBetter: Int
    public var bBetter: Int
    /// Median of (A − B) of the ranking quantity.
    public var medianDifference: Double?
    /// That median with its 95% percentile bootstrap interval over the pairs
    /// (``BootstrapSettings/standard``: 10,000 resamples, a fixed seed).
    public var medianDifferenceInterval: IntervalEstimate? = nil
    /// The relative effect: the median over pairs of (A − B) / |B| (pairs with B = 0 left
    /// out), with its bootstrap interval from the same resamples.
    public var relativeEffect: IntervalEstimate? = nil
    /// Wilcoxon signed-rank test on d = metric(A) − metric(B) of the validation metric (`nil`
    /// without metrics, and when the report is on a test split: then `testMetricWilcoxon`).
    public var metricTest: WilcoxonResult?
    /// Wilcoxon signed-rank test on d = valLoss(A) − valLoss(B) (`nil` on a test split: then `testLossWilcoxon`).
    public var valLossTest: WilcoxonResult?
    /// The same tests on the test split's metric and loss at the epoch chosen on validation
    /// (nil, absent from json, without a test split).
    public var testMetricWilcoxon: WilcoxonResult? = nil
    public var testLossWilcoxon: WilcoxonResult? = nil
    /// Median over pairs of secondsPerEpoch(B) / secondsPerEpoch(A): above 1, A is faster.
    public var speedRatio: Double?

    /// The test on the metric of the split the report ranks on.
    public var metricWilcoxon: WilcoxonResult? { testMetricWilcoxon ?? metricTest }
    /// The test on the loss of the split the report ranks on.
    public var lossWilcoxon: WilcoxonResult? { testLossWilcoxon ?? valLossTest }
}

/// A configuration of cell A against one of cell B that shares every other setting but the
/// hidden size, with parameter counts compared (Chung et al. 2014 compared at equal size).
public struct EqualSizeComparison: Sendable, Equatable, Codable {
    public var cellA: String
    public var cellB: String
    /// Settings the two share (all configuration axes but hidden).
    public var sharedSettings: String
    public var hiddenA: Int
    public var hiddenB: Int
    public var paramsA: Int
    public var paramsB: Int
    /// |paramsA − paramsB| / max(paramsA, paramsB).
    public var relativeParamDifference: Double
    public var withinTolerance: Bool
    /// Each side's ranking quantity (`rankedBy`).
    public var statA: SummaryStat?
    public var statB: SummaryStat?
    public var winner: String?
    public var withinNoise: Bool?
}

public struct EqualSizeSection: Sendable, Equatable, Codable {
    public var tolerance: Double
    /// Pairs of configurations within the tolerance.
    public var comparisons: [EqualSizeComparison]
    /// For each pair of cells with no configuration pair within the tolerance, the closest pair.
    public var closestOutsideTolerance: [EqualSizeComparison]
}

public struct CellTimeToTarget: Sendable, Equatable, Codable {
    public var cell: String
    public var runs: Int
    /// Runs whose validation loss reached the target at some epoch.
    public var reached: Int
    /// First epoch with val loss ≤ target, over the runs that reached it.
    public var epochs: SummaryStat?
    /// Training seconds summed up to that epoch, over the runs that reached it.
    public var seconds: SummaryStat?
}

public struct TimeToTarget: Sendable, Equatable, Codable {
    public var configuration: String
    public var targetLoss: Double
    /// "flag" when given on the command line, else the cell whose mean best val loss set it.
    public var targetFrom: String
    public var cells: [CellTimeToTarget]
}

public struct VarianceShare: Sendable, Equatable, Codable {
    public var axis: String
    public var levels: Int
    /// Between-level sum of squares / total sum of squares.
    public var share: Double
}

/// Main-effect variance decomposition of the ranking quantity over finished runs.
public struct VarianceAnalysis: Sendable, Equatable, Codable {
    /// "all cells" or one cell's name.
    public var scope: String
    public var runs: Int
    public var totalSumOfSquares: Double
    /// Axes with at least two levels in the scope, largest share first.
    public var shares: [VarianceShare]
    /// 1 − Σ shares: interactions and seed noise (exact only for a balanced grid).
    public var remainder: Double?
}

public struct BestLearningRate: Sendable, Equatable, Codable {
    public var cell: String
    public var hidden: Int
    public var lr: Double
    /// The ranking quantity (`rankedBy`) at this learning rate, over seeds and any other axes.
    public var stat: SummaryStat
    public var learningRatesTried: Int
    public var runnerUpLr: Double?
    public var withinNoise: Bool?
}

public struct StatusCount: Sendable, Equatable, Codable {
    public var status: RunStatus
    public var count: Int
}

/// A run that did not finish, listed so that nothing is dropped silently.
public struct UnfinishedRun: Sendable, Equatable, Codable {
    public var runId: Int64
    public var planIndex: Int
    public var configuration: String
    public var cell: String
    public var seed: Int
    public var status: RunStatus
    public var epochsDone: Int
    public var epochsPlanned: Int
    public var error: String?
}

/// The whole comparison of one sweep.
public struct ComparisonReport: Sendable, Equatable, Codable {
    public var sweep: SweepInfo
    public var at: ReportPoint
    public var rankedBy: RankingQuantity
    /// "test" when the sweep's task has a test split: each run's epoch is selected on validation
    /// and cells are compared on the test numbers at that epoch (`rankedBy` is `test_metric` or
    /// `test_loss`; each cell has `testLoss`/`testMetric` beside its validation `valLoss`/`metric`);
    /// absent (nil) when the sweep has no test split.
    public var reportedOn: String? = nil
    /// Config keys whose values differ between the sweep's runs.
    public var axes: [String]
    /// The axes that make a configuration (all but cell and seed).
    public var configurationAxes: [String]
    public var totalRuns: Int
    public var statusCounts: [StatusCount]
    /// Runs are still pending or running.
    public var inProgress: Bool
    public var configurations: [ConfigurationResult]
    public var standings: [CellStanding]
    public var paired: [PairedComparison]
    public var equalSize: EqualSizeSection
    public var timeToTarget: [TimeToTarget]
    public var variance: [VarianceAnalysis]
    public var bestLearningRates: [BestLearningRate]
    /// Runs that did not finish, pruned runs aside (they are in `pruning`).
    public var unfinishedRuns: [UnfinishedRun]
    /// Cells compared at equal parameter budget (nil unless `params` is a grid axis or set).
    public var equalBudget: [BudgetComparison]? = nil
    /// What early stopping and successive halving did (nil when neither stopped a run).
    public var pruning: PruningSummary? = nil
}
