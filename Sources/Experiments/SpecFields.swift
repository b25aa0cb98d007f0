// The fields of a run that a spec can set (in `train`, `grid` or `random`), their types,
// checks and defaults, and the "did you mean" suggestion for a misspelled name.
import SequenceModels
import JSON
import Tasks

/// The optimiser a run trains with: the model library's own kinds.
public typealias OptimizerChoice = OptimizerKind

/// A field of a run's configuration, named as in the spec and in `config_json`.
/// `allCases` is the canonical order: grid axes vary in this order (first slowest) and random
/// fields are drawn in this order.
public enum RunField: String, CaseIterable, Sendable {
    case cell, hidden, lr, seed, batch, epochs, optimizer, momentum
    case clipNorm = "clip_norm"
    case clipValue = "clip_value"
    case forgetBias = "forget_bias"
    case layers, dropout
    case weightDecay = "weight_decay"
    case rmspropMomentum = "rmsprop_momentum"
    case lrSchedule = "lr_schedule"
    /// An ``EarlyStopRule`` object, or null for none.
    case earlyStop = "early_stop"
    /// A parameter budget: the hidden size is chosen per cell to come nearest (``ParameterBudget``).
    case params
    /// What a `params` budget counts: `all` parameters or only the `recurrent` layers'.
    case paramsScope = "params_scope"

    /// What the field holds, for choosing which random distributions fit it.
    enum Kind { case text, integer, real, object }

    var kind: Kind {
        switch self {
        case .cell, .optimizer, .lrSchedule, .paramsScope: return .text
        case .hidden, .seed, .batch, .epochs, .layers, .params: return .integer
        case .lr, .momentum, .clipNorm, .clipValue, .forgetBias, .dropout, .weightDecay, .rmspropMomentum: return .real
        case .earlyStop: return .object
        }
    }

    /// Whether null is allowed (meaning "not set").
    var isOptional: Bool { self == .clipNorm || self == .clipValue || self == .earlyStop || self == .params }

    /// The largest value an integer field takes: it keeps every size computed from it (parameter
    /// counts, buffers over T × B) far inside 64-bit arithmetic. hidden and batch at most 65536,
    /// epochs at most 100000, a params budget at most 10^9, seed at most 2^53 (the largest integer a JSON number holds exactly).
    public var upperBound: Int? {
        switch self {
        case .hidden, .batch: return 65_536
        case .epochs: return 100_000
        case .params: return 1_000_000_000
        case .seed: return Int(largestExactInteger)
        default: return nil
        }
    }
}

/// A checked value of one run field.
public enum RunFieldValue: Sendable, Hashable {
    case cell(CellKind)
    case optimizer(OptimizerChoice)
    case integer(Int)
    case real(Double)
    case schedule(LearningRateSchedule)
    case earlyStop(EarlyStopRule)
    case paramsScope(ParamsScope)
    /// An optional field explicitly set to null.
    case unset
}

extension RunField {
    /// Checks a JSON value for this field; on failure returns the problem's message
    /// (the caller adds the path).
    func check(_ value: JSONValue) -> Result<RunFieldValue, SpecProblemMessage> {
        if value == .null {
            return isOptional ? .success(.unset)
                : .failure(.init("expected \(expectation), got null"))
        }
        switch self {
        case .cell:
            guard case .string(let text) = value else { return .failure(.init("expected \(expectation), got \(value.typeDescription) \(shortJSON(value))")) }
            guard let cell = CellKind(rawValue: text) else {
                return .failure(.init("unknown cell \(shortJSON(value)) (expected one of rnn, gru, gru_reset_after, lstm\(suggestion(for: text, among: CellKind.allCases.map(\.rawValue))))"))
            }
            return .success(.cell(cell))
        case .optimizer:
            guard case .string(let text) = value else { return .failure(.init("expected \(expectation), got \(value.typeDescription) \(shortJSON(value))")) }
            guard let optimizer = OptimizerChoice(rawValue: text) else {
                return .failure(.init("unknown optimizer \(shortJSON(value)) (expected one of \(OptimizerChoice.allCases.map(\.rawValue).joined(separator: ", "))\(suggestion(for: text, among: OptimizerChoice.allCases.map(\.rawValue))))"))
            }
            return .success(.optimizer(optimizer))
        case .lrSchedule:
            return LearningRateSchedule.check(value).map { .schedule($0) }
        case .earlyStop:
            return EarlyStopRule.read(value).map { .earlyStop($0) }
        case .paramsScope:
            guard case .string(let text) = value, let scope = ParamsScope(rawValue: text) else {
                return .failure(.init("expected \(expectation), got \(shortJSON(value))"))
            }
            return .success(.paramsScope(scope))
        case .hidden, .batch, .epochs, .seed, .layers, .params:
            guard case .number(let number) = value else { return .failure(.init("expected \(expectation), got \(value.typeDescription) \(shortJSON(value))")) }
            guard number == number.rounded() else { return .failure(.init("expected \(expectation), got \(shortJSON(value))")) }
            guard abs(number) <= largestExactInteger else {
                return .failure(.init("must be at most 9007199254740992 (2^53, the largest integer a JSON number holds exactly) in magnitude, got \(shortJSON(value))"))
            }
            if self == .seed {
                guard number >= 0 else { return .failure(.init("must be a non-negative integer, got \(shortJSON(value))")) }
            } else if self == .layers {
                guard (1...4).contains(number) else { return .failure(.init("must be an integer from 1 to 4, got \(shortJSON(value))")) }
            } else if number <= 0 {
                return .failure(.init("must be a positive integer, got \(shortJSON(value))"))
            }
            if let upperBound, number > Double(upperBound) {
                return .failure(.init("must be at most \(upperBound), got \(shortJSON(value))"))
            }
            return .success(.integer(Int(number)))
        case .lr, .momentum, .clipNorm, .clipValue, .forgetBias, .dropout, .weightDecay, .rmspropMomentum:
            guard case .number(let number) = value else { return .failure(.init("expected \(expectation), got \(value.typeDescription) \(shortJSON(value))")) }
            switch self {
            case .lr, .clipNorm, .clipValue:
                guard number > 0 else { return .failure(.init("must be a positive number, got \(shortJSON(value))")) }
            case .weightDecay:
                guard number >= 0 else { return .failure(.init("must be a non-negative number, got \(shortJSON(value))")) }
            case .momentum, .dropout, .rmspropMomentum:
                guard number >= 0, number < 1 else { return .failure(.init("must be in [0, 1), got \(shortJSON(value))")) }
                // Training keeps it as a Float32, where a number this close to 1 is 1.
                guard Float(number) < 1 else {
                    return .failure(.init("must be in [0, 1), got \(shortJSON(value)), which is 1 as a Float32 (the largest below 1 is \(Float(1).nextDown))"))
                }
            default:
                break
            }
            // Weights and gradients are Float32: a larger value would become infinite there.
            guard abs(number) <= Double(Float.greatestFiniteMagnitude) else {
                return .failure(.init("must be at most 3.4e38 in magnitude (a Float32), got \(shortJSON(value))"))
            }
            return .success(.real(number == 0 ? 0 : number))   // -0 is 0: one configuration, one hash
        }
    }

    /// What a valid value looks like, for messages.
    var expectation: String {
        switch self {
        case .cell: return "a string (rnn, gru, gru_reset_after or lstm)"
        case .optimizer: return "a string (sgd, momentum, adam, adamw or rmsprop)"
        case .lrSchedule: return LearningRateSchedule.expectation
        case .hidden, .batch, .epochs: return "a positive integer"
        case .params: return "a positive integer (a parameter budget) or null"
        case .paramsScope: return "a string (all or recurrent)"
        case .earlyStop: return "an object {\"patience\": P, \"min_delta\": d, \"monitor\": \"val_loss\"} or null"
        case .seed: return "a non-negative integer"
        case .lr: return "a positive number"
        case .momentum, .dropout, .rmspropMomentum: return "a number in [0, 1)"
        case .weightDecay: return "a non-negative number"
        case .clipNorm, .clipValue: return "a positive number or null"
        case .forgetBias: return "a number"
        case .layers: return "an integer from 1 to 4"
        }
    }
}

/// The problems of one value before its path is known: one line each, with the path below
/// the value's own (`gamma` for a problem inside `train.lr_schedule`; "" for the value itself).
struct SpecProblemMessage: Error, Equatable {
    struct Line: Equatable {
        var subpath: String
        var text: String
    }
    var lines: [Line]

    init(_ text: String) { lines = [Line(subpath: "", text: text)] }
    init(lines: [Line]) { self.lines = lines }

    /// The lines as `path: text`, under the value's path.
    func problems(at path: String) -> [SpecProblem] {
        lines.map { SpecProblem(path: $0.subpath.isEmpty ? path : "\(path).\($0.subpath)", message: $0.text) }
    }
}

// MARK: - Suggestions

/// Names people write for a field, mapped to the field's spec name.
let fieldAliases: [String: String] = [
    "learning_rate": "lr", "learningrate": "lr", "learning-rate": "lr",
    "hidden_size": "hidden", "hiddensize": "hidden", "hidden_units": "hidden", "units": "hidden",
    "batch_size": "batch", "batchsize": "batch", "n_epochs": "epochs", "num_epochs": "epochs", "epoch": "epochs",
    "cell_type": "cell", "model": "cell", "opt": "optimizer", "clip": "clip_norm", "grad_clip": "clip_norm",
    "clipnorm": "clip_norm", "clip-norm": "clip_norm", "clipvalue": "clip_value", "forget_gate_bias": "forget_bias",
    "forget-bias": "forget_bias", "forgetbias": "forget_bias", "random_seed": "seed",
    "early_stopping": "early_stop", "earlystop": "early_stop", "patience": "early_stop",
    "param_budget": "params", "parameters": "params", "budget": "params", "n_params": "params",
    "num_layers": "layers", "n_layers": "layers", "depth": "layers", "dropout_rate": "dropout", "p_dropout": "dropout",
    "wd": "weight_decay", "l2": "weight_decay", "weightdecay": "weight_decay", "weight-decay": "weight_decay",
    "schedule": "lr_schedule", "scheduler": "lr_schedule", "lr_scheduler": "lr_schedule", "lr_decay": "lr_schedule",
    "learning_rate_schedule": "lr_schedule",
]

/// "; did you mean 'x'?" for the valid name closest to `name` (edit distance, ignoring
/// case, or a known alias), or "" when nothing is close.
func suggestion(for name: String, among validNames: [String]) -> String {
    if let alias = fieldAliases[name.lowercased()], validNames.contains(alias) { return "; did you mean '\(alias)'?" }
    guard let closest = closestName(to: name, among: validNames) else { return "" }
    return "; did you mean '\(closest)'?"
}
