// Problems found in a spec file: each names the field path and the offending value, one line each.

import JSON

/// One problem in a spec: where (`train.hidden`, `grid.lr[2]`, `line 3, column 7`) and what.
public typealias SpecProblem = JSONProblem

/// All the problems of a spec, found before anything runs. Its description is one line per
/// problem, prefixed with the spec's file name when known.
public struct SpecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String?
    public var problems: [SpecProblem]

    public init(file: String? = nil, problems: [SpecProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        problems.map { problem in (file.map { "\($0): " } ?? "") + problem.description }.joined(separator: "\n")
    }
}
