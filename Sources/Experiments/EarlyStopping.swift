// Early stopping of one run: the rule a spec gives (`early_stop`) and the tracker that
// applies it epoch by epoch. The tracker's state is a function of the recorded epochs
// alone, so a resumed run replays them and stops at the same epoch as an uninterrupted one.
import JSON

/// Which validation number a rule watches.
public enum MonitoredValue: String, Codable, Sendable, CaseIterable, Hashable {
    /// The validation loss (lower is better).
    case valLoss = "val_loss"
    /// The task's validation metric (its direction is the task's: accuracy up, mse down).
    case valMetric = "val_metric"

    /// Whether a higher value is better on a task whose metric goes up when `metricHigherIsBetter`.
    public func higherIsBetter(metricHigherIsBetter: Bool) -> Bool {
        self == .valMetric && metricHigherIsBetter
    }

    /// The monitored number of an epoch (nil when it was not finite, stored as NULL).
    public func value(valLoss: Double?, valMetric: Double?) -> Double? {
        self == .valLoss ? valLoss : valMetric
    }
}

/// `"early_stop": {"patience": P, "min_delta": d, "monitor": "val_loss" | "val_metric"}`: a run
/// ends when its monitored value has not improved by more than `minDelta` for `patience` epochs.
public struct EarlyStopRule: Codable, Sendable, Equatable, Hashable {
    public var patience: Int
    public var minDelta: Double
    public var monitor: MonitoredValue

    public init(patience: Int, minDelta: Double = 0, monitor: MonitoredValue = .valLoss) {
        self.patience = patience
        self.minDelta = minDelta
        self.monitor = monitor
    }

    public enum CodingKeys: String, CodingKey {
        case patience, monitor
        case minDelta = "min_delta"
    }

    public static let fieldNames = ["patience", "min_delta", "monitor"]

    /// `{"monitor": ..., "min_delta": ..., "patience": ...}`, every key written (canonical).
    public var jsonValue: JSONValue {
        .object(["patience": .number(Double(patience)), "min_delta": .number(minDelta), "monitor": .string(monitor.rawValue)])
    }

    /// Reads a rule from spec JSON; on failure, one problem line per field.
    static func read(_ value: JSONValue) -> Result<EarlyStopRule, SpecProblemMessage> {
        guard case .object(let members) = value else {
            return .failure(.init("expected an object such as {\"patience\": 3, \"min_delta\": 0, \"monitor\": \"val_loss\"} or null, got \(value.typeDescription) \(shortJSON(value))"))
        }
        var problems: [SpecProblemMessage.Line] = []
        for key in members.keys.sorted() where !fieldNames.contains(key) {
            problems.append(.init(subpath: "", text: "unknown field \"\(key)\"\(suggestion(for: key, among: fieldNames)) (valid: \(fieldNames.joined(separator: ", ")))"))
        }
        var rule = EarlyStopRule(patience: 1)
        switch members["patience"] {
        case nil: problems.append(.init(subpath: "patience", text: "missing (expected a positive integer: epochs without improvement before the run stops)"))
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= 1_000_000: rule.patience = Int(n)
        case let other?: problems.append(.init(subpath: "patience", text: "must be a positive integer, got \(shortJSON(other))"))
        }
        switch members["min_delta"] {
        case nil: break
        case .number(let d)? where d >= 0: rule.minDelta = d
        case let other?: problems.append(.init(subpath: "min_delta", text: "must be a non-negative number, got \(shortJSON(other))"))
        }
        switch readMonitor(members["monitor"]) {
        case .success(let monitor): rule.monitor = monitor ?? .valLoss
        case .failure(let message): problems += message.lines.map { .init(subpath: "monitor", text: $0.text) }
        }
        return problems.isEmpty ? .success(rule) : .failure(.init(lines: problems))
    }

    /// A `monitor` value: absent (nil), or one of val_loss, val_metric.
    static func readMonitor(_ value: JSONValue?) -> Result<MonitoredValue?, SpecProblemMessage> {
        guard let value else { return .success(nil) }
        guard case .string(let text) = value, let monitor = MonitoredValue(rawValue: text) else {
            return .failure(.init("expected \"val_loss\" or \"val_metric\", got \(shortJSON(value))"))
        }
        return .success(monitor)
    }
}

/// Applies an ``EarlyStopRule`` to a run's epochs, one at a time.
///
/// An epoch improves when its value beats the best so far by more than `minDelta`
/// (v < best − d, or v > best + d for a metric that goes up); the first finite value is
/// always an improvement. A non-finite or missing value never improves. The run stops
/// after the epoch that makes `patience` epochs in a row without improvement.
public struct EarlyStopping: Sendable {
    public let rule: EarlyStopRule
    public let higherIsBetter: Bool
    public private(set) var best: Double?
    public private(set) var bestEpoch = 0
    public private(set) var epochsWithoutImprovement = 0

    public init(rule: EarlyStopRule, metricHigherIsBetter: Bool) {
        self.rule = rule
        self.higherIsBetter = rule.monitor.higherIsBetter(metricHigherIsBetter: metricHigherIsBetter)
    }

    /// Takes epoch `epoch`'s monitored value; returns true when the run should stop after it.
    public mutating func observe(epoch: Int, value: Double?) -> Bool {
        if let value, value.isFinite,
           best == nil || (higherIsBetter ? value > best! + rule.minDelta : value < best! - rule.minDelta) {
            best = value
            bestEpoch = epoch
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
        }
        return shouldStop
    }

    /// ``observe(epoch:value:)`` with the value the rule monitors among an epoch's validation numbers.
    public mutating func observe(epoch: Int, valLoss: Double?, valMetric: Double?) -> Bool {
        observe(epoch: epoch, value: rule.monitor.value(valLoss: valLoss, valMetric: valMetric))
    }

    /// Whether the epochs observed so far end the run (what the last ``observe(epoch:value:)`` returned).
    public var shouldStop: Bool { epochsWithoutImprovement >= rule.patience }

    /// Why the run stopped, for `runs.stop_reason`.
    public var reason: String {
        let bestText = best.map { "\($0)" } ?? "none"
        return "early stop: \(rule.monitor.rawValue) did not improve by more than \(rule.minDelta) for \(rule.patience) epoch\(rule.patience == 1 ? "" : "s") (best \(bestText) at epoch \(bestEpoch))"
    }
}
