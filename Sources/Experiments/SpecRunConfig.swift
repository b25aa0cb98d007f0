// The full configuration of one run (model, training, task) with its canonical JSON
// (`runs.config_json`) and hash (`runs.config_hash`).
import Foundation
import JSON
import SequenceModels
import Tasks

/// The task block of a spec: the task's name and its own parameters, which the Tasks
/// module validates. Encoded as one flat object `{"name": ..., params...}`.
public struct TaskSpec: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var parameters: [String: JSONValue]

    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters.filter { $0.key != "name" }
    }

    /// `{"name": name, ...parameters}`.
    public var jsonValue: JSONValue {
        var members = parameters
        members["name"] = .string(name)
        return .object(members)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        var members = try container.decode([String: JSONValue].self)
        guard case .string(let name)? = members.removeValue(forKey: "name") else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "task has no \"name\" string")
        }
        self.init(name: name, parameters: members)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(jsonValue)
    }
}

/// Everything that determines one run. Two runs with equal configurations produce the same
/// bits, so they share a ``configHash``.
///
/// Built-in defaults (used where the spec's `train`, `grid` and `random` are silent) are in
/// ``RunConfig/defaults(task:)``.
public struct RunConfig: Codable, Equatable, Hashable, Sendable {
    public var cell: CellKind
    public var hidden: Int
    public var lr: Double
    public var seed: Int
    public var batch: Int
    public var epochs: Int
    public var optimizer: OptimizerChoice
    /// Used by the `momentum` optimiser only (and kept in the hash for the others).
    public var momentum: Double
    /// Clip the global gradient norm to this value; nil: no norm clipping.
    public var clipNorm: Double?
    /// Clip each gradient element to [-v, v]; nil: no value clipping.
    public var clipValue: Double?
    /// Initial LSTM forget-gate bias (ignored by rnn and gru).
    public var forgetBias: Double
    /// Stacked recurrent layers (1-4).
    public var layers: Int
    /// Inverted dropout on the non-recurrent connections while training, in [0, 1).
    public var dropout: Double
    /// λ: PyTorch's `weight_decay` (L2 added to the gradient; decoupled for adamw). 0: none.
    public var weightDecay: Double
    /// RMSProp's momentum (PyTorch's `momentum` argument of RMSprop); used by rmsprop only.
    public var rmspropMomentum: Double
    /// How the learning rate changes over the epochs (constant: always `lr`).
    public var lrSchedule: LearningRateSchedule
    /// Stop the run when its monitored value stops improving; nil: train every epoch.
    public var earlyStop: EarlyStopRule?
    /// A parameter budget: `hidden` is then the size chosen for it (``ParameterBudget``);
    /// nil: `hidden` as given.
    public var params: Int?
    /// What `params` counts (nil reads as `all`; written only with `params`).
    public var paramsScope: ParamsScope?
    public var task: TaskSpec

    public init(cell: CellKind, hidden: Int, lr: Double, seed: Int, batch: Int, epochs: Int,
                optimizer: OptimizerChoice, momentum: Double = 0.9, clipNorm: Double? = nil,
                clipValue: Double? = nil, forgetBias: Double = 1.0, layers: Int = 1, dropout: Double = 0,
                weightDecay: Double = 0, rmspropMomentum: Double = 0, lrSchedule: LearningRateSchedule = .constant,
                task: TaskSpec) {
        self.cell = cell
        self.hidden = hidden
        self.lr = lr
        self.seed = seed
        self.batch = batch
        self.epochs = epochs
        self.optimizer = optimizer
        self.momentum = momentum
        self.clipNorm = clipNorm
        self.clipValue = clipValue
        self.forgetBias = forgetBias
        self.layers = layers
        self.dropout = dropout
        self.weightDecay = weightDecay
        self.rmspropMomentum = rmspropMomentum
        self.lrSchedule = lrSchedule
        self.task = task
    }

    /// The defaults where a spec is silent: cell `lstm`, hidden 32, lr 0.001, seed 1,
    /// batch 32, epochs 10, optimizer `adam`, momentum 0.9, no clipping (clip_norm and
    /// clip_value unset), forget_bias 1.0, layers 1, dropout 0, weight_decay 0, rmsprop_momentum 0,
    /// lr_schedule constant.
    public static func defaults(task: TaskSpec) -> RunConfig {
        RunConfig(cell: .lstm, hidden: 32, lr: 0.001, seed: 1, batch: 32, epochs: 10, optimizer: .adam,
                  momentum: 0.9, clipNorm: nil, clipValue: nil, forgetBias: 1.0, task: task)
    }

    /// Reads `config_json` through ``init(jsonValue:)``.
    public init(from decoder: Decoder) throws {
        try self.init(jsonValue: try decoder.singleValueContainer().decode(JSONValue.self))
    }

    /// Reads a configuration from its ``jsonValue`` object (what `runs.config_json` holds): the
    /// fields added after the first release (layers, dropout, weight_decay, rmsprop_momentum,
    /// lr_schedule) are absent at their defaults; early_stop, params and params_scope are absent
    /// when unset. Throws a ``ConfigJSONError`` naming the first field that does not fit.
    public init(jsonValue value: JSONValue) throws {
        guard case .object(let m) = value else { throw ConfigJSONError(field: "config", "expected an object, got \(value.typeDescription)") }
        func number(_ key: String) throws -> Double? {
            switch m[key] {
            case nil: return nil
            case .number(let x)?: return x
            case let other?: throw ConfigJSONError(field: key, "expected a number, got \(shortJSON(other))")
            }
        }
        func integer(_ key: String) throws -> Int? {
            guard let x = try number(key) else { return nil }
            guard x == x.rounded(), abs(x) <= largestExactInteger else { throw ConfigJSONError(field: key, "expected an integer, got \(shortJSON(.number(x)))") }
            return Int(x)
        }
        func name<T: RawRepresentable>(_ key: String, as: T.Type) throws -> T? where T.RawValue == String {
            switch m[key] {
            case nil: return nil
            case .string(let text)?:
                guard let known = T(rawValue: text) else { throw ConfigJSONError(field: key, "unknown value \(shortJSON(.string(text)))") }
                return known
            case let other?: throw ConfigJSONError(field: key, "expected a string, got \(shortJSON(other))")
            }
        }
        func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
            guard let found = try read(key) else { throw ConfigJSONError(field: key, "missing") }
            return found
        }
        guard case .object(var taskMembers)? = m["task"], case .string(let taskName)? = taskMembers.removeValue(forKey: "name") else {
            throw ConfigJSONError(field: "task", "expected an object with a \"name\" string")
        }
        self.init(cell: try required("cell") { try name($0, as: CellKind.self) }, hidden: try required("hidden", integer),
                  lr: try required("lr", number), seed: try required("seed", integer),
                  batch: try required("batch", integer), epochs: try required("epochs", integer),
                  optimizer: try required("optimizer") { try name($0, as: OptimizerChoice.self) },
                  momentum: try required("momentum", number),
                  clipNorm: try number("clip_norm"), clipValue: try number("clip_value"),
                  forgetBias: try required("forget_bias", number),
                  layers: try integer("layers") ?? 1, dropout: try number("dropout") ?? 0,
                  weightDecay: try number("weight_decay") ?? 0, rmspropMomentum: try number("rmsprop_momentum") ?? 0,
                  task: TaskSpec(name: taskName, parameters: taskMembers))
        if let schedule = m["lr_schedule"] {
            switch LearningRateSchedule.check(schedule) {
            case .success(let checked): lrSchedule = checked
            case .failure(let message):
                throw ConfigJSONError(field: "lr_schedule", message.problems(at: "lr_schedule").map(\.description).joined(separator: "; "))
            }
        }
        if let rule = m["early_stop"], rule != .null {
            switch EarlyStopRule.read(rule) {
            case .success(let checked): earlyStop = checked
            case .failure(let message):
                throw ConfigJSONError(field: "early_stop", message.problems(at: "early_stop").map(\.description).joined(separator: "; "))
            }
        }
        params = try integer("params")
        paramsScope = try name("params_scope", as: ParamsScope.self)
    }

    /// Writes ``jsonValue``.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(jsonValue)
    }

    /// Sets one field to a checked value (see ``RunField/check(_:)``).
    public mutating func set(_ field: RunField, to value: RunFieldValue) {
        switch (field, value) {
        case (.cell, .cell(let cell)): self.cell = cell
        case (.optimizer, .optimizer(let optimizer)): self.optimizer = optimizer
        case (.hidden, .integer(let n)): hidden = n
        case (.seed, .integer(let n)): seed = n
        case (.batch, .integer(let n)): batch = n
        case (.epochs, .integer(let n)): epochs = n
        case (.lr, .real(let x)): lr = x
        case (.momentum, .real(let x)): momentum = x
        case (.clipNorm, .real(let x)): clipNorm = x
        case (.clipNorm, .unset): clipNorm = nil
        case (.clipValue, .real(let x)): clipValue = x
        case (.clipValue, .unset): clipValue = nil
        case (.forgetBias, .real(let x)): forgetBias = x
        case (.layers, .integer(let n)): layers = n
        case (.dropout, .real(let x)): dropout = x
        case (.weightDecay, .real(let x)): weightDecay = x
        case (.rmspropMomentum, .real(let x)): rmspropMomentum = x
        case (.lrSchedule, .schedule(let schedule)): lrSchedule = schedule
        case (.earlyStop, .earlyStop(let rule)): earlyStop = rule
        case (.earlyStop, .unset): earlyStop = nil
        case (.params, .integer(let n)): params = n
        case (.params, .unset): params = nil
        case (.paramsScope, .paramsScope(let scope)): paramsScope = scope
        default: preconditionFailure("value \(value) does not fit field \(field.rawValue)")
        }
    }

    /// The flat JSON object of `config_json`: every field by its spec name (clip_norm and
    /// clip_value absent when unset; layers, dropout, weight_decay, rmsprop_momentum and
    /// lr_schedule absent at their defaults 1, 0, 0, 0 and constant, so configurations from
    /// before they existed keep their hashes; early_stop only when set; params and
    /// params_scope only with a budget) and `"task": {"name": ..., params...}`.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "cell": .string(cell.rawValue), "hidden": .number(Double(hidden)), "lr": .number(lr),
            "seed": .number(Double(seed)), "batch": .number(Double(batch)), "epochs": .number(Double(epochs)),
            "optimizer": .string(optimizer.rawValue), "momentum": .number(momentum),
            "forget_bias": .number(forgetBias), "task": task.jsonValue,
        ]
        if let clipNorm { members["clip_norm"] = .number(clipNorm) }
        if let clipValue { members["clip_value"] = .number(clipValue) }
        if layers != 1 { members["layers"] = .number(Double(layers)) }
        if dropout != 0 { members["dropout"] = .number(dropout) }
        if weightDecay != 0 { members["weight_decay"] = .number(weightDecay) }
        if rmspropMomentum != 0 { members["rmsprop_momentum"] = .number(rmspropMomentum) }
        if lrSchedule != .constant { members["lr_schedule"] = lrSchedule.jsonValue }
        if let earlyStop { members["early_stop"] = earlyStop.jsonValue }
        if let params {
            members["params"] = .number(Double(params))
            members["params_scope"] = .string((paramsScope ?? .all).rawValue)
        }
        return .object(members)
    }

    /// How messages name the run: "lstm hidden=64 lr=0.01 seed=1".
    public var label: String { "\(cell.rawValue) hidden=\(hidden) lr=\(lr) seed=\(seed)" }

    /// What sets the run apart beyond cell, hidden, lr and seed, where it is not the default:
    /// `layers=2 dropout=0.2 rmsprop wd=0.01 cosine` ("" when nothing is).
    public var settingsText: String { settingsText(withOptimizer: true) }

    /// ``settingsText``, without the optimiser where a column of its own shows it.
    public func settingsText(withOptimizer: Bool) -> String {
        var parts: [String] = []
        if layers != 1 { parts.append("layers=\(layers)") }
        if dropout != 0 { parts.append(String(format: "dropout=%g", dropout)) }
        if withOptimizer && optimizer != .adam { parts.append(optimizer.rawValue) }
        if weightDecay != 0 { parts.append(String(format: "wd=%g", weightDecay)) }
        switch lrSchedule {
        case .constant: break
        case .step(let gamma, let stepEpochs): parts.append(String(format: "step(gamma=%g,every=%d)", gamma, stepEpochs))
        case .cosine: parts.append("cosine")
        case .reduceOnPlateau(let factor, let patience, _): parts.append(String(format: "plateau(factor=%g,patience=%d)", factor, patience))
        }
        return parts.joined(separator: " ")
    }

    /// Canonical JSON of ``jsonValue`` (sorted keys, shortest numbers): `runs.config_json`.
    public var canonicalJSONText: String { canonicalJSON(jsonValue) }

    /// SHA-256 hex of ``canonicalJSONText``: `runs.config_hash`.
    public var configHash: String { ConfigHash.of(canonicalJSON: canonicalJSONText) }

    /// The configuration's seedless JSON: what the seeds of one configuration share, the
    /// unit that successive halving ranks.
    public var configurationJSONText: String {
        guard case .object(var members) = jsonValue else { preconditionFailure("a run configuration is an object") }
        members.removeValue(forKey: "seed")
        return canonicalJSON(.object(members))
    }

    /// SHA-256 hex of ``configurationJSONText``: `halving_decisions.configuration`.
    public var configurationHash: String { ConfigHash.of(canonicalJSON: configurationJSONText) }

    /// Reads a configuration back from `runs.config_json`, with the project's JSON parser.
    public static func fromJSON(_ text: String) throws -> RunConfig {
        try RunConfig(jsonValue: try JSONParser.parse(text))
    }
}

/// A `config_json` that does not hold a run configuration: the field and what is wrong.
public struct ConfigJSONError: Error, CustomStringConvertible {
    public var field: String
    public var message: String
    init(field: String, _ message: String) { self.field = field; self.message = message }
    public var description: String { "config_json \(field): \(message)" }
}
