// Reading a task's parameters from a spec's task block, collecting one
// problem line per bad field (naming the task, the field and the value).
import Foundation

/// The parameters of a task block were refused; one line per problem.
public struct TaskParameterError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
    public var errorDescription: String? { description }
}

/// Reads typed fields out of a task block, remembering every problem instead of
/// stopping at the first, and which fields were read (the rest are unknown).
struct ParameterReader {
    let task: String
    let parameters: [String: JSONValue]
    private(set) var problems: [String] = []
    private(set) var knownFields: [String] = ["name"]

    init(task: String, parameters: [String: JSONValue]) {
        self.task = task
        self.parameters = parameters
    }

    mutating func report(_ field: String, _ value: JSONValue?, expected: String) {
        let shown = value.map(describe) ?? "missing"
        problems.append("task \(task): field \"\(field)\" is \(shown); expected \(expected)")
    }

    /// Marks a field as known without reading it.
    mutating func noteKnown(_ field: String) { knownFields.append(field) }

    mutating func report(_ line: String) {
        problems.append("task \(task): \(line)")
    }

    /// An integer field ≥ `minimum`; `defaultValue` nil makes the field required.
    mutating func integer(_ field: String, default defaultValue: Int?, minimum: Int) -> Int? {
        knownFields.append(field)
        let expected = "an integer ≥ \(minimum)"
        guard let value = parameters[field] else {
            if defaultValue == nil { report(field, nil, expected: expected) }
            return defaultValue
        }
        guard case .number(let number) = value, number.rounded() == number,
              abs(number) <= 9_007_199_254_740_992 else {
            report(field, value, expected: expected)
            return nil
        }
        guard number >= Double(minimum) else {
            report(field, value, expected: expected)
            return nil
        }
        return Int(number)
    }

    /// A number field strictly inside (lower, upper).
    mutating func number(_ field: String, default defaultValue: Double?, openRange: (Double, Double)) -> Double? {
        knownFields.append(field)
        let expected = "a number strictly between \(format(openRange.0)) and \(format(openRange.1))"
        guard let value = parameters[field] else {
            if defaultValue == nil { report(field, nil, expected: expected) }
            return defaultValue
        }
        guard case .number(let number) = value, number > openRange.0, number < openRange.1 else {
            report(field, value, expected: expected)
            return nil
        }
        return number
    }

    /// A non-empty string field.
    mutating func string(_ field: String, default defaultValue: String?, expected: String) -> String? {
        knownFields.append(field)
        guard let value = parameters[field] else {
            if defaultValue == nil { report(field, nil, expected: expected) }
            return defaultValue
        }
        guard case .string(let text) = value, !text.isEmpty else {
            report(field, value, expected: expected)
            return nil
        }
        return text
    }

    /// Reports every field that no reader asked for, with the closest known name.
    mutating func reportUnknownFields() {
        for field in parameters.keys.sorted() where !knownFields.contains(field) {
            var line = "unknown field \"\(field)\""
            if let suggestion = closestName(to: field, among: knownFields.filter { $0 != "name" }) {
                line += "; did you mean \"\(suggestion)\"?"
            } else {
                line += "; known fields: \(knownFields.filter { $0 != "name" }.joined(separator: ", "))"
            }
            report(line)
        }
    }

    private func format(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// A JSON value as a user would write it, for messages: `0`, `-3.5`, `"abc"`, `[1, 2]`.
func describe(_ value: JSONValue) -> String {
    switch value {
    case .number(let n):
        return n.rounded() == n && abs(n) < 1e15 ? String(Int(n)) : String(n)
    case .string(let s): return "\"\(s)\""
    case .bool(let b): return String(b)
    case .null: return "null"
    case .array(let items): return "[" + items.map(describe).joined(separator: ", ") + "]"
    case .object(let fields):
        return "{" + fields.keys.sorted().map { "\"\($0)\": \(describe(fields[$0]!))" }.joined(separator: ", ") + "}"
    }
}

/// The candidate within a small edit distance of `name` (at most a third of
/// its length, at least 2), the nearest first; nil if none is close.
func closestName(to name: String, among candidates: [String]) -> String? {
    let lowered = name.lowercased()
    let scored = candidates.map { ($0, editDistance(lowered, $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
    return best.1 <= max(2, name.count / 3) ? best.0 : nil
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
