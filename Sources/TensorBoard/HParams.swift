// What the HParams dashboard shows, in runner's terms: the experiment (hyperparameters
// with their domains, and the metrics) and each session's hyperparameter values.
import Foundation

/// A hyperparameter's value in one run.
public enum HParamValue: Sendable, Hashable {
    case text(String)
    case number(Double)
    case bool(Bool)
}

/// A hyperparameter of the experiment: a column of the HParams table, with the values
/// its filter offers.
public struct HParameter: Sendable, Equatable {
    public enum Domain: Sendable, Equatable {
        /// The listed values (a checkbox per value in the dashboard).
        case values([HParamValue])
        /// A numeric range (a min/max filter).
        case interval(min: Double, max: Double)
    }

    public var name: String
    public var domain: Domain

    public init(name: String, domain: Domain) {
        self.name = name
        self.domain = domain
    }

    /// The union of two domains of one hyperparameter: listed values in first-seen order,
    /// intervals widened to cover both. Values and an interval give the interval widened
    /// to cover the numeric values.
    func merged(with other: HParameter) -> HParameter {
        switch (domain, other.domain) {
        case (.values(let a), .values(let b)):
            return HParameter(name: name, domain: .values(a + b.filter { !a.contains($0) }))
        case (.interval(let lo1, let hi1), .interval(let lo2, let hi2)):
            return HParameter(name: name, domain: .interval(min: Swift.min(lo1, lo2), max: Swift.max(hi1, hi2)))
        case (.interval(let lo, let hi), .values(let values)), (.values(let values), .interval(let lo, let hi)):
            let numbers = values.compactMap { if case .number(let x) = $0 { return x } else { return nil } }
            return HParameter(name: name, domain: .interval(min: ([lo] + numbers).min()!, max: ([hi] + numbers).max()!))
        }
    }
}

/// A metric column of the HParams table: the last value of a scalar tag of each run.
public struct MetricDescription: Sendable, Equatable {
    public enum Dataset: Sendable, Equatable { case unknown, training, validation }

    public var tag: String
    public var displayName: String
    public var dataset: Dataset

    public init(tag: String, displayName: String, dataset: Dataset) {
        self.tag = tag
        self.displayName = displayName
        self.dataset = dataset
    }
}

/// The experiment summary of a sweep.
public struct ExperimentDescription: Sendable, Equatable {
    public var name: String
    public var description: String
    public var createdAt: Double
    public var hyperparameters: [HParameter]
    public var metrics: [MetricDescription]

    public init(name: String, description: String, createdAt: Double, hyperparameters: [HParameter], metrics: [MetricDescription]) {
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.hyperparameters = hyperparameters
        self.metrics = metrics
    }

    /// This experiment extended by `other`'s hyperparameters and metrics (domains merged by
    /// name, new ones appended), so that every run written under either is covered.
    public func merged(with other: ExperimentDescription) -> ExperimentDescription {
        var result = self
        for parameter in other.hyperparameters {
            if let i = result.hyperparameters.firstIndex(where: { $0.name == parameter.name }) {
                result.hyperparameters[i] = result.hyperparameters[i].merged(with: parameter)
            } else {
                result.hyperparameters.append(parameter)
            }
        }
        for metric in other.metrics where !result.metrics.contains(where: { $0.tag == metric.tag }) {
            result.metrics.append(metric)
        }
        return result
    }
}

/// How a run ended, as the HParams dashboard's status column shows it.
public enum SessionStatus: Sendable, Equatable {
    case success, failure
}
