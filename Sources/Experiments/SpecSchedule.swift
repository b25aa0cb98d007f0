// The `lr_schedule` run field: a schedule name, or an object with the name and its
// parameters, checked with one line per problem; and its form in `config_json`.
import JSON
import SequenceModels

extension LearningRateSchedule {
    /// The parameters each schedule takes.
    static let parameterNames: [String: [String]] = [
        "constant": [], "cosine": [],
        "step": ["gamma", "step_epochs"],
        "reduce_on_plateau": ["factor", "patience", "threshold"],
    ]
    /// Defaults of the parameters that have one: PyTorch's (StepLR gamma; ReduceLROnPlateau
    /// factor, patience, threshold). step_epochs has none, as StepLR's step_size has none.
    static let defaultGamma = 0.1, defaultFactor = 0.1, defaultPatience = 10, defaultThreshold = 1e-4

    /// Names people write for a schedule, mapped to its spec name.
    static let nameAliases: [String: String] = [
        "none": "constant", "fixed": "constant", "steplr": "step", "step_decay": "step",
        "cosineannealinglr": "cosine", "cosine_annealing": "cosine", "plateau": "reduce_on_plateau",
        "reducelronplateau": "reduce_on_plateau", "reduce_lr_on_plateau": "reduce_on_plateau",
    ]

    /// The schedule a parameter name belongs to, if any.
    static func owner(ofParameter key: String) -> String? {
        names.first { parameterNames[$0]!.contains(key) }
    }

    /// A schedule object with its parameters, for messages.
    static func example(_ name: String) -> String {
        switch name {
        case "step": return #"{"name": "step", "gamma": 0.5, "step_epochs": 3}"#
        case "reduce_on_plateau": return #"{"name": "reduce_on_plateau", "factor": 0.5, "patience": 2}"#
        default: return #"{"name": "\#(name)"}"#
        }
    }

    static let expectation = "a schedule name (constant, step, cosine, reduce_on_plateau) or an object such as {\"name\": \"step\", \"gamma\": 0.5, \"step_epochs\": 3}"

    /// `{"name": ..., parameters...}` with every parameter given (defaults filled in), so equal
    /// schedules have one canonical form. Not used for `constant`, which `config_json` omits.
    public var jsonValue: JSONValue {
        switch self {
        case .constant, .cosine:
            return .object(["name": .string(name)])
        case .step(let gamma, let stepEpochs):
            return .object(["name": .string(name), "gamma": .number(gamma), "step_epochs": .number(Double(stepEpochs))])
        case .reduceOnPlateau(let factor, let patience, let threshold):
            return .object(["name": .string(name), "factor": .number(factor), "patience": .number(Double(patience)),
                            "threshold": .number(threshold)])
        }
    }

    /// Checks a spec value: a name (for schedules whose parameters all have defaults) or an
    /// object `{"name": ..., parameters...}`. Every problem is its own line.
    static func check(_ value: JSONValue) -> Result<LearningRateSchedule, SpecProblemMessage> {
        var members: [String: JSONValue]
        switch value {
        case .string(let text): members = ["name": .string(text)]
        case .object(let object): members = object
        default: return .failure(.init("expected \(expectation), got \(value.typeDescription) \(shortJSON(value))"))
        }
        var lines: [SpecProblemMessage.Line] = []
        func problem(_ subpath: String, _ text: String) { lines.append(.init(subpath: subpath, text: text)) }
        // A bare name's problems belong to the field itself, an object's name to `.name`.
        let namePath = value.isObject ? "name" : ""

        guard let nameValue = members.removeValue(forKey: "name") else {
            return .failure(.init("missing \"name\" (expected \(expectation))"))
        }
        guard case .string(let name) = nameValue else {
            return .failure(.init(lines: [.init(subpath: namePath, text: "expected a schedule name (\(names.joined(separator: ", "))), got \(nameValue.typeDescription) \(shortJSON(nameValue))")]))
        }
        guard let accepted = parameterNames[name] else {
            let hint = nameAliases[name.lowercased()].map { "; did you mean '\($0)'?" }
                ?? closestName(to: name, among: names).map { "; did you mean '\($0)'?" } ?? ""
            return .failure(.init(lines: [.init(subpath: namePath, text: "unknown schedule \"\(name)\" (expected one of \(names.joined(separator: ", "))\(hint))")]))
        }
        let allParameters = Set(parameterNames.values.joined())
        for key in members.keys.sorted() where !accepted.contains(key) {
            if allParameters.contains(key) {
                let owners = names.filter { parameterNames[$0]!.contains(key) }.joined(separator: ", ")
                problem(key, "only used by the \(owners) schedule, not by \(name)")
            } else {
                let candidates = accepted + ["name"]
                let hint = closestName(to: key, among: candidates).map { "; did you mean '\($0)'?" }
                    ?? " (\(name) takes \(accepted.isEmpty ? "no parameters" : accepted.joined(separator: ", ")))"
                problem(key, "unknown field \"\(key)\"\(hint)")
            }
        }

        func number(_ key: String, default fallback: Double, valid: (Double) -> Bool, rule: String) -> Double {
            guard let given = members[key] else { return fallback }
            guard case .number(let x) = given, valid(x) else {
                problem(key, "must be \(rule), got \(shortJSON(given))")
                return fallback
            }
            return x
        }
        func integer(_ key: String, default fallback: Int?, minimum: Int, rule: String) -> Int {
            guard let given = members[key] else {
                if fallback == nil {
                    problem(key, "missing (the \(name) schedule needs \(rule))")
                    return minimum
                }
                return fallback!
            }
            guard case .number(let x) = given, x == x.rounded(), x >= Double(minimum), x <= largestExactInteger else {
                problem(key, "must be \(rule), got \(shortJSON(given))")
                return minimum
            }
            return Int(x)
        }

        let schedule: LearningRateSchedule
        switch name {
        case "constant": schedule = .constant
        case "cosine": schedule = .cosine
        case "step":
            let gamma = number("gamma", default: defaultGamma, valid: { $0 > 0 }, rule: "a positive number (the factor applied every step_epochs epochs)")
            let stepEpochs = integer("step_epochs", default: nil, minimum: 1, rule: "a positive integer: the epochs between two decays")
            schedule = .step(gamma: gamma, stepEpochs: stepEpochs)
        default:
            let factor = number("factor", default: defaultFactor, valid: { $0 > 0 && $0 < 1 }, rule: "a number in (0, 1)")
            let patience = integer("patience", default: defaultPatience, minimum: 0, rule: "a non-negative integer")
            let threshold = number("threshold", default: defaultThreshold, valid: { $0 >= 0 && $0 < 1 }, rule: "a number in [0, 1)")
            schedule = .reduceOnPlateau(factor: factor, patience: patience, threshold: threshold)
        }
        return lines.isEmpty ? .success(schedule) : .failure(.init(lines: lines))
    }
}

private extension JSONValue {
    var isObject: Bool { if case .object = self { return true } else { return false } }
}
