// Plain values of one sweep as read from the results database: the sweep, its runs with
// their parsed configuration, and every recorded epoch. The report is computed from these.
import Foundation
import JSON
import ResultsStore

/// One value of a run's configuration (`runs.config_json`), flattened: the nested task
/// object becomes keys `task.name`, `task.length`, ...
public enum ConfigValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null

    /// Short text for tables: integers without a decimal point, other numbers in `%g` form.
    public var description: String {
        switch self {
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(format: "%g", value)
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "none"
        }
    }

    /// Orders values of one axis: nulls first, then numbers by size, booleans, strings by text.
    static func ascending(_ a: ConfigValue, _ b: ConfigValue) -> Bool {
        func kind(_ v: ConfigValue) -> Int {
            switch v { case .null: return 0; case .number: return 1; case .bool: return 2; case .string: return 3 }
        }
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.bool(let x), .bool(let y)): return !x && y
        default: return kind(a) < kind(b)
        }
    }
}

/// A row of `sweeps`.
public struct SweepInfo: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var createdAt: String
    public var task: String
    public var metricName: String
    public var metricHigherIsBetter: Bool
    /// Validation loss of the task's trivial predictor (what a model that learned nothing gets).
    public var baselineLoss: Double?
    /// Task metric of the trivial predictor.
    public var baselineMetric: Double?
    /// The trivial predictor on the test split (nil without one): what test numbers are compared with.
    public var baselineTestLoss: Double?
    public var baselineTestMetric: Double?

    public init(id: Int64, name: String, createdAt: String, task: String, metricName: String,
                metricHigherIsBetter: Bool, baselineLoss: Double?, baselineMetric: Double?,
                baselineTestLoss: Double? = nil, baselineTestMetric: Double? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.task = task
        self.metricName = metricName
        self.metricHigherIsBetter = metricHigherIsBetter
        self.baselineLoss = baselineLoss
        self.baselineMetric = baselineMetric
        self.baselineTestLoss = baselineTestLoss
        self.baselineTestMetric = baselineTestMetric
    }
}

/// A row of `epochs` (epoch numbers are 1-based).
public struct RunEpoch: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double?
    public var valLoss: Double?
    public var valMetric: Double?
    public var gradNorm: Double?
    public var seconds: Double?
    public var tokensPerSecond: Double?
    /// Loss and metric on the task's test split at this epoch; nil without a test split.
    public var testLoss: Double?
    public var testMetric: Double?

    public init(epoch: Int, trainLoss: Double? = nil, valLoss: Double?, valMetric: Double?,
                gradNorm: Double? = nil, seconds: Double?, tokensPerSecond: Double?,
                testLoss: Double? = nil, testMetric: Double? = nil) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.valMetric = valMetric
        self.gradNorm = gradNorm
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
        self.testLoss = testLoss
        self.testMetric = testMetric
    }
}

/// A row of `runs` with its configuration parsed and its epochs in epoch order.
public struct SweepRun: Sendable, Equatable {
    public var id: Int64
    public var planIndex: Int
    /// The flattened `config_json` (see ``ConfigValue``).
    public var config: [String: ConfigValue]
    public var cell: String
    public var hidden: Int
    public var lr: Double
    public var seed: Int
    public var status: RunStatus
    public var paramCount: Int?
    public var epochsPlanned: Int
    public var error: String?
    public var epochs: [RunEpoch]

    public init(id: Int64, planIndex: Int, config: [String: ConfigValue], cell: String, hidden: Int,
                lr: Double, seed: Int, status: RunStatus, paramCount: Int?, epochsPlanned: Int,
                error: String? = nil, epochs: [RunEpoch]) {
        self.id = id
        self.planIndex = planIndex
        self.config = config
        self.cell = cell
        self.hidden = hidden
        self.lr = lr
        self.seed = seed
        self.status = status
        self.paramCount = paramCount
        self.epochsPlanned = epochsPlanned
        self.error = error
        self.epochs = epochs
    }
}

/// One sweep and all its runs.
public struct SweepData: Sendable, Equatable {
    public var sweep: SweepInfo
    public var runs: [SweepRun]

    public init(sweep: SweepInfo, runs: [SweepRun]) {
        self.sweep = sweep
        self.runs = runs
    }
}

// MARK: - Parsing config_json

/// Parses a run's `config_json` into flat keys; nested objects get dotted keys
/// (`{"task": {"name": "adding"}}` becomes `task.name`), lists become one text value.
/// `lr_schedule` stays one value, its name with its parameters (`step(gamma=0.5,step_epochs=3)`),
/// and reads `constant` where config_json leaves it out.
public func parseRunConfig(_ json: String) throws -> [String: ConfigValue] {
    guard case .object(let members) = try JSONParser.parse(json) else { throw ConfigParseError.notAnObject }
    var flat: [String: ConfigValue] = [:]
    func add(_ prefix: String, _ value: JSONValue) {
        switch value {
        case .object(let inner):
            for (key, innerValue) in inner { add(prefix.isEmpty ? key : "\(prefix).\(key)", innerValue) }
        case .array:
            flat[prefix] = .string(listText(value))
        case .number(let number): flat[prefix] = .number(number)
        case .string(let text): flat[prefix] = .string(text)
        case .bool(let flag): flat[prefix] = .bool(flag)
        case .null: flat[prefix] = .null
        }
    }
    for (key, value) in members where key != "lr_schedule" { add(key, value) }
    if let schedule = members["lr_schedule"] { flat["lr_schedule"] = .string(scheduleLabel(schedule)) }
    // Fields that config_json leaves out at their defaults (so runs recorded before they
    // existed keep their hashes) read as those defaults, not as unset.
    for (key, value) in omittedDefaults where flat[key] == nil { flat[key] = value }
    return flat
}

/// `name(key=value,...)` of a schedule object, parameters sorted by key; the name alone without parameters.
private func scheduleLabel(_ value: JSONValue) -> String {
    guard case .object(var members) = value else { return listText(value) }
    let name = members.removeValue(forKey: "name").map(listText) ?? "?"
    if members.isEmpty { return name }
    return name + "(" + members.keys.sorted().map { "\($0)=\(listText(members[$0]!))" }.joined(separator: ",") + ")"
}

/// A list in a configuration, as a table shows it: `[1,2]`, nested values in ``ConfigValue``'s
/// short form, object keys sorted.
private func listText(_ value: JSONValue) -> String {
    switch value {
    case .array(let items): return "[" + items.map(listText).joined(separator: ",") + "]"
    case .object(let members): return "{" + members.keys.sorted().map { "\($0):\(listText(members[$0]!))" }.joined(separator: ",") + "}"
    case .number(let number): return ConfigValue.number(number).description
    case .string(let text): return text
    case .bool(let flag): return ConfigValue.bool(flag).description
    case .null: return ConfigValue.null.description
    }
}

/// Run fields absent from config_json at their default values: `layers` 1, `dropout` 0,
/// `weight_decay` 0, `rmsprop_momentum` 0, `lr_schedule` constant.
let omittedDefaults: [String: ConfigValue] = ["layers": .number(1), "dropout": .number(0), "weight_decay": .number(0),
                                              "rmsprop_momentum": .number(0), "lr_schedule": .string("constant")]

enum ConfigParseError: Error, CustomStringConvertible {
    case notAnObject
    var description: String { "config_json is not a JSON object" }
}
