// Reading a task's parameters from a spec's task block, collecting one problem per bad
// field, each at its spec path (`task.length: expected an integer ≥ 2, got 0`).
import Foundation
import JSON

/// One problem of a task block: where in the spec (`task`, `task.name`, `task.length`) and what.
public typealias TaskProblem = JSONProblem

/// The parameters of a task block were refused; one line per problem.
public struct TaskParameterError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let problems: [TaskProblem]

    public init(problems: [TaskProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
    public var errorDescription: String? { description }
}

/// Reads typed fields out of a task block, remembering every problem instead of
/// stopping at the first, and which fields were read (the rest are unknown).
struct ParameterReader {
    let task: String
    let parameters: [String: JSONValue]
    private(set) var problems: [TaskProblem] = []
    private(set) var knownFields: [String] = ["name"]

    init(task: String, parameters: [String: JSONValue]) {
        self.task = task
        self.parameters = parameters
    }

    /// A field that is missing (`value` nil) or holds a value outside its rule.
    mutating func report(_ field: String, _ value: JSONValue?, expected: String) {
        report(field: field, value.map { "expected \(expected), got \(shortJSON($0))" } ?? "missing (expected \(expected))")
    }

    /// Marks a field as known without reading it.
    mutating func noteKnown(_ field: String) { knownFields.append(field) }

    /// A problem at `task.<field>`, or at `task` when it concerns several fields.
    mutating func report(field: String? = nil, _ message: String) {
        problems.append(TaskProblem(path: field.map { "task.\($0)" } ?? "task", message: message))
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
              abs(number) <= largestExactInteger else {
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

    /// A number field in [lower, upper): the lower end allowed, the upper not.
    mutating func number(_ field: String, default defaultValue: Double, from lower: Double, below upper: Double) -> Double? {
        knownFields.append(field)
        guard let value = parameters[field] else { return defaultValue }
        guard case .number(let number) = value, number >= lower, number < upper else {
            report(field, value, expected: "a number ≥ \(format(lower)) and below \(format(upper))")
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

    /// The longest path a file system takes (Linux's PATH_MAX).
    static let maximumPathLength = 4096

    /// A path field: a non-empty string of at most ``maximumPathLength`` bytes.
    mutating func path(_ field: String, expected: String) -> String? {
        guard let text = string(field, default: nil, expected: expected) else { return nil }
        guard text.utf8.count <= ParameterReader.maximumPathLength else {
            report(field: field, "expected \(expected) of at most \(ParameterReader.maximumPathLength) bytes, got \(text.utf8.count) bytes")
            return nil
        }
        return text
    }

    /// Reports every field that no reader asked for, with the closest known name.
    mutating func reportUnknownFields() {
        for field in parameters.keys.sorted() where !knownFields.contains(field) {
            var line = "unknown field of task \(task)"
            if let suggestion = closestName(to: field, among: knownFields.filter { $0 != "name" }) {
                line += "; did you mean '\(suggestion)'?"
            } else {
                line += "; known fields: \(knownFields.filter { $0 != "name" }.joined(separator: ", "))"
            }
            // A path stays short even for a 100,000-character key.
            report(field: field.count <= 60 ? field : String(field.prefix(57)) + "...", line)
        }
    }

    private func format(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
