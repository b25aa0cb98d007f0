// Event files on disk: writing one (a new file per writer, named so that a folder's
// files sort in the order they were written, as TensorBoard reads them) and reading
// back every event of a folder.
import Foundation
import SwiftProtobuf

public struct TensorBoardError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An event file open for appending. Each record is written at once (no buffering), so
/// a running TensorBoard sees an epoch as soon as it is recorded.
final class EventFileWriter {
    let url: URL
    private let handle: FileHandle

    /// TensorBoard reads a run folder's event files in name order and ignores files that
    /// sort before the one it is reading; names are `events.out.tfevents.<T>.<host>` with
    /// T, ten digits, one more than the largest T already in the folder if the clock is
    /// not past it, so the newest file always sorts last.
    static func create(in directory: URL, wallTime: Double) throws -> EventFileWriter {
        let existing = EventFiles.names(in: directory).compactMap(EventFiles.timestamp)
        var stamp = max(Int(wallTime), (existing.max() ?? -1) + 1)
        let host = ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        while true {
            let url = directory.appendingPathComponent(String(format: "events.out.tfevents.%010d.%@", stamp, String(host)))
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                let writer = EventFileWriter(url: url, handle: FileHandle(fileDescriptor: fd, closeOnDealloc: true))
                try writer.append(Summaries.fileVersionEvent(wallTime: wallTime))
                return writer
            }
            guard errno == EEXIST else {
                throw TensorBoardError("cannot create an event file in \(directory.path): \(String(cString: strerror(errno)))")
            }
            stamp += 1
        }
    }

    private init(url: URL, handle: FileHandle) {
        self.url = url
        self.handle = handle
    }

    func append(_ event: Tensorflow_Event) throws {
        do {
            try handle.write(contentsOf: TFRecord.frame(try event.serializedBytes()))
        } catch {
            throw TensorBoardError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    func close() { try? handle.close() }
}

enum EventFiles {
    /// The event files of a folder (names holding "tfevents", as TensorBoard picks them), sorted.
    static func names(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.contains("tfevents") && !$0.hasPrefix(".") }.sorted()
    }

    /// T of `events.out.tfevents.<T>.…`.
    static func timestamp(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 4, parts[2] == "tfevents" else { return nil }
        return Int(parts[3])
    }

    /// Every event of a folder's event files, in file order. A record cut short at the end
    /// of a file (its writer was killed) is left out; a corrupt record is an error naming the file.
    static func events(in directory: URL) throws -> [Tensorflow_Event] {
        var events: [Tensorflow_Event] = []
        for name in names(in: directory) {
            let url = directory.appendingPathComponent(name)
            do {
                for record in try TFRecord.records(in: try Data(contentsOf: url)) {
                    events.append(try Tensorflow_Event(serializedBytes: record))
                }
            } catch {
                throw TensorBoardError("\(url.path): not a readable event file (\(error))")
            }
        }
        return events
    }
}
