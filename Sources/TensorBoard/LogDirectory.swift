// A TensorBoard log directory as runner lays it out:
//   DIR/<sweep>/events.out.tfevents.0000000000.experiment   the HParams experiment
//   DIR/<sweep>/<run name>/events.out.tfevents.<T>.<host>   one folder per run
// and the checks made before a sweep writes there: writable, and holding nothing but
// this sweep's own files unless the caller allows it.
import Foundation

public struct LogDirectory {
    public let root: URL
    /// DIR/<sweep>: the sweep's experiment file and run folders.
    public let sweepFolder: URL

    /// The experiment's file name: T = 0 sorts it before any other event file.
    static let experimentFileName = "events.out.tfevents.0000000000.experiment"

    /// A folder name for a sweep or run name: `/`, NUL and control characters become `_`,
    /// and a leading `.` too (so no name is hidden, `.` or `..`).
    /// PATH/<sweep>: where ``prepare(path:sweepName:allowOtherContent:mustNotHoldSweep:)`` puts a sweep's runs.
    public static func sweepFolder(in path: String, sweepName: String) -> URL {
        URL(fileURLWithPath: path).standardizedFileURL.appendingPathComponent(folderName(sweepName))
    }

    public static func folderName(_ name: String) -> String {
        var result = String(name.map { $0 == "/" || $0 == "\0" || $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) ? "_" : $0 })
        if result.hasPrefix(".") || result.isEmpty { result = "_" + result.dropFirst() }
        return result
    }

    /// Checks and creates DIR/<sweep>. Throws one message naming the folder when DIR cannot
    /// be created or written, when it holds anything but this sweep's folder and
    /// `allowOtherContent` is false, or when `mustNotHoldSweep` is true and the sweep's
    /// folder already holds event files (a sweep started anew would mix with them).
    public static func prepare(path: String, sweepName: String, allowOtherContent: Bool,
                               mustNotHoldSweep: Bool = false) throws -> LogDirectory {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        let sweepFolder = Self.sweepFolder(in: path, sweepName: sweepName)
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: root.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw TensorBoardError("--tensorboard \(path): is a file, not a folder")
        }
        do {
            try manager.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError("--tensorboard \(path): cannot create the folder (\(reason(error)))")
        }
        let probe = root.appendingPathComponent(".runner-write-check-\(getpid())")
        guard manager.createFile(atPath: probe.path, contents: Data()) else {
            throw TensorBoardError("--tensorboard \(path): cannot write in the folder (\(String(cString: strerror(errno))))")
        }
        try? manager.removeItem(at: probe)
        let others = ((try? manager.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { $0 != sweepFolder.lastPathComponent }.sorted()
        if !allowOtherContent, let first = others.first {
            throw TensorBoardError("--tensorboard \(path): holds other files than sweep \(sweepName)'s (\(first)\(others.count > 1 ? " and \(others.count - 1) more" : "")); choose a new or empty folder, or pass --tensorboard-append to add this sweep beside them")
        }
        if mustNotHoldSweep, !((try? manager.contentsOfDirectory(atPath: sweepFolder.path)) ?? []).isEmpty {
            throw TensorBoardError("--tensorboard \(path): \(sweepFolder.lastPathComponent)/ already holds event files of sweep \(sweepName); with --fresh, remove that folder or choose another --tensorboard folder")
        }
        do {
            try manager.createDirectory(at: sweepFolder, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError("--tensorboard \(path): cannot create \(sweepFolder.path) (\(reason(error)))")
        }
        return LogDirectory(root: root, sweepFolder: sweepFolder)
    }

    private static func reason(_ error: Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    /// The run folder DIR/<sweep>/<run name>.
    public func runLog(named name: String) throws -> RunLog {
        try RunLog(directory: sweepFolder.appendingPathComponent(LogDirectory.folderName(name)))
    }

    /// Writes the sweep's experiment, merged with the one already there (so runs written
    /// under an earlier, smaller grid stay inside its domains). TensorBoard keeps the first
    /// summary of a tag it reads, so the experiment lives alone in its own file, replaced
    /// as a whole (written beside it, then renamed) when it changes. Returns the
    /// experiment now in the file.
    @discardableResult
    public func writeExperiment(_ experiment: ExperimentDescription) throws -> ExperimentDescription {
        let url = sweepFolder.appendingPathComponent(LogDirectory.experimentFileName)
        var merged = experiment
        if FileManager.default.fileExists(atPath: url.path) {
            if let existing = try readExperiment() {
                merged = existing.merged(with: experiment)
                if merged == existing { return existing }
            }
        }
        let temporary = sweepFolder.appendingPathComponent(".experiment-\(getpid()).tmp")
        var bytes = TFRecord.frame(try Summaries.fileVersionEvent(wallTime: merged.createdAt).serializedBytes())
        bytes.append(TFRecord.frame(try Summaries.experimentEvent(merged).serializedBytes()))
        do {
            try bytes.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw TensorBoardError(String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw TensorBoardError("cannot write \(url.path): \(error)")
        }
        return merged
    }

    /// The experiment in DIR/<sweep>, if one was written.
    public func readExperiment() throws -> ExperimentDescription? {
        let url = sweepFolder.appendingPathComponent(LogDirectory.experimentFileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let records: [Data]
        do {
            records = try TFRecord.records(in: try Data(contentsOf: url))
        } catch {
            throw TensorBoardError("\(url.path): not a readable event file (\(error))")
        }
        for record in records {
            let event = try Tensorflow_Event(serializedBytes: record)
            for value in event.summary.value where value.tag == Summaries.experimentTag {
                let data = try Tensorboard_Hparams_HParamsPluginData(serializedBytes: value.metadata.pluginData.content)
                return Summaries.description(data.experiment)
            }
        }
        return nil
    }
}
