// `runner gradcheck`: the reference backward pass against finite differences and
// the Float32 fast path against the reference, on a random problem.
import ArgumentParser
import SequenceModels
import Foundation

extension CellKind: ExpressibleByArgument {}
extension TargetLayout: ExpressibleByArgument {}

extension Runner {
    struct Gradcheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a cell's hand-derived gradients against finite differences.",
            discussion: """
            Builds a random problem, computes the gradients of every parameter tensor and of \
            the input with the Float64 reference (checked against fourth-order central finite \
            differences) and with the Float32 fast path (checked against the reference). Prints \
            one line per tensor and exits 1 when the reference is off by more than 1e-6 or the \
            fast path by more than 1e-3 (relative). With --dropout P both paths use one fixed \
            dropout mask per layer output (the masks of a fixed training step).
            """)

        @Option(help: "The cell: rnn, gru, gru_reset_after or lstm.")
        var cell: CellKind

        @Option(help: "Hidden size H.")
        var hidden: Int = 8

        @Option(help: "Sequence length T.")
        var steps: Int = 6

        @Option(help: "Batch size B.")
        var batch: Int = 3

        @Option(help: "Input width X.")
        var input: Int = 4

        @Option(help: "Stacked recurrent layers (1-4).")
        var layers: Int = 1

        @Option(help: "Dropout probability on each layer's output, in [0, 1) (a fixed mask).")
        var dropout: Double = 0

        @Option(help: "Seed of the random problem and of the initial weights.")
        var seed: UInt64 = 1

        @Option(help: "Targets: softmax-every-step, softmax-last-step, linear-last-step or bernoulli-every-step.")
        var targets: TargetLayout = .softmaxEveryStep

        @Option(help: "Finite differences on at most this many entries per tensor (sampled); the Float32 comparison always covers all.")
        var maxEntries: Int = 400

        func validate() throws {
            for (name, value) in [("--hidden", hidden), ("--steps", steps), ("--batch", batch), ("--input", input), ("--max-entries", maxEntries)] where value <= 0 {
                throw ValidationError("\(name) must be positive, got \(value)")
            }
            guard (1...4).contains(layers) else { throw ValidationError("--layers must be from 1 to 4, got \(layers)") }
            guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
            guard Float(dropout) < 1 else {
                throw ValidationError("--dropout must be in [0, 1), got \(dropout), which is 1 as a Float32 (the largest below 1 is \(Float(1).nextDown))")
            }
            // A check on a small random problem: finite differences cost a forward pass per entry.
            try SizeChecks.requireAtMost(512, [("--hidden", hidden), ("--steps", steps), ("--batch", batch), ("--input", input)])
            try SizeChecks.requireAtMost(100_000, [("--max-entries", maxEntries)])
        }

        func run() throws {
            let (config, problem) = GradientCheck.randomProblem(cell: cell, layout: targets, hidden: hidden, steps: steps,
                                                                batch: batch, input: input, seed: seed,
                                                                layers: layers, dropout: Float(dropout))
            let report = GradientCheck.run(config: config, batch: problem, maxEntriesPerTensor: maxEntries)
            print("gradcheck \(cell.rawValue) H=\(hidden) T=\(steps) B=\(batch) X=\(input) layers=\(layers) dropout=\(dropout) targets=\(targets.rawValue) seed=\(seed)")
            print("tensor".padding(toLength: 16, withPad: " ", startingAt: 0) + "shape".padding(toLength: 14, withPad: " ", startingAt: 0)
                  + "ref vs finite-diff   f32 vs ref   entries")
            for row in report.rows {
                let shape = "[" + row.shape.map(String.init).joined(separator: ", ") + "]"
                print(row.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + shape.padding(toLength: 14, withPad: " ", startingAt: 0)
                      + String(format: "%18.3e   %10.3e   %7d", row.referenceVsFiniteDifferences, row.fastVsReference, row.checkedEntries))
            }
            print(String(format: "max relative error: %.3e", report.maxReferenceVsFiniteDifferences))
            if !report.passed {
                try? FileHandle.standardError.write(contentsOf: Data(String(format: "gradcheck failed: reference vs finite differences %.3e (bound %.0e), Float32 vs reference %.3e (bound %.0e)\n",
                    report.maxReferenceVsFiniteDifferences, GradientCheckReport.referenceBound,
                    report.maxFastVsReference, GradientCheckReport.fastBound).utf8))
                throw ExitCode(1)
            }
        }
    }
}
