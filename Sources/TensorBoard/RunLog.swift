// One run's folder of event files: its scalars step by step and its HParams session.
// Opening it reads what earlier writers left there, so a resumed or re-exported run
// only appends steps after the last one already written and never repeats its session.
import Foundation

public final class RunLog {
    public let directory: URL
    /// The highest step with scalars in the folder's files (0: none yet).
    public private(set) var lastStep: Int64 = 0
    public private(set) var hasSessionStart = false
    public private(set) var hasSessionEnd = false
    private var writer: EventFileWriter?

    /// Opens (creating it if needed) a run folder and reads its existing event files.
    public init(directory: URL) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError("cannot create \(directory.path): \(error.localizedDescription)")
        }
        for event in try EventFiles.events(in: directory) {
            for value in event.summary.value {
                switch value.tag {
                case Summaries.sessionStartTag: hasSessionStart = true
                case Summaries.sessionEndTag: hasSessionEnd = true
                default: if case .simpleValue? = value.value { lastStep = max(lastStep, event.step) }
                }
            }
        }
    }

    deinit { writer?.close() }

    private func append(_ event: Tensorflow_Event) throws {
        if writer == nil { writer = try EventFileWriter.create(in: directory, wallTime: event.wallTime) }
        try writer!.append(event)
    }

    /// The session's hyperparameter values, written once per run folder.
    public func writeSessionStart(hparams: [String: HParamValue], startTime: Double) throws {
        guard !hasSessionStart else { return }
        try append(try Summaries.sessionStartEvent(hparams: hparams, startTime: startTime))
        hasSessionStart = true
    }

    /// The scalars of one step. A step not after ``lastStep`` is already in the files and
    /// is skipped; returns whether it was written.
    @discardableResult
    public func writeScalars(step: Int64, wallTime: Double, values: [(tag: String, value: Double)]) throws -> Bool {
        guard step > lastStep, !values.isEmpty else { return false }
        try append(Summaries.scalarsEvent(step: step, wallTime: wallTime, values: values))
        lastStep = step
        return true
    }

    /// How the run ended, written once per run folder (TensorBoard keeps the first).
    public func writeSessionEnd(status: SessionStatus, endTime: Double) throws {
        guard !hasSessionEnd else { return }
        try append(try Summaries.sessionEndEvent(status: status, endTime: endTime, step: lastStep))
        hasSessionEnd = true
    }

    public func close() {
        writer?.close()
        writer = nil
    }
}
