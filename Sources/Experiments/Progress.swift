// Progress of a sweep: on a terminal, an overall bar with ETA and one line per
// running run, redrawn in place; otherwise one log line per finished epoch.
// Everything goes to standard error, so standard output carries the report.

import Foundation

public protocol ProgressSink: AnyObject, Sendable {
    func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int)
    func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int)
    func epochFinished(runId: Int64, label: String, result: EpochResult, epochs: Int)
    func runEnded(runId: Int64, label: String, status: String, detail: String?)
    func message(_ text: String)
    func sweepEnded()
}

/// Writes one line to standard error.
func writeStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
}

/// Plain log lines, for pipes, files and CI.
public final class LogProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    public init() {}
    public func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {
        log("sweep: \(runs) runs to do, \(doneEpochs)/\(totalEpochs) epochs already recorded")
    }
    public func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {
        log("run \(runId) \(label): " + (fromEpoch > 1 ? "resuming at epoch \(fromEpoch)/\(epochs)" : "started"))
    }
    public func epochFinished(runId: Int64, label: String, result r: EpochResult, epochs: Int) {
        var details = r.valDetails.keys.sorted().map { String(format: " %@ %.4f", $0, r.valDetails[$0]!) }.joined()
        if let testLoss = r.testLoss, let testMetric = r.testMetric {
            details += String(format: " test_loss %.4f test_metric %.4f", testLoss, testMetric)
        }
        log(String(format: "run %lld %@ epoch %d/%d train_loss %.4f val_loss %.4f val_metric %.4f%@ %.1fs %.0f tok/s",
                   runId, label, r.epoch, epochs, r.trainLoss, r.valLoss, r.valMetric, details, r.seconds, r.tokensPerSecond))
    }
    public func runEnded(runId: Int64, label: String, status: String, detail: String?) {
        log("run \(runId) \(label): \(status)" + (detail.map { " (\($0))" } ?? ""))
    }
    public func message(_ text: String) { log(text) }
    public func sweepEnded() {}
    private func log(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        writeStandardError(text)
    }
}

/// A live display for terminals: overall bar with ETA, then a line per running run.
public final class TerminalProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0, done = 0, doneAtStart = 0
    private var start = Date()
    private var active: [(id: Int64, line: String)] = []
    private var drawnLines = 0
    private var lastDraw = Date.distantPast

    public init() {}

    public func sweepStarted(totalEpochs: Int, doneEpochs: Int, runs: Int) {
        locked {
            total = totalEpochs; done = doneEpochs; doneAtStart = doneEpochs; start = Date()
            draw(force: true)
        }
    }
    public func runStarted(runId: Int64, label: String, fromEpoch: Int, epochs: Int) {
        locked {
            active.append((runId, "run \(runId) \(label): epoch \(fromEpoch)/\(epochs) ..."))
            draw(force: true)
        }
    }
    public func epochFinished(runId: Int64, label: String, result r: EpochResult, epochs: Int) {
        locked {
            done += 1
            if let i = active.firstIndex(where: { $0.id == runId }) {
                active[i].line = String(format: "run %lld %@: epoch %d/%d  loss %.4f  val %.4f  metric %.4f",
                                        runId, label, r.epoch, epochs, r.trainLoss, r.valLoss, r.valMetric)
            }
            draw(force: false)
        }
    }
    public func runEnded(runId: Int64, label: String, status: String, detail: String?) {
        locked {
            active.removeAll { $0.id == runId }
            if status != "finished" { printAbove("run \(runId) \(label): \(status)" + (detail.map { " (\($0))" } ?? "")) }
            draw(force: true)
        }
    }
    public func message(_ text: String) { locked { printAbove(text); draw(force: true) } }
    public func sweepEnded() { locked { clear() } }

    private func locked(_ body: () -> Void) { lock.lock(); body(); lock.unlock() }

    private func clear() {
        // \r first: a ^C echoed by the terminal may have moved the cursor off column 0.
        if drawnLines > 0 { try? FileHandle.standardError.write(contentsOf: Data("\r\u{1B}[\(drawnLines)A\u{1B}[J".utf8)) }
        drawnLines = 0
    }

    private func printAbove(_ text: String) {
        clear()
        writeStandardError(text)
    }

    private func draw(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        clear()
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done - doneAtStart) / max(elapsed, 1e-9)
        let eta = rate > 0 ? formatDuration(Double(total - done) / rate) : "--"
        var lines = [String(format: "[%@] %ld/%ld epochs  %3.0f%%  elapsed %@  ETA %@", bar, done, total,
                            fraction * 100, formatDuration(elapsed), eta)]
        lines += active.map { "  " + $0.line }
        try? FileHandle.standardError.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        drawnLines = lines.count
    }
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
