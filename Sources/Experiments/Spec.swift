// An experiment spec: parsed from JSON (SpecReader.swift) into typed values and fully
// validated before anything runs, every problem reported on its own line.
import Foundation
import SequenceModels
import JSON
import Tasks

/// One grid axis: a run field and the values it takes (the runs are the Cartesian product).
public struct GridAxis: Sendable, Equatable {
    public var field: RunField
    public var values: [RunFieldValue]
}

/// How a random-search field is drawn.
public enum Distribution: Sendable, Equatable {
    /// exp of a uniform draw in [log low, log high): for learning rates.
    case logUniform(low: Double, high: Double)
    /// Uniform in [low, high).
    case uniform(low: Double, high: Double)
    /// Uniform integer in low...high (both included).
    case intUniform(low: Int, high: Int)
    /// One of the listed values, each equally likely.
    case choice([RunFieldValue])

    /// The spec's name of the distribution.
    public static let names = ["log_uniform", "uniform", "int_uniform", "choice"]
}

/// A sampled field of a random search.
public struct RandomField: Sendable, Equatable {
    public var field: RunField
    public var distribution: Distribution
}

/// The `random` block: `samples` configurations drawn from `searchSeed`.
public struct RandomSearch: Sendable, Equatable {
    public var samples: Int
    /// Seed of the draws (default 0).
    public var searchSeed: UInt64
    /// Sampled fields, in ``RunField`` order (the order of the draws).
    public var fields: [RandomField]
    /// How the points are drawn: pseudo-random (default) or scrambled Sobol.
    public var sampler: Sampler = .random

    /// `random.sampler`.
    public enum Sampler: String, Sendable, Equatable, CaseIterable {
        /// Independent draws from a ``Xoshiro256`` seeded with `search_seed`.
        case random
        /// A scrambled Sobol sequence (``SobolSequence``), scrambled from `search_seed`.
        case sobol
    }
}

/// A validated experiment spec.
///
/// Layout of the JSON: `name` (required, non-empty string), `task` (required object with a
/// `name` string; other keys are the task's parameters), `train` (optional object of run
/// fields: the defaults of every run), `grid` (optional object of run fields to non-empty
/// lists), `random` (optional: `samples`, `search_seed`, `sampler`, and run fields to
/// distributions), `halving` (optional: `min_epochs`, `eta`, `monitor`; see ``HalvingRule``).
/// A field may be in `train` and in `grid` or `random` (which override it), but not in both
/// `grid` and `random`. With `random`, each sample is combined with every grid combination.
public struct Spec: Sendable, Equatable {
    public var name: String
    public var task: TaskSpec
    /// Built-in defaults (``RunConfig/defaults(task:)``) overridden by `train`, with the task.
    public var base: RunConfig
    /// Grid axes in ``RunField`` order (first axis varies slowest).
    public var grid: [GridAxis]
    public var random: RandomSearch?
    /// Successive halving across the sweep (`halving`), nil when absent.
    public var halving: HalvingRule?
    /// The spec text as given (stored in `sweeps.spec_json`).
    public var sourceJSON: String

    /// Checks a task's name and parameters; returns one problem per bad field, each at its
    /// path, e.g. `task.length: expected an integer ≥ 2, got 0`.
    public typealias TaskValidator = (_ taskName: String, _ parameters: [String: JSONValue]) -> [TaskProblem]

    public static let topLevelFields = ["name", "task", "train", "grid", "random", "halving"]
    /// The longest sweep name, in UTF-8 bytes: it becomes a folder name (TensorBoard, Slurm),
    /// and file systems allow 255 bytes per name.
    public static let maxNameBytes = 200
    static let randomSettings = ["samples", "search_seed", "sampler"]

    /// Reads and parses the spec file at `path`. A file that cannot be read is one problem.
    public static func load(path: String, taskValidator: TaskValidator = { _, _ in [] }) throws -> Spec {
        let text: String
        switch readText(path) {
        case .success(let read): text = read
        case .failure(let reason):
            throw SpecError(file: path, problems: [SpecProblem(path: "spec", message: "cannot read the spec file (\(reason.text))")])
        }
        return try parse(text, file: path, taskValidator: taskValidator)
    }

    /// A spec is a small JSON file: reading stops beyond this many bytes (`/dev/zero` ends).
    static let maxSpecBytes = 64 << 20

    struct ReadFailure: Error { let text: String }

    /// The file's text, or why it cannot be had: the system's reason (no such file, permission
    /// denied), a folder, empty, too large or not UTF-8. Pipes and /dev/stdin are read too.
    static func readText(_ path: String) -> Result<String, ReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(ReadFailure(text: errno == ENOENT ? "no such file" : String(cString: strerror(errno)).lowercased()))
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return .failure(ReadFailure(text: "it is a folder")) }
        var data = Data()
        while data.count <= maxSpecBytes {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch {
                return .failure(ReadFailure(text: SystemErrorReason.of(error).lowercased()))
            }
            guard let chunk, !chunk.isEmpty else { break }   // nil or empty: the end of the file
            data.append(chunk)
        }
        if data.count > maxSpecBytes { return .failure(ReadFailure(text: "larger than \(maxSpecBytes >> 20) MB; a spec is a small JSON file")) }
        if data.isEmpty { return .failure(ReadFailure(text: "the file is empty")) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(ReadFailure(text: "not UTF-8 text")) }
        return .success(text)
    }

    /// Parses and validates spec JSON. Throws a ``SpecError`` listing every problem found.
    public static func parse(_ text: String, file: String? = nil,
                             taskValidator: TaskValidator = { _, _ in [] }) throws -> Spec {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch let error as JSONSyntaxError {
            throw SpecError(file: file, problems: [SpecProblem(path: "line \(error.line), column \(error.column)",
                                                               message: "malformed JSON: \(error.message)")])
        }
        var reader = SpecReader()
        let spec = reader.read(root, sourceJSON: text, taskValidator: taskValidator)
        if let spec, reader.problems.isEmpty { return spec }
        throw SpecError(file: file, problems: reader.problems)
    }
}
