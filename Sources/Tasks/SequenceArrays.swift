// The arrays of a `sequences` data set (x/y/len for _train, _val, _test), read
// from NumPy files and checked: every problem is one line naming the file, the
// array and what is wrong, found before anything runs.
import Foundation
import JSON
import NumPyFiles
import SequenceModels

/// The head a `sequences` spec asks for, by its spec name.
public enum SequenceHead: String, CaseIterable, Sendable {
    case softmax, bernoulli, mse

    var modelHead: HeadKind {
        switch self {
        case .softmax: return .softmax
        case .bernoulli: return .bernoulli
        case .mse: return .linear
        }
    }
}

/// One split's sequences, checked. Inputs are dense (N, T, X) or token ids (N, T);
/// targets per step (N, T[, Y]) or per sequence (N[, Y]), the latter predicted at the
/// sequence's last valid step.
public struct SequenceSplit: Sendable {
    public var count: Int
    public var steps: Int
    /// Dense inputs (N, T, X), or nil for token inputs.
    public var inputs: [Float]?
    /// Token ids (N, T), or nil for dense inputs.
    public var tokens: [Int32]?
    /// softmax: class per step (N, T) (−1: no target) or per sequence (N).
    public var classes: [Int32]
    /// bernoulli, mse: targets (N, T, Y) or (N, Y).
    public var values: [Float]
    /// True when the targets are per sequence (N[, Y]).
    public var perSequence: Bool
    /// Valid steps of each sequence, 1...T.
    public var lengths: [Int]
}

/// Every problem found in a data set's arrays, one line each.
public struct SequenceDataError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// Reads and checks the arrays of each split. `file` is the path as the spec writes it.
struct SequenceArrayChecker {
    let file: String
    let arrays: [String: NumPyArray]
    let head: SequenceHead
    private(set) var problems: [String] = []

    static let splits = ["train", "val", "test"]
    static let knownNames = splits.flatMap { s in ["x_\(s)", "y_\(s)", "len_\(s)"] }

    init(file: String, arrays: [String: NumPyArray], head: SequenceHead) {
        self.file = file
        self.arrays = arrays
        self.head = head
    }

    mutating func report(_ array: String?, _ problem: String) {
        problems.append(NumPyError(file: file, array: array, problem: problem).description)
    }

    /// Arrays whose names are none of x_/y_/len_ × _train/_val/_test (misnamed ones).
    mutating func checkNames() {
        for name in arrays.keys.sorted() where !Self.knownNames.contains(name) {
            var line = "is not one of the arrays read (\(Self.knownNames.joined(separator: ", ")))"
            if let guess = closestName(to: name, among: Self.knownNames) { line += "; did you mean \"\(guess)\"?" }
            report(name, line)
        }
    }

    /// The split `name`, nil if it is absent (both x_ and y_ missing) or has a problem.
    mutating func split(_ name: String, required: Bool) -> SequenceSplit? {
        let xName = "x_\(name)", yName = "y_\(name)", lenName = "len_\(name)"
        guard let x = arrays[xName] else {
            if required || arrays[yName] != nil || arrays[lenName] != nil {
                report(nil, "no array \"\(xName)\"" + (arrays.isEmpty ? " (the file holds no arrays)" : "; found \(arrays.keys.sorted().joined(separator: ", "))"))
            }
            return nil
        }
        guard let y = arrays[yName] else {
            report(nil, "no array \"\(yName)\" beside \"\(xName)\"")
            return nil
        }
        let problemsBefore = problems.count
        // Inputs: float (N, T, X) or integer token ids (N, T); bool (N, T, X) is 0/1 features (a piano roll).
        var inputs: [Float]?, tokens: [Int32]?
        let n: Int, steps: Int
        if x.dtype.isFloatingPoint || x.dtype == .bool {
            guard x.shape.count == 3 else { report(xName, "float inputs must be (N, T, X); got shape \(x.shapeDescription)"); return nil }
            guard x.shape[2] > 0 else { report(xName, "has shape \(x.shapeDescription); expected at least one input feature per step (X ≥ 1)"); return nil }
            let values = x.floats()
            if let bad = values.firstIndex(where: { !$0.isFinite }) { report(xName, "element \(bad) is \(values[bad]); expected finite numbers") }
            inputs = values
        } else {
            guard x.shape.count == 2 else { report(xName, "integer token ids must be (N, T); got shape \(x.shapeDescription)"); return nil }
            let ids = x.integers()!
            if let bad = ids.firstIndex(where: { $0 < 0 || $0 > Int64(Int32.max) }) { report(xName, "token id \(ids[bad]) at element \(bad) is out of range; expected ids ≥ 0") }
            tokens = ids.map { Int32(clamping: $0) }
        }
        n = x.shape[0]; steps = x.shape[1]
        guard n > 0, steps > 0 else { report(xName, "has shape \(x.shapeDescription); expected at least one sequence of at least one step"); return nil }

        // Lengths: (N,) integers in 1...T, default T.
        var lengths = [Int](repeating: steps, count: n)
        if let len = arrays[lenName] {
            if len.dtype.isFloatingPoint || len.dtype == .bool { report(lenName, "has dtype \(len.dtype.numpyName); expected integers") }
            else if len.shape != [n] { report(lenName, "has shape \(len.shapeDescription); expected (\(n),) to match \(xName)") }
            else {
                let values = len.integers()!
                if let bad = values.firstIndex(where: { $0 < 1 || $0 > Int64(steps) }) {
                    report(lenName, "length \(values[bad]) of sequence \(bad) is outside 1...\(steps) (T of \(xName))")
                } else { lengths = values.map { Int($0) } }
            }
        }

        // Targets by head.
        var classes: [Int32] = [], values: [Float] = [], perSequence = false
        switch head {
        case .softmax:
            if y.dtype.isFloatingPoint { report(yName, "has dtype \(y.dtype.numpyName); the softmax head takes integer class labels") }
            else if y.shape == [n, steps] || y.shape == [n] {
                perSequence = y.shape == [n]
                let labels = y.integers()!
                let lowest: Int64 = perSequence ? 0 : -1
                if let bad = labels.firstIndex(where: { $0 < lowest || $0 > Int64(Int32.max) }) {
                    report(yName, "label \(labels[bad]) at element \(bad) is out of range; expected \(perSequence ? "a class ≥ 0" : "a class ≥ 0, or −1 for no target")")
                }
                classes = labels.map { Int32(clamping: $0) }
                if !labels.isEmpty && !labels.contains(where: { $0 >= 0 }) {
                    report(yName, "has no targets: every label is −1 (no target); expected at least one class ≥ 0")
                }
            } else { report(yName, "has shape \(y.shapeDescription); the softmax head takes (\(n), \(steps)) or (\(n),) to match \(xName)") }
        case .bernoulli, .mse:
            let perStep = y.shape.count == 3 && y.shape[0] == n && y.shape[1] == steps
            perSequence = head == .mse && y.shape.count == 2 && y.shape[0] == n
            if !perStep && !perSequence {
                report(yName, "has shape \(y.shapeDescription); the \(head.rawValue) head takes (\(n), \(steps), Y)\(head == .mse ? " or (\(n), Y)" : "") to match \(xName)")
            } else if head == .bernoulli && !(y.dtype.isFloatingPoint || y.dtype == .bool || y.dtype == .uint8) {
                report(yName, "has dtype \(y.dtype.numpyName); the bernoulli head takes 0/1 as float32, bool or uint8")
            } else if y.shape.last == 0 {
                report(yName, "has shape \(y.shapeDescription); expected at least one output unit")
            } else {
                values = y.floats()
                if let bad = values.firstIndex(where: { !$0.isFinite }) { report(yName, "element \(bad) is \(values[bad]); expected finite numbers") }
                else if head == .bernoulli, let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                    report(yName, "element \(bad) is \(values[bad]); the bernoulli head takes targets 0 or 1")
                }
            }
        }
        guard problems.count == problemsBefore else { return nil }
        return SequenceSplit(count: n, steps: steps, inputs: inputs, tokens: tokens, classes: classes, values: values,
                             perSequence: perSequence, lengths: lengths)
    }

    /// The widths every split must share: input width X (dense) or token inputs, target width Y.
    mutating func checkAgreement(_ splits: [(String, SequenceSplit, NumPyArray, NumPyArray)]) {
        guard let (_, first, x0, y0) = splits.first else { return }
        for (name, split, x, y) in splits.dropFirst() {
            if (split.tokens == nil) != (first.tokens == nil) {
                report("x_\(name)", "has dtype \(x.dtype.numpyName) but x_train has \(x0.dtype.numpyName); expected both float inputs or both token ids")
            } else if split.inputs != nil, x.shape[2] != x0.shape[2] {
                report("x_\(name)", "has \(x.shape[2]) input features per step but x_train has \(x0.shape[2])")
            }
            if head != .softmax, y.shape.last != y0.shape.last {
                report("y_\(name)", "has \(y.shape.last ?? 0) output units but y_train has \(y0.shape.last ?? 0)")
            }
            if split.perSequence != first.perSequence {
                report("y_\(name)", "has shape \(y.shapeDescription) but y_train is \(first.perSequence ? "per sequence" : "per step") \(y0.shapeDescription)")
            }
        }
    }
}
