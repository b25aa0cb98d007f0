// `runner bench`: training-step throughput in torch_rnn_bench.py's line format.
import ArgumentParser
import Experiments
import SequenceModels

extension Runner {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time one training step per configuration, like torch_rnn_bench.py.",
            discussion: """
            One step = forward over T steps, softmax cross-entropy at every step, backward through \
            time and a plain SGD update, on random dense inputs. Prints the same lines as \
            ../shared/reference/torch_rnn_bench.py (same FLOP formula), so run the two back to back \
            and compare line by line (give both the same --threads; with --layers N, against \
            torch_rnn_bench.py --layers N; its gru line is PyTorch's reset-after GRU, the \
            like-for-like comparison for gru_reset_after). Use a release build: \
            swift run -c release runner bench
            """)

        @Option(help: "Comma-separated cells (rnn, gru, gru_reset_after, lstm).")
        var cells: String = "gru,gru_reset_after,lstm"
        @Option(help: "Stacked recurrent layers (1-4).")
        var layers: Int = 1
        @Option(help: "Comma-separated hidden sizes.")
        var hidden: String = "64,128,256,512"
        @Option(help: "Batch size B.")
        var batch: Int = 32
        @Option(help: "Sequence length T.")
        var steps: Int = 64
        @Option(help: "Input width X.")
        var input: Int = 64
        @Option(help: "Output classes V.")
        var classes: Int = 64
        @Option(help: "Timed repetitions per configuration (after 3 warm-up steps).")
        var reps: Int = 10
        @Option(help: "Threads one training step runs on, at most 256 (results are the same bits for any number).")
        var threads: Int = 1
        @Option(help: ArgumentHelp("Split phases of at least this many multiply-adds per thread (default: the measured crossover); to measure the crossover.", visibility: .hidden))
        var splitThreshold: Int?
        @Option(help: ArgumentHelp("Share recurrences by hidden units from this hidden size up (default: the measured crossover); to measure it.", visibility: .hidden))
        var unitSplitHidden: Int?
        @Flag(help: ArgumentHelp("With --threads 2 or more: time the recurrences shared by batch rows and by hidden units, alternating step by step on one model, and print both lines and the median ratio; to measure the crossover (Model.unitSplitHidden).", visibility: .hidden))
        var compareSplits = false
        @Flag(help: ArgumentHelp("With --threads 2 or more: time one thread and --threads threads, alternating step by step on one model, and print both lines and the median ratio; to measure the gain of the threads on a noisy machine.", visibility: .hidden))
        var compareThreads = false
        @Flag(help: ArgumentHelp("With --threads 2 or more: time even splits and splits balanced by the threads' measured speeds (the default), alternating step by step on one model, and print both lines and the median ratio; to measure what balancing gains while the cores run at different speeds.", visibility: .hidden))
        var compareBalance = false

        /// The in-turn measurements: flag, whether given, what is compared, why it needs two
        /// threads, the labels of its two lines, and the figure after the second.
        private var comparisons: [(flag: String, on: Bool, kind: TrainingBenchmark.Comparison, needsThreads: String,
                                   labels: (String, String), figure: (Double) -> String)] {
            [("--compare-splits", compareSplits, .splits, "one thread has nothing to split", ("[rows]", "[units]"),
              { String(format: "median step time units/rows %.3f", $0) }),
             ("--compare-threads", compareThreads, .threadCounts, "the count compared with one thread",
              ("[1 thread]", "[\(threads) threads]"), { String(format: "median speed-up %.3f", 1 / $0) }),
             ("--compare-balance", compareBalance, .balancing, "one thread has nothing to balance", ("[even]", "[balanced]"),
              { String(format: "median step time balanced/even %.3f", $0) })]
        }

        /// The items of a comma-separated list option; an empty list or an empty item is an error.
        func items(_ text: String, _ option: String) throws -> [Substring] {
            let items = text.split(separator: ",", omittingEmptySubsequences: false)
            if items.contains(where: \.isEmpty) { throw ValidationError("\(option): '\(text)' has an empty item; give a comma-separated list such as \(option == "--cells" ? "gru,lstm" : "64,128")") }
            return items
        }

        func parsedCells() throws -> [CellKind] {
            try items(cells, "--cells").map {
                guard let c = CellKind(rawValue: String($0)) else { throw ValidationError("--cells: unknown cell '\($0)' (expected rnn, gru, gru_reset_after or lstm)") }
                return c
            }
        }

        func parsedHidden() throws -> [Int] {
            try items(hidden, "--hidden").map {
                guard let h = Int($0), h > 0 else { throw ValidationError("--hidden: '\($0)' is not a positive integer") }
                return h
            }
        }

        func validate() throws {
            _ = try parsedCells()
            _ = try parsedHidden()
            for (name, v) in [("--batch", batch), ("--steps", steps), ("--input", input), ("--classes", classes), ("--reps", reps), ("--threads", threads)] where v <= 0 {
                throw ValidationError("\(name) must be positive, got \(v)")
            }
            try SizeChecks.requireAtMost(SchedulerOptions.maxThreadsPerRun, [("--threads", threads)])
            let chosen = comparisons.filter(\.on)
            if chosen.count > 1 {
                throw ValidationError("\(chosen.map(\.flag).joined(separator: " and ")) are separate measurements; give one")
            }
            if let c = chosen.first, threads < 2 { throw ValidationError("\(c.flag) needs --threads 2 or more (\(c.needsThreads))") }
            if compareSplits, let h = try parsedHidden().first(where: { $0 % 32 != 0 }) {
                throw ValidationError("--compare-splits: --hidden \(h) is not a multiple of 32, so its recurrence can only be split by rows")
            }
            if compareSplits && unitSplitHidden != nil { throw ValidationError("--compare-splits sets the split itself; leave out --unit-split-hidden") }
            guard (1...4).contains(layers) else { throw ValidationError("--layers must be from 1 to 4, got \(layers)") }
            try SizeChecks.requireAtMost(65_536, [("--batch", batch), ("--steps", steps), ("--input", input), ("--classes", classes)]
                                         + parsedHidden().map { ("--hidden", $0) })
            try SizeChecks.requireAtMost(1_000_000, [("--reps", reps)])
            for cell in try parsedCells() {
                for h in try parsedHidden() {
                    try SizeChecks.requireFits(ModelConfig(cell: cell, inputSize: input, hiddenSize: h, outputSize: classes, layers: layers),
                                               steps: steps, batch: batch)
                }
            }
        }

        func run() throws {
            print("runner: kernels=\(TrainingBenchmark.kernelPath) threads=\(threads)")
            for cell in try parsedCells() {
                for h in try parsedHidden() {
                    if let c = comparisons.first(where: \.on) {
                        let a = TrainingBenchmark.compare(c.kind, cell: cell, hidden: h, batch: batch, steps: steps, input: input,
                                                          classes: classes, reps: reps, layers: layers, threads: threads)
                        print(a.a.line + "  " + c.labels.0)
                        print(a.b.line + "  " + c.labels.1 + "  " + c.figure(a.medianRatio))
                        continue
                    }
                    let r = TrainingBenchmark.run(cell: cell, hidden: h, batch: batch, steps: steps, input: input, classes: classes,
                                                  reps: reps, layers: layers, threads: threads,
                                                  minWorkPerThread: splitThreshold, minUnitSplitHidden: unitSplitHidden)
                    print(r.line)
                }
            }
        }
    }
}
