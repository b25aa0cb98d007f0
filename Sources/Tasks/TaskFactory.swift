// Turning a spec's task block (name + parameters) into a task, or into one
// problem line per bad field.
import Foundation
import JSON

/// The fields each task accepts (all numbers are JSON numbers):
///
/// | task | field | default | rule |
/// |---|---|---|---|
/// | adding | length | required | integer ≥ 2 |
/// | copy | length | required | integer ≥ 1 (the delay T; sequences have T+20 steps) |
/// | adding, copy | train_size, val_size | 10000, 1000 | integer ≥ 1 (sequences) |
/// | reber | train_size, val_size | 5000, 500 | integer ≥ 1 (strings) |
/// | reber | max_length | 40 | integer ≥ 9 (longer strings are redrawn) |
/// | adding, copy, reber | data_seed | 0 | integer ≥ 0 |
/// | charlm | path | required | file or folder, relative to the spec's folder |
/// | charlm | val_fraction | 0.1 | number in (0, 1) |
/// | charlm | seq_len | 64 | integer ≥ 1, below the training characters |
/// | charlm | max_chars | all | integer ≥ 2: use only the first max_chars characters |
/// | charlm | data_seed | 0 | integer ≥ 0; accepted for uniform specs, unused (the text is the data) |
///
/// A `name` field in the parameters is ignored (the spec's task block carries it).
/// Generated tasks hold their data in memory: (train_size + val_size) × steps per
/// sequence may be at most `maxGeneratedSteps`.
public enum TaskFactory {
    public static let knownTasks = ["adding", "copy", "reber", "charlm"]
    public static let maxGeneratedSteps = 100_000_000

    /// One problem per bad field of the task block; empty when `make` will succeed.
    public static func validate(name: String, parameters: [String: JSONValue], specDirectory: URL) -> [TaskProblem] {
        parse(name: name, parameters: parameters, specDirectory: specDirectory).problems
    }

    /// The task of a spec's task block; throws `TaskParameterError` listing every problem.
    public static func make(name: String, parameters: [String: JSONValue], specDirectory: URL) throws -> any SequenceTask {
        let parsed = parse(name: name, parameters: parameters, specDirectory: specDirectory)
        guard let definition = parsed.definition, parsed.problems.isEmpty else {
            throw TaskParameterError(problems: parsed.problems)
        }
        switch definition {
        case .adding(let length, let trainSize, let valSize, let dataSeed):
            return AddingTask(length: length, trainSize: trainSize, valSize: valSize, dataSeed: dataSeed)
        case .copy(let length, let trainSize, let valSize, let dataSeed):
            return CopyMemoryTask(length: length, trainSize: trainSize, valSize: valSize, dataSeed: dataSeed)
        case .reber(let trainSize, let valSize, let maxLength, let dataSeed):
            return EmbeddedReberTask(trainSize: trainSize, valSize: valSize, maxLength: maxLength, dataSeed: dataSeed)
        case .charlm(let task):
            return task
        }
    }

    /// A task block whose fields all passed.
    enum Definition {
        case adding(length: Int, trainSize: Int, valSize: Int, dataSeed: UInt64)
        case copy(length: Int, trainSize: Int, valSize: Int, dataSeed: UInt64)
        case reber(trainSize: Int, valSize: Int, maxLength: Int, dataSeed: UInt64)
        case charlm(CharLMTask)
    }

    static func parse(name: String, parameters: [String: JSONValue], specDirectory: URL)
        -> (definition: Definition?, problems: [TaskProblem]) {
        var reader = ParameterReader(task: name, parameters: parameters)
        var definition: Definition?
        switch name {
        case "adding", "copy":
            let length = reader.integer("length", default: nil, minimum: name == "adding" ? 2 : 1)
            let trainSize = reader.integer("train_size", default: 10000, minimum: 1)
            let valSize = reader.integer("val_size", default: 1000, minimum: 1)
            let dataSeed = reader.integer("data_seed", default: 0, minimum: 0)
            if let length, let trainSize, let valSize, let dataSeed,
               reader.checkGeneratedSteps(sequences: trainSize + valSize, steps: name == "adding" ? length : length + 20) {
                definition = name == "adding"
                    ? .adding(length: length, trainSize: trainSize, valSize: valSize, dataSeed: UInt64(dataSeed))
                    : .copy(length: length, trainSize: trainSize, valSize: valSize, dataSeed: UInt64(dataSeed))
            }
        case "reber":
            let trainSize = reader.integer("train_size", default: 5000, minimum: 1)
            let valSize = reader.integer("val_size", default: 500, minimum: 1)
            let maxLength = reader.integer("max_length", default: 40, minimum: EmbeddedReberGrammar.minimumLength)
            let dataSeed = reader.integer("data_seed", default: 0, minimum: 0)
            if let trainSize, let valSize, let maxLength, let dataSeed,
               reader.checkGeneratedSteps(sequences: trainSize + valSize, steps: maxLength) {
                definition = .reber(trainSize: trainSize, valSize: valSize, maxLength: maxLength, dataSeed: UInt64(dataSeed))
            }
        case "charlm":
            let path = reader.string("path", default: nil, expected: "a path to a UTF-8 text file or folder")
            let valFraction = reader.number("val_fraction", default: 0.1, openRange: (0, 1))
            let seqLen = reader.integer("seq_len", default: 64, minimum: 1)
            let maxChars = reader.integer("max_chars", default: Int.max, minimum: 2)  // Int.max: the whole text
            _ = reader.integer("data_seed", default: 0, minimum: 0)
            if let path {
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                    : specDirectory.appendingPathComponent(path).standardizedFileURL
                do {
                    let corpus = try TextCorpus(path: url)
                    if let valFraction, let seqLen, let maxChars {
                        do {
                            definition = .charlm(try CharLMTask(text: corpus.text, valFraction: valFraction, seqLen: seqLen,
                                                                maxCharacters: maxChars))
                        } catch let error as CharLMTask.SizeError {
                            reader.report(field: "seq_len", error.description)
                        } catch {
                            reader.report("\(error)")
                        }
                    }
                } catch {
                    reader.report(field: "path", "cannot read \"\(path)\": \(error)")
                }
            }
        default:
            let hint = closestName(to: name, among: knownTasks).map { "; did you mean '\($0)'?" } ?? ""
            return (nil, [TaskProblem(path: "task.name", message: "unknown task \(shortJSON(.string(name))) (expected one of \(knownTasks.joined(separator: ", "))\(hint))")])
        }
        reader.reportUnknownFields()
        return (definition, reader.problems)
    }
}

extension ParameterReader {
    /// Refuses data too large to hold in memory; true when the size is fine.
    mutating func checkGeneratedSteps(sequences: Int, steps: Int) -> Bool {
        let (total, overflow) = sequences.multipliedReportingOverflow(by: steps)
        guard overflow || total > TaskFactory.maxGeneratedSteps else { return true }
        report("train_size + val_size = \(sequences) sequences of up to \(steps) steps make "
               + "\(overflow ? "too many" : String(total)) steps; expected at most \(TaskFactory.maxGeneratedSteps)")
        return false
    }
}
