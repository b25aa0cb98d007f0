// The table of runs that `runner sweep --dry-run` prints: one row per run, columns as
// `String(format: "%5d  %@  %@  %6d  %-10.6g  %4ld  %5d  %6d  %@  %6ld", ...)` writes them,
// then the run's other settings (layers, dropout, ...) where any run of the plan has some.
// The integer and text columns are padded by hand and each distinct learning rate is
// formatted once: `String(format:)` per row cost a quarter of a large plan's dry-run.
import Foundation

public enum PlanTable {
    /// The header line above the rows.
    public static let header = "index  hash          cell  hidden  lr          seed  batch  epochs  optimizer  params"

    /// The header above the rows of `entries`: with a `settings` column (layers, dropout,
    /// weight decay, schedule: ``RunConfig/settingsText``) when some run has any.
    public static func header(for entries: [PlanEntry]) -> String {
        hasSettings(entries) ? header + "  settings" : header
    }

    static func hasSettings(_ entries: [PlanEntry]) -> Bool {
        entries.contains { !$0.config.settingsText(withOptimizer: false).isEmpty }
    }

    /// The rows of `entries` (with their parameter counts), each ending in a newline, handed
    /// to `write` a few hundred rows at a time.
    public static func write(_ entries: [PlanEntry], parameterCounts: [Int], to write: (String) -> Void) {
        precondition(entries.count == parameterCounts.count, "one parameter count per entry")
        var learningRates = LearningRateColumn()
        var chunk = ""
        let settings = hasSettings(entries)
        for (entry, count) in zip(entries, parameterCounts) {
            appendRow(entry, parameterCount: count, learningRate: learningRates.text(entry.config.lr), to: &chunk)
            if settings {
                let text = entry.config.settingsText(withOptimizer: false)
                if !text.isEmpty { chunk.append("  "); chunk.append(text) }
            }
            chunk.append("\n")
            if chunk.utf8.count >= 1 << 15 {
                write(chunk)
                chunk = ""
            }
        }
        if !chunk.isEmpty { write(chunk) }
    }

    /// One row without its newline.
    public static func row(_ entry: PlanEntry, parameterCount: Int) -> String {
        var text = ""
        appendRow(entry, parameterCount: parameterCount, learningRate: LearningRateColumn.format(entry.config.lr), to: &text)
        return text
    }

    private static func appendRow(_ entry: PlanEntry, parameterCount: Int, learningRate: String, to text: inout String) {
        let c = entry.config
        appendRight(entry.index, width: 5, to: &text)
        text.append("  ")
        text.append(contentsOf: entry.configHash.prefix(12))
        text.append("  ")
        appendLeft(c.cell.rawValue, width: 4, to: &text)
        text.append("  ")
        appendRight(c.hidden, width: 6, to: &text)
        text.append("  ")
        text.append(learningRate)
        text.append("  ")
        appendRight(c.seed, width: 4, to: &text)
        text.append("  ")
        appendRight(c.batch, width: 5, to: &text)
        text.append("  ")
        appendRight(c.epochs, width: 6, to: &text)
        text.append("  ")
        appendLeft(c.optimizer.rawValue, width: 9, to: &text)
        text.append("  ")
        appendRight(parameterCount, width: 6, to: &text)
    }

    /// `%Nd` / `%Nld`: the decimal number right-aligned in `width` columns (wider when longer).
    private static func appendRight(_ number: Int, width: Int, to text: inout String) {
        let digits = String(number)
        let pad = width - digits.utf8.count
        if pad > 0 { text.append(String(repeating: " ", count: pad)) }
        text.append(digits)
    }

    /// `%-Ns`: a name shorter than `width` filled with spaces; a longer one whole (wider
    /// than its column, like a longer number: `gru_reset_after` is not cut to `gru_`).
    private static func appendLeft(_ name: String, width: Int, to text: inout String) {
        text.append(name)
        let count = name.utf16.count
        if count < width { text.append(String(repeating: " ", count: width - count)) }
    }
}

/// The `%-10.6g` column: each distinct learning rate (by its bits) formatted once.
struct LearningRateColumn {
    private var texts: [UInt64: String] = [:]

    /// `String(format: "%-10.6g", lr)`, from C's `vsnprintf` directly (the C library formats
    /// it in both cases; this skips building a CFString).
    static func format(_ lr: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = withVaList([lr]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%-10.6g", arguments) }
        }
        guard length > 0, Int(length) < buffer.count else { return String(format: "%-10.6g", lr) }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    mutating func text(_ lr: Double) -> String {
        if let text = texts[lr.bitPattern] { return text }
        let text = LearningRateColumn.format(lr)
        texts[lr.bitPattern] = text
        return text
    }
}
