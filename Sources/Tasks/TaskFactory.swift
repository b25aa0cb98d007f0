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
/// | adding, copy, reber | test_size | val_size | integer ≥ 0 (0: no test split); drawn from its own stream of data_seed |
/// | reber | max_length | 40 | integer ≥ 9 (longer strings are redrawn) |
/// | adding, copy, reber | data_seed | 0 | integer ≥ 0 |
/// | charlm | path | required | file or folder, relative to the spec's folder |
/// | charlm | val_fraction | 0.1 | number in (0, 1) |
/// | charlm | seq_len | 64 | integer ≥ 1, below the training characters |
/// | charlm | max_chars | all | integer ≥ 2: use only the first max_chars characters |
/// | charlm | test_fraction | 0 (no test) | number in [0, 1): the text's last part, after validation |
/// | charlm | stateful | false | true: B contiguous streams, state carried between windows |
/// | charlm | data_seed | 0 | integer ≥ 0; accepted for uniform specs, unused (the text is the data) |
/// | sequences | see `parseSequences` | | |
///
/// A `name` field in the parameters is ignored (the spec's task block carries it).
/// Generated tasks hold their data in memory: (train_size + val_size + test_size) × steps per
/// sequence may be at most `maxGeneratedSteps`.
public enum TaskFactory {
    public static let knownTasks = ["adding", "copy", "reber", "charlm", "sequences"]
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
        case .adding(let length, let trainSize, let valSize, let testSize, let dataSeed):
            return AddingTask(length: length, trainSize: trainSize, valSize: valSize, testSize: testSize, dataSeed: dataSeed)
        case .copy(let length, let trainSize, let valSize, let testSize, let dataSeed):
            return CopyMemoryTask(length: length, trainSize: trainSize, valSize: valSize, testSize: testSize, dataSeed: dataSeed)
        case .reber(let trainSize, let valSize, let testSize, let maxLength, let dataSeed):
            return EmbeddedReberTask(trainSize: trainSize, valSize: valSize, testSize: testSize, maxLength: maxLength, dataSeed: dataSeed)
        case .charlm(let task):
            return task
        case .sequences(let task):
            return task
        }
    }

    /// A task block whose fields all passed.
    enum Definition {
        case adding(length: Int, trainSize: Int, valSize: Int, testSize: Int, dataSeed: UInt64)
        case copy(length: Int, trainSize: Int, valSize: Int, testSize: Int, dataSeed: UInt64)
        case reber(trainSize: Int, valSize: Int, testSize: Int, maxLength: Int, dataSeed: UInt64)
        case charlm(CharLMTask)
        case sequences(SequencesTask)
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
            let testSize = reader.integer("test_size", default: valSize ?? 1000, minimum: 0)
            let dataSeed = reader.integer("data_seed", default: 0, minimum: 0)
            if let length, let trainSize, let valSize, let testSize, let dataSeed,
               reader.checkGeneratedSteps(sequences: trainSize + valSize + testSize, steps: name == "adding" ? length : length + 20) {
                definition = name == "adding"
                    ? .adding(length: length, trainSize: trainSize, valSize: valSize, testSize: testSize, dataSeed: UInt64(dataSeed))
                    : .copy(length: length, trainSize: trainSize, valSize: valSize, testSize: testSize, dataSeed: UInt64(dataSeed))
            }
        case "reber":
            let trainSize = reader.integer("train_size", default: 5000, minimum: 1)
            let valSize = reader.integer("val_size", default: 500, minimum: 1)
            let testSize = reader.integer("test_size", default: valSize ?? 500, minimum: 0)
            let maxLength = reader.integer("max_length", default: 40, minimum: EmbeddedReberGrammar.minimumLength)
            let dataSeed = reader.integer("data_seed", default: 0, minimum: 0)
            if let trainSize, let valSize, let testSize, let maxLength, let dataSeed,
               reader.checkGeneratedSteps(sequences: trainSize + valSize + testSize, steps: maxLength) {
                definition = .reber(trainSize: trainSize, valSize: valSize, testSize: testSize, maxLength: maxLength, dataSeed: UInt64(dataSeed))
            }
        case "charlm":
            let path = reader.path("path", expected: "a path to a UTF-8 text file or folder")
            let valFraction = reader.number("val_fraction", default: 0.1, openRange: (0, 1))
            let seqLen = reader.integer("seq_len", default: 64, minimum: 1)
            let maxChars = reader.integer("max_chars", default: Int.max, minimum: 2)  // Int.max: the whole text
            // 0 (the default): no test split.
            let testFraction = reader.number("test_fraction", default: 0, from: 0, below: 1)
            let stateful = reader.boolean("stateful", default: false)
            if let valFraction, let testFraction, valFraction + testFraction >= 1 {
                reader.report(field: "test_fraction", "val_fraction \(valFraction) + test_fraction \(testFraction) leave no text to train on; expected a sum below 1")
            }
            _ = reader.integer("data_seed", default: 0, minimum: 0)
            if let path {
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                    : specDirectory.appendingPathComponent(path).standardizedFileURL
                do {
                    let corpus = try TextCorpus(path: url)
                    if let valFraction, let seqLen, let maxChars, let testFraction, let stateful, valFraction + testFraction < 1 {
                        do {
                            definition = .charlm(try CharLMTask(text: corpus.text, valFraction: valFraction, seqLen: seqLen,
                                                                maxCharacters: maxChars, testFraction: testFraction, stateful: stateful))
                        } catch let error as CharLMTask.SizeError {
                            reader.report(field: "seq_len", error.description)
                        } catch {
                            reader.report("\(error)")
                        }
                    }
                } catch {
                    reader.report(field: "path", "cannot read \(shortJSON(.string(path))): \(error)")
                }
            }
        case "sequences":
            definition = parseSequences(&reader, specDirectory: specDirectory).map(Definition.sequences)
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
        report("train_size + val_size + test_size = \(sequences) sequences of up to \(steps) steps make "
               + "\(overflow ? "too many" : String(total)) steps; expected at most \(TaskFactory.maxGeneratedSteps)")
        return false
    }
}
