// The `sequences` task block: which fields it takes, and reading its data set
// (every problem with the data is one line naming the file, array and problem).
import Foundation
import JSON

extension TaskFactory {
    /// | field | default | rule |
    /// |---|---|---|
    /// | path | required | a .npz archive or a folder of .npy files, relative to the spec's folder |
    /// | head | required | softmax, bernoulli or mse |
    /// | vocab_size | max token id + 1 | integer ≥ 1; only for integer token inputs |
    /// | classes | max label + 1 | integer ≥ 1; only for the softmax head |
    /// | val_fraction | 0.1 | number in (0, 1); used only without x_val/y_val |
    /// | data_seed | 0 | integer ≥ 0; chooses the validation sequences without x_val |
    /// | stateful, bptt | false, none | `"stateful": true` needs `"bptt": K` (integer ≥ 1) |
    static func parseSequences(_ reader: inout ParameterReader, specDirectory: URL) -> SequencesTask? {
        let path = reader.path("path", expected: "a path to a .npz file or a folder of .npy files")
        let headName = reader.string("head", default: nil, expected: "one of \(SequenceHead.allCases.map(\.rawValue).joined(separator: ", "))")
        var head: SequenceHead?
        if let headName {
            head = SequenceHead(rawValue: headName)
            if head == nil { reader.report("head", .string(headName), expected: "one of \(SequenceHead.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
        let vocabSize = reader.optionalInteger("vocab_size", minimum: 1)
        let classes = reader.optionalInteger("classes", minimum: 1)
        let valFraction = reader.number("val_fraction", default: 0.1, openRange: (0, 1))
        let dataSeed = reader.integer("data_seed", default: 0, minimum: 0)
        let stateful = reader.boolean("stateful", default: false)
        let bptt = reader.optionalInteger("bptt", minimum: 1)
        if stateful == true && bptt == nil && reader.parameters["bptt"] == nil {
            reader.report(field: "bptt", "missing (\"stateful\": true needs \"bptt\": K, the window length in steps)")
        }
        if stateful == false && bptt != nil {
            reader.report(field: "bptt", "needs \"stateful\": true")
        }
        if head != nil, head != .softmax, reader.parameters["classes"] != nil {
            reader.report(field: "classes", "applies to the softmax head only")
        }
        guard let path, let head, let valFraction, let dataSeed, stateful != nil else { return nil }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : specDirectory.appendingPathComponent(path).standardizedFileURL
        do {
            return try SequencesTask(url: url, shownAs: TextCorpus.ReadError.shown(path), head: head, vocabSize: vocabSize, classes: classes,
                                     valFraction: valFraction, dataSeed: UInt64(dataSeed),
                                     bpttWindow: stateful == true ? bptt : nil)
        } catch let error as SequenceDataError {
            for line in error.problems { reader.report(field: "path", line) }
        } catch {
            reader.report(field: "path", "\(TextCorpus.ReadError.shown(path)): \(error)")
        }
        return nil
    }
}

extension ParameterReader {
    /// An integer field ≥ `minimum` that may be absent (nil then).
    mutating func optionalInteger(_ field: String, minimum: Int) -> Int? {
        parameters[field] == nil ? (noteKnown(field), nil).1 : integer(field, default: nil, minimum: minimum)
    }

    /// A boolean field.
    mutating func boolean(_ field: String, default defaultValue: Bool) -> Bool? {
        noteKnown(field)
        guard let value = parameters[field] else { return defaultValue }
        guard case .bool(let flag) = value else {
            report(field, value, expected: "true or false")
            return nil
        }
        return flag
    }
}
