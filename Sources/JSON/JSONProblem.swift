// A problem with a JSON document, at the path of the offending value: what specs and task
// blocks report, one line each.

/// One problem: where (`train.hidden`, `grid.lr[2]`, `task.length`, `line 3, column 7`) and what.
public struct JSONProblem: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
