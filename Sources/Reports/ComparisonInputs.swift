// What every section of the comparison reads, computed once from the sweep: each run's
// outcome at the report point, the axes, the ranking quantity and its direction, the
// configurations in order and the pairs of cells; and the report assembled section by section.
import Foundation
import ResultsStore

/// What the report reads from one run.
struct RunOutcome {
    var run: SweepRun
    var configurationKey: [ConfigValue]
    /// Validation loss and metric at the report point (the epoch is always chosen on validation),
    /// and the test split's at that same epoch (nil without a test split).
    var valLoss: Double?
    var metric: Double?
    var testLoss: Double?
    var testMetric: Double?
    var bestEpoch: Int?
    var bestValLoss: Double?
    var secondsPerEpoch: Double?
    var tokensPerSecond: Double?

    init(run: SweepRun, configurationKey: [ConfigValue], at point: ReportPoint) {
        self.run = run
        self.configurationKey = configurationKey
        let best = run.epochs.filter { ($0.valLoss ?? .nan).isFinite }.min { $0.valLoss! < $1.valLoss! }
        bestEpoch = best?.epoch
        bestValLoss = best?.valLoss
        let read: EpochRecord?
        switch point {
        case .best: read = best
        case .final: read = run.epochs.last
        }
        let finite = { (value: Double?) in value.flatMap { $0.isFinite ? $0 : nil } }
        valLoss = finite(read?.valLoss)
        metric = finite(read?.valMetric)
        testLoss = finite(read?.testLoss)
        testMetric = finite(read?.testMetric)
        secondsPerEpoch = SummaryStat(run.epochs.compactMap(\.seconds))?.mean
        tokensPerSecond = SummaryStat(run.epochs.compactMap(\.tokensPerSecond))?.mean
    }

    func value(_ quantity: RankingQuantity) -> Double? {
        switch quantity {
        case .metric: return metric
        case .valLoss: return valLoss
        case .testMetric: return testMetric
        case .testLoss: return testLoss
        }
    }
}

/// The test split's baseline when the report is on test and the sweep has one, else validation's.
func comparedBaseline(of sweep: SweepInfo, onTest: Bool) -> (loss: Double?, metric: Double?, onTest: Bool) {
    if onTest, sweep.baselineTestLoss != nil || sweep.baselineTestMetric != nil {
        return (sweep.baselineTestLoss, sweep.baselineTestMetric, true)
    }
    return (sweep.baselineLoss, sweep.baselineMetric, false)
}

/// Cells in reading order: rnn, gru, lstm, then others by name.
func cellOrder(_ a: String, _ b: String) -> Bool {
    let known = ["rnn", "gru", "lstm"]
    switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
    case let (x?, y?): return x < y
    case (_?, nil): return true
    case (nil, _?): return false
    default: return a < b
    }
}

/// Axes in reading order: model and training fields first, then the task's, then the rest.
func axisOrder(_ a: String, _ b: String) -> Bool {
    let known = ["cell", "hidden", "lr", "lr_schedule", "batch", "epochs", "optimizer", "momentum", "rmsprop_momentum",
                 "weight_decay", "clip_norm", "clip_value", "forget_bias", "seed"]
    switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
    case let (x?, y?): return x < y
    case (_?, nil): return true
    case (nil, _?): return false
    default: return a < b
    }
}

/// The sweep as the sections read it (pure: same input, same values).
struct ComparisonInputs {
    let data: SweepData
    let options: ReportOptions
    /// Config keys whose value differs between runs (a missing key reads as null).
    let axes: [String]
    /// The axes that make a configuration (all but cell and seed).
    let configurationAxes: [String]
    let outcomes: [RunOutcome]
    let finished: [RunOutcome]
    let rankedBy: RankingQuantity
    /// Selected on validation, reported on test: the sweep's task has a test split (its runs
    /// recorded test numbers), so cells are compared on the test numbers at the chosen epoch.
    let reportedOnTest: Bool
    /// Every run by its configuration key, and the keys in ascending order.
    let byConfiguration: [[ConfigValue]: [RunOutcome]]
    let configurationKeys: [[ConfigValue]]
    /// Cells in reading order, and every pair of them with GRU vs LSTM, the question of the report, first.
    let allCells: [String]
    let cellPairs: [(String, String)]

    var sweep: SweepInfo { data.sweep }
    /// The trivial baseline the compared numbers are judged against: the test split's when they
    /// are test numbers and the sweep recorded it, else the validation one.
    var comparedBaselineLoss: Double? { comparedBaseline(of: data.sweep, onTest: reportedOnTest).loss }
    var comparedBaselineMetric: Double? { comparedBaseline(of: data.sweep, onTest: reportedOnTest).metric }
    var higherIsBetter: Bool { data.sweep.metricHigherIsBetter }

    init(_ data: SweepData, options: ReportOptions) {
        self.data = data
        self.options = options
        let keys = Set(data.runs.flatMap { $0.config.keys })
        axes = keys.filter { key in
            Set(data.runs.map { $0.config[key] ?? .null }).count > 1
        }.sorted(by: axisOrder)
        // With a parameter budget, hidden follows from (params, cell): cells of one budget share a configuration.
        let configurationAxes = axes.filter { $0 != "cell" && $0 != "seed" && !($0 == "hidden" && keys.contains("params")) }
        self.configurationAxes = configurationAxes
        let onTest = data.runs.contains { run in run.epochs.contains { $0.testLoss != nil } }
        reportedOnTest = onTest
        outcomes = data.runs.map { run in
            RunOutcome(run: run, configurationKey: configurationAxes.map { run.config[$0] ?? .null }, at: options.at)
        }
        finished = outcomes.filter { $0.run.status == .finished }
        if onTest {
            rankedBy = finished.contains { $0.testMetric != nil } ? .testMetric : .testLoss
        } else {
            rankedBy = finished.contains { $0.metric != nil } ? .metric : .valLoss
        }
        byConfiguration = Dictionary(grouping: outcomes, by: \.configurationKey)
        configurationKeys = byConfiguration.keys.sorted(by: Self.keyOrder)
        allCells = Set(data.runs.map(\.cell)).sorted(by: cellOrder)
        var cellPairs: [(String, String)] = []
        for (i, a) in allCells.enumerated() { for b in allCells[(i + 1)...] { cellPairs.append((a, b)) } }
        self.cellPairs = cellPairs.filter { $0 == ("gru", "lstm") } + cellPairs.filter { $0 != ("gru", "lstm") }
    }

    /// Whether mean `a` is better than mean `b` of the ranking quantity.
    func better(_ a: Double, _ b: Double) -> Bool {
        rankedBy.isMetric && higherIsBetter ? a > b : a < b
    }

    func orientedLowerIsBetter(_ value: Double) -> Double {
        rankedBy.isMetric && higherIsBetter ? -value : value
    }

    /// Whether two means differ by less than the combined sd (nil without both sds).
    func withinNoise(_ a: SummaryStat, _ b: SummaryStat) -> Bool? {
        guard let sdA = a.sd, let sdB = b.sd else { return nil }
        return abs(a.mean - b.mean) < (sdA * sdA + sdB * sdB).squareRoot()
    }

    func label(_ key: [ConfigValue], axes names: [String]) -> String {
        configurationLabel(key, axes: names)
    }

    static func keyOrder(_ a: [ConfigValue], _ b: [ConfigValue]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return ConfigValue.ascending(x, y) }
        return false
    }
}

extension ComparisonReport {
    /// Computes the comparison of `data` (pure: same input, same report), one section at a time.
    public init(_ data: SweepData, options: ReportOptions = ReportOptions()) {
        let inputs = ComparisonInputs(data, options: options)
        let (configurations, cellsByKey) = inputs.configurations()
        var report = ComparisonReport(
            sweep: data.sweep, at: options.at, rankedBy: inputs.rankedBy, reportedOn: inputs.reportedOnTest ? "test" : nil, axes: inputs.axes,
            configurationAxes: inputs.configurationAxes,
            totalRuns: data.runs.count, statusCounts: inputs.statusCounts(),
            inProgress: data.runs.contains { $0.status == .pending || $0.status == .running },
            configurations: configurations, standings: inputs.standings(configurations), paired: inputs.paired(),
            equalSize: inputs.equalSize(cellsByKey),
            timeToTarget: inputs.timeToTarget(configurations), variance: inputs.variance(),
            bestLearningRates: inputs.bestLearningRates(),
            unfinishedRuns: inputs.unfinishedRuns())
        report.equalBudget = inputs.equalBudget(configurations)
        report.pruning = inputs.pruning()
        self = report
    }
}
