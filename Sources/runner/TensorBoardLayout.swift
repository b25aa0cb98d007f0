// How a sweep appears in TensorBoard: a run folder named by the run's values of the
// spec's grid and random axes, those axes as the HParams experiment's hyperparameters
// (domains from the spec), and the scalars of each epoch under fixed tags.
import Experiments
import Foundation
import ResultsStore
import TensorBoard
import JSON

struct TensorBoardLayout {
    let sweepName: String
    /// The task's validation metric ("mse", "accuracy", "bpc", ...).
    let metricName: String
    /// The spec's grid and random fields, in ``RunField`` order.
    let axes: [RunField]
    let hyperparameters: [HParameter]

    init(spec: Spec, metricName: String) {
        sweepName = spec.name
        self.metricName = metricName
        var domains: [RunField: HParameter.Domain] = [:]
        for axis in spec.grid {
            domains[axis.field] = .values(axis.values.compactMap(TensorBoardLayout.value))
        }
        for random in spec.random?.fields ?? [] {
            switch random.distribution {
            case .logUniform(let lo, let hi), .uniform(let lo, let hi): domains[random.field] = .interval(min: lo, max: hi)
            case .intUniform(let lo, let hi): domains[random.field] = .interval(min: Double(lo), max: Double(hi))
            case .choice(let values): domains[random.field] = .values(values.compactMap(TensorBoardLayout.value))
            }
        }
        axes = RunField.allCases.filter { domains[$0] != nil }
        hyperparameters = axes.map { HParameter(name: $0.rawValue, domain: domains[$0]!) }
    }

    /// The layout of a sweep recorded in a database, from its stored spec.
    init(sweep: SweepRecord) throws {
        let spec = try Spec.parse(sweep.specJSON, file: "the stored spec of sweep \(sweep.name)")
        self.init(spec: spec, metricName: sweep.metricName)
    }

    private static func value(_ value: RunFieldValue) -> HParamValue? {
        switch value {
        case .cell(let cell): return .text(cell.rawValue)
        case .optimizer(let optimizer): return .text(optimizer.rawValue)
        case .integer(let n): return .number(Double(n))
        case .real(let x): return .number(x)
        case .schedule(let schedule): return .text(scheduleText(schedule.jsonValue))
        case .earlyStop(let rule): return .text(canonicalJSON(rule.jsonValue))
        case .paramsScope(let scope): return .text(scope.rawValue)
        case .unset: return nil
        }
    }

    /// The values config_json leaves out (so that older configurations keep their hashes).
    private static let omittedDefaults: [RunField: JSONValue] = [
        .layers: .number(1), .dropout: .number(0), .weightDecay: .number(0),
        .rmspropMomentum: .number(0), .lrSchedule: .string("constant"),
    ]

    /// A run's values of the axes, from its configuration JSON (an unset optional field is absent).
    func hparams(_ config: RunConfig) -> [String: HParamValue] {
        guard case .object(let members) = config.jsonValue else { return [:] }
        var result: [String: HParamValue] = [:]
        for axis in axes {
            // config_json leaves these fields out at their defaults.
            switch members[axis.rawValue] ?? TensorBoardLayout.omittedDefaults[axis] {
            case .string(let s)?: result[axis.rawValue] = .text(s)
            case .number(let x)?: result[axis.rawValue] = .number(x)
            case .bool(let b)?: result[axis.rawValue] = .bool(b)
            case .object(let fields)? where axis == .lrSchedule: result[axis.rawValue] = .text(scheduleText(.object(fields)))
            case .object(let fields)?: result[axis.rawValue] = .text(canonicalJSON(.object(fields)))
            default: break
            }
        }
        return result
    }

    /// `cell=gru,hidden=64,lr=0.01,seed=1`: each axis and the run's value (shortest
    /// round-trip form, so distinct values give distinct names); "run" for a spec without axes.
    func runName(_ config: RunConfig) -> String {
        let values = hparams(config)
        let parts = axes.map { axis -> String in
            let text: String = switch values[axis.rawValue] {
            case .text(let s)?: s
            case .number(let x)? where x == x.rounded() && abs(x) < 1e15: String(Int64(x))
            case .number(let x)?: "\(x)"
            case .bool(let b)?: "\(b)"
            case nil: "none"
            }
            return "\(axis.rawValue)=\(text)"
        }
        return parts.isEmpty ? "run" : parts.joined(separator: ",")
    }

    /// Scalar tags. The validation metric is `val/<metric>` (`val/metric` if the task calls it "loss").
    var metricTag: String { metricName == "loss" ? "val/metric" : "val/\(metricName)" }
    var testMetricTag: String { metricName == "loss" ? "test/metric" : "test/\(metricName)" }

    /// The experiment: the axes as hyperparameters, the per-epoch scalars as metrics
    /// (the HParams table shows each run's last value).
    func experiment(createdAt: Double, hasTestSplit: Bool) -> ExperimentDescription {
        var metrics = [
            MetricDescription(tag: "val/loss", displayName: "val loss", dataset: .validation),
            MetricDescription(tag: metricTag, displayName: "val \(metricName)", dataset: .validation),
            MetricDescription(tag: "train/loss", displayName: "train loss", dataset: .training),
            MetricDescription(tag: "train/grad_norm", displayName: "grad norm", dataset: .training),
            MetricDescription(tag: "time/seconds_per_epoch", displayName: "s/epoch", dataset: .unknown),
        ]
        if hasTestSplit {
            metrics.insert(contentsOf: [
                MetricDescription(tag: "test/loss", displayName: "test loss", dataset: .unknown),
                MetricDescription(tag: testMetricTag, displayName: "test \(metricName)", dataset: .unknown),
            ], at: 2)
        }
        return ExperimentDescription(name: sweepName, description: "runner sweep \(sweepName) (metric: \(metricName))",
                                     createdAt: createdAt, hyperparameters: hyperparameters, metrics: metrics)
    }

    /// The scalars of one epoch; absent values (a metric that was not finite, no test split,
    /// a learning rate the record does not carry) are left out.
    func scalars(_ epoch: EpochRecord, learningRate: Double? = nil, testLoss: Double? = nil,
                 testMetric: Double? = nil) -> [(tag: String, value: Double)] {
        let candidates: [(String, Double?)] = [
            ("train/loss", epoch.trainLoss), ("val/loss", epoch.valLoss), (metricTag, epoch.valMetric),
            ("test/loss", testLoss), (testMetricTag, testMetric),
            ("train/grad_norm", epoch.gradNorm), ("train/lr", learningRate),
            ("time/seconds_per_epoch", epoch.seconds),
        ]
        return candidates.compactMap { tag, value in value.map { (tag: tag, value: $0) } }
    }
}

/// A schedule as one hyperparameter value: its name alone when it has no parameters
/// (`cosine`), else its canonical JSON (every parameter, so distinct schedules differ).
private func scheduleText(_ value: JSONValue) -> String {
    if case .string(let name) = value { return name }
    return canonicalJSON(value)
}
