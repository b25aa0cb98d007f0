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

/// A sweep as the report shows it: the store's row of `sweeps` (its fields are read through
/// this value, `sweep.metricName`), without the spec text, which no report prints.
/// In the JSON report it is an object of the row's fields in camelCase.
@dynamicMemberLookup
public struct SweepInfo: Sendable, Equatable, Codable {
    public var record: SweepRecord
    public var id: Int64 { record.id ?? 0 }

    public init(_ record: SweepRecord) {
        self.record = record
        self.record.specJSON = ""
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<SweepRecord, T>) -> T {
        get { record[keyPath: keyPath] }
        set { record[keyPath: keyPath] = newValue }
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, createdAt, task, metricName, metricHigherIsBetter
        case baselineLoss, baselineMetric, baselineTestLoss, baselineTestMetric
    }

    /// The JSON form: each field under its Swift name, absent optionals left out.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(record.name, forKey: .name)
        try container.encode(record.createdAt, forKey: .createdAt)
        try container.encode(record.task, forKey: .task)
        try container.encode(record.metricName, forKey: .metricName)
        try container.encode(record.metricHigherIsBetter, forKey: .metricHigherIsBetter)
        try container.encodeIfPresent(record.baselineLoss, forKey: .baselineLoss)
        try container.encodeIfPresent(record.baselineMetric, forKey: .baselineMetric)
        try container.encodeIfPresent(record.baselineTestLoss, forKey: .baselineTestLoss)
        try container.encodeIfPresent(record.baselineTestMetric, forKey: .baselineTestMetric)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(SweepRecord(
            id: try container.decode(Int64.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
            specJSON: "", createdAt: try container.decode(String.self, forKey: .createdAt),
            task: try container.decode(String.self, forKey: .task),
            metricName: try container.decode(String.self, forKey: .metricName),
            metricHigherIsBetter: try container.decode(Bool.self, forKey: .metricHigherIsBetter),
            baselineLoss: try container.decodeIfPresent(Double.self, forKey: .baselineLoss),
            baselineMetric: try container.decodeIfPresent(Double.self, forKey: .baselineMetric),
            baselineTestLoss: try container.decodeIfPresent(Double.self, forKey: .baselineTestLoss),
            baselineTestMetric: try container.decodeIfPresent(Double.self, forKey: .baselineTestMetric)))
    }
}

/// A run as the report reads it: the store's row of `runs` (fields read through this value,
/// `run.cell`), its `config_json` parsed, and its rows of `epochs` in epoch order.
@dynamicMemberLookup
public struct SweepRun: Sendable, Equatable {
    public var record: RunRecord
    /// The flattened `config_json` (see ``ConfigValue``).
    public var config: [String: ConfigValue]
    public var epochs: [EpochRecord]
    public var id: Int64 { record.id ?? 0 }

    public init(_ record: RunRecord, config: [String: ConfigValue], epochs: [EpochRecord]) {
        self.record = record
        self.config = config
        self.epochs = epochs
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<RunRecord, T>) -> T {
        get { record[keyPath: keyPath] }
        set { record[keyPath: keyPath] = newValue }
    }
}

/// One sweep and all its runs.
public struct SweepData: Sendable, Equatable {
    public var sweep: SweepInfo
    public var runs: [SweepRun]
    /// Successive halving's decisions (empty without halving).
    public var halvingDecisions: [HalvingDecisionRecord]

    public init(sweep: SweepInfo, runs: [SweepRun], halvingDecisions: [HalvingDecisionRecord] = []) {
        self.sweep = sweep
        self.runs = runs
        self.halvingDecisions = halvingDecisions
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
