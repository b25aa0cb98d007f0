// Times one training step (forward, per-step softmax cross-entropy, backward
// through time, SGD update) exactly as ../shared/reference/torch_rnn_bench.py
// does for PyTorch, with the same FLOP formula, so the two compare line by line.

import Foundation
import CKernels

public enum TrainingBenchmark {
    public struct Result: Sendable {
        public var cell: CellKind
        public var hidden: Int, batch: Int, steps: Int, input: Int, classes: Int, layers: Int
        public var tokensPerSecond: Double
        public var gflops: Double

        /// The line format of torch_rnn_bench.py.
        public var line: String {
            let name = cell.rawValue + String(repeating: " ", count: max(0, 5 - cell.rawValue.count))
            return name + " H=" + String(format: "%4d", hidden) + (layers > 1 ? " L=\(layers)" : "") + " B=\(batch) T=\(steps) X=\(input) V=\(classes): "
                + String(format: "%10.0f tok/s %7.1f GFLOP/s", tokensPerSecond, gflops)
        }
    }

    /// torch_rnn_bench.py's flops(): forward GEMM work times three; layer 1 reads X inputs,
    /// each further layer the H outputs of the one below.
    public static func flops(cell: CellKind, batch: Int, steps: Int, input: Int, hidden: Int, classes: Int, layers: Int = 1) -> Double {
        let recurrent = (input + hidden) + (layers - 1) * (hidden + hidden)
        let forward = 2.0 * Double(batch * steps * recurrent * cell.gateCount * hidden) + 2.0 * Double(batch * steps * hidden * classes)
        return 3 * forward
    }

    /// The name of the GEMM path the kernels use on this CPU.
    public static var kernelPath: String { String(cString: rk_sgemm_path()) }

    /// One configuration on `threads` threads (the model's team; the update runs on it too).
    public static func run(cell: CellKind, hidden: Int, batch: Int, steps: Int, input: Int, classes: Int, reps: Int,
                           layers: Int = 1, threads: Int = 1, minWorkPerThread: Int? = nil,
                           minUnitSplitHidden: Int? = nil) -> Result {
        let bench = Setup(cell: cell, hidden: hidden, batch: batch, steps: steps, input: input, classes: classes, layers: layers,
                          threads: threads, minWorkPerThread: minWorkPerThread, minUnitSplitHidden: minUnitSplitHidden)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<reps { bench.step() }
        return bench.result(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(reps))
    }

    /// Two settings of one model timed step by step in turn (A, B, A, B, ...), so both see the
    /// same machine: on a shared VM whose speed drifts by ±25% from minute to minute, separate
    /// runs cannot resolve a 10% difference, this can. `a` and `b` time `reps` steps each;
    /// `medianRatio` is the median over the reps of (B's step time) ÷ (A's step time) of each
    /// adjacent pair: above 1, A is faster.
    public struct Alternation: Sendable {
        public var a: Result, b: Result
        public var medianRatio: Double
    }

    /// What an alternation compares (A against B), on `threads` threads of one model.
    public enum Comparison: Sendable {
        /// The two ways of sharing the recurrences (README "Threads"): A by batch rows, B by hidden units.
        case splits
        /// One thread (A) against `threads` threads (B): the gain of the extra threads.
        case threadCounts
        /// Even splits (A) against splits in proportion to the threads' measured speeds (B, the
        /// default: ThreadTeam.swift): what balancing gains while the cores run at different
        /// speeds, and what it costs while they do not.
        case balancing
    }

    /// The two settings of `comparison` timed in turn on one model (see `Alternation`).
    public static func compare(_ comparison: Comparison, cell: CellKind, hidden: Int, batch: Int, steps: Int, input: Int,
                               classes: Int, reps: Int, layers: Int = 1, threads: Int) -> Alternation {
        let bench = Setup(cell: cell, hidden: hidden, batch: batch, steps: steps, input: input, classes: classes, layers: layers,
                          threads: threads, minWorkPerThread: nil, minUnitSplitHidden: nil)
        switch comparison {
        case .splits:
            return bench.alternate(reps: reps) { team, b in team.minUnitSplitHidden = b ? recurrenceUnitAlignment : Int.max }
        case .threadCounts:
            return bench.alternate(reps: reps) { team, b in team.activeThreads = b ? threads : 1 }
        case .balancing:
            var learned = bench.model.team.threadSpeeds   // carried from one balanced step to the next
            let even = [Double](repeating: 1, count: threads)
            return bench.alternate(reps: reps) { team, b in
                if b {
                    team.threadSpeeds = learned
                    team.balancesLoad = true
                } else {
                    if team.balancesLoad { learned = team.threadSpeeds }
                    team.balancesLoad = false
                    team.threadSpeeds = even
                }
            }
        }
    }

    /// A model, its random batch and its optimiser, warmed up by 3 steps.
    private final class Setup {
        let model: Model
        let data: Batch
        var optimizer: Optimizer
        var grads: [Float]
        let cell: CellKind, hidden: Int, batch: Int, steps: Int, input: Int, classes: Int, layers: Int

        init(cell: CellKind, hidden: Int, batch: Int, steps: Int, input: Int, classes: Int, layers: Int,
             threads: Int, minWorkPerThread: Int?, minUnitSplitHidden: Int?) {
            (self.cell, self.hidden, self.batch, self.steps, self.input, self.classes, self.layers) = (cell, hidden, batch, steps, input, classes, layers)
            model = Model(config: ModelConfig(cell: cell, inputSize: input, hiddenSize: hidden, outputSize: classes, seed: 0, layers: layers))
            model.team = ThreadTeam(capacity: threads)
            if let minWorkPerThread {   // measuring the crossover: split phases smaller than the default does
                model.team.minWorkPerThread = minWorkPerThread
                model.team.minRecurrenceRows = 1
            }
            if let minUnitSplitHidden { model.team.minUnitSplitHidden = minUnitSplitHidden }
            var rng = Xoshiro256(seed: 0)
            let x = (0..<(steps * batch * input)).map { _ in Float(rng.normal()) }
            let y = (0..<(steps * batch)).map { _ in Int32(rng.nextInt(below: classes)) }
            data = Batch(steps: steps, batchSize: batch, inputSize: input, inputs: x, targets: .classes(y))
            optimizer = Optimizer(settings: OptimizerSettings(kind: .sgd, learningRate: 0.01), parameterCount: model.parameters.count)
            grads = [Float](repeating: 0, count: model.parameters.count)
            for _ in 0..<3 { step() }
        }

        func step() {
            model.lossAndGradients(batch: data, gradients: &grads)
            optimizer.update(parameters: &model.parameters, gradients: grads, team: model.team)
        }

        /// Steps alternating between setting(team, false) and setting(team, true); the team is
        /// left as it was made.
        func alternate(reps: Int, _ setting: (ThreadTeam, Bool) -> Void) -> Alternation {
            let team = model.team, (splitFrom, active) = (team.minUnitSplitHidden, team.activeThreads)
            var a = [Double](), b = [Double]()
            for i in 0..<(2 * reps) {
                setting(team, i % 2 == 1)
                let start = DispatchTime.now().uptimeNanoseconds
                step()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if i % 2 == 1 { b.append(seconds) } else { a.append(seconds) }
            }
            (team.minUnitSplitHidden, team.activeThreads) = (splitFrom, active)
            let ratios = zip(b, a).map { $0 / $1 }.sorted()
            let median = ratios.count % 2 == 1 ? ratios[ratios.count / 2] : (ratios[ratios.count / 2 - 1] + ratios[ratios.count / 2]) / 2
            return Alternation(a: result(seconds: a.reduce(0, +) / Double(reps)), b: result(seconds: b.reduce(0, +) / Double(reps)),
                               medianRatio: median)
        }

        func result(seconds: Double) -> Result {
            let f = flops(cell: cell, batch: batch, steps: steps, input: input, hidden: hidden, classes: classes, layers: layers)
            return Result(cell: cell, hidden: hidden, batch: batch, steps: steps, input: input, classes: classes, layers: layers,
                          tokensPerSecond: Double(batch * steps) / seconds, gflops: f / seconds / 1e9)
        }
    }
}
