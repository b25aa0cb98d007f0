// A model's numbers are bitwise the same on 1, 2 or 3 threads, and when the number
// of threads changes from step to step (the scheduler lends idle cores that way).
import XCTest
@testable import SequenceModels

final class ThreadDeterminismTests: XCTestCase {
    /// Sizes that split unevenly: B = 11 rows over 2 or 3 threads, G·H not a multiple of 16.
    static let steps = 6, batch = 11, input = 5, hidden = 21, outputs = 7

    func problem(cell: CellKind, head: HeadKind, seed: UInt64, layers: Int = 1, dropout: Float = 0,
                 hidden: Int = ThreadDeterminismTests.hidden) -> (ModelConfig, [Batch]) {
        let config = ModelConfig(cell: cell, inputSize: Self.input, hiddenSize: hidden, outputSize: Self.outputs,
                                 head: head, seed: seed, layers: layers, dropout: dropout)
        var rng = Xoshiro256(seed: seed &+ 1)
        let n = Self.steps * Self.batch
        let batches = (0..<3).map { _ -> Batch in
            let x = (0..<(n * Self.input)).map { _ in Float(rng.normal()) }
            let targets: Targets
            switch head {
            case .softmax:
                // Some positions without a target.
                targets = .classes((0..<n).map { i in i % 5 == 3 ? -1 : Int32(rng.nextInt(below: Self.outputs)) })
            case .linear:
                targets = .values((0..<(n * Self.outputs)).map { _ in Float(rng.normal()) },
                                  mask: (0..<n).map { $0 % 4 == 1 ? 0 : 1 }, width: Self.outputs)
            case .bernoulli:
                targets = .values((0..<(n * Self.outputs)).map { _ in rng.nextInt(below: 2) == 0 ? 0 : 1 },
                                  mask: (0..<n).map { $0 % 4 == 1 ? 0 : 1 }, width: Self.outputs)
            }
            return Batch(steps: Self.steps, batchSize: Self.batch, inputSize: Self.input, inputs: x, targets: targets)
        }
        return (config, batches)
    }

    /// Everything a short training run computes, as bit patterns.
    struct Trace: Equatable {
        var losses: [UInt64] = [], norms: [UInt64] = []
        var gradients: [[UInt32]] = [], inputGradients: [[UInt32]] = []
        var parameters: [UInt32] = [], evaluation: [UInt32] = [], prediction: [UInt32] = []
    }

    /// Three Adam steps with clipping (and dropout, when given) on `threads[step]` threads of a
    /// team of three that splits even the smallest problems (so every phase really runs on that many threads).
    /// With `unitSplit`, the recurrences are shared by hidden units (hidden must be a multiple of 32), else by rows.
    /// With `speeds`, the team splits every phase in those proportions (not learning them).
    func trace(cell: CellKind, head: HeadKind, threads: [Int], layers: Int = 1, dropout: Float = 0, seed: UInt64 = 3,
               hidden: Int = ThreadDeterminismTests.hidden, unitSplit: Bool = false, speeds: [Double]? = nil) -> Trace {
        let (config, batches) = problem(cell: cell, head: head, seed: seed, layers: layers, dropout: dropout, hidden: hidden)
        let model = Model(config: config)
        let team = ThreadTeam(capacity: 3)
        team.minWorkPerThread = 1
        team.minRecurrenceRows = 1
        team.minUnitSplitHidden = unitSplit ? 32 : Int.max
        if let speeds {
            team.balancesLoad = false
            team.threadSpeeds = speeds
        }
        model.team = team
        XCTAssertEqual(model.recurrenceSplit(Self.batch, steps: Self.steps).byUnits, unitSplit, "the split under test")
        var optimizer = Optimizer(settings: OptimizerSettings(kind: .adam, learningRate: 0.05), parameterCount: model.parameters.count)
        var result = Trace()
        var grads = [Float]()
        for (step, batch) in batches.enumerated() {
            team.activeThreads = threads[step % threads.count]
            var dx = [Float](repeating: 0, count: batch.inputs.count)
            let key = DropoutKey(seed: seed, epoch: 1, step: step + 1)
            let loss = dx.withUnsafeMutableBufferPointer {
                model.lossAndGradients(batch: batch, gradients: &grads, inputGradients: $0.baseAddress!, dropout: key)
            }
            let norm = GradientClipping.clipByGlobalNorm(&grads, maxNorm: 0.01, team: team)
            optimizer.update(parameters: &model.parameters, gradients: grads, team: team)
            result.losses.append(loss.bitPattern)
            result.norms.append(norm.bitPattern)
            result.gradients.append(grads.map(\.bitPattern))
            result.inputGradients.append(dx.map(\.bitPattern))
        }
        result.parameters = model.parameters.map(\.bitPattern)
        result.evaluation = model.evaluate(batch: batches[0]).outputs.map(\.bitPattern)
        var state = model.initialState(batchSize: Self.batch)
        result.prediction = model.predict(inputs: batches[1].inputs, steps: Self.steps, state: &state).map(\.bitPattern)
            + state.hidden.map(\.bitPattern) + state.cell.map(\.bitPattern)
        // A stateful step (truncated BPTT) from the state predict left.
        let loss = model.lossAndGradients(batch: batches[2], gradients: &grads, state: &state)
        result.losses.append(loss.bitPattern)
        result.gradients.append(grads.map(\.bitPattern))
        result.prediction += state.hidden.map(\.bitPattern) + state.cell.map(\.bitPattern)
        return result
    }

    /// Every cell and head, one layer, and two layers with dropout between them and before the head.
    func testEveryCellSameBitsOnOneTwoAndThreeThreads() {
        for cell in CellKind.allCases {
            for head in HeadKind.allCases {
                for (layers, dropout) in [(1, Float(0)), (2, Float(0.25))] {
                    let name = "\(cell)/\(head)/\(layers) layers"
                    let one = trace(cell: cell, head: head, threads: [1], layers: layers, dropout: dropout)
                    XCTAssertTrue(one.norms.allSatisfy { Double(bitPattern: $0) > 0.01 }, "\(name): clipping is exercised")
                    XCTAssertEqual(trace(cell: cell, head: head, threads: [2], layers: layers, dropout: dropout), one, "\(name): 2 threads")
                    XCTAssertEqual(trace(cell: cell, head: head, threads: [3], layers: layers, dropout: dropout), one, "\(name): 3 threads")
                    XCTAssertEqual(trace(cell: cell, head: head, threads: [3, 1, 2], layers: layers, dropout: dropout), one,
                                   "\(name): threads changing between steps")
                }
            }
        }
    }

    /// The recurrences shared by hidden units (threads meeting at every step) give the same bits
    /// as one thread: H = 96 is three panels of units, split 1+2 over two threads and 1+1+1 over three.
    func testEveryCellSameBitsWhenSplitByUnits() {
        for cell in CellKind.allCases {
            for (layers, dropout) in [(1, Float(0)), (2, Float(0.25))] {
                let name = "\(cell)/\(layers) layers"
                let one = trace(cell: cell, head: .softmax, threads: [1], layers: layers, dropout: dropout, hidden: 96, unitSplit: true)
                XCTAssertEqual(trace(cell: cell, head: .softmax, threads: [2], layers: layers, dropout: dropout, hidden: 96, unitSplit: true),
                               one, "\(name): 2 threads")
                XCTAssertEqual(trace(cell: cell, head: .softmax, threads: [3], layers: layers, dropout: dropout, hidden: 96, unitSplit: true),
                               one, "\(name): 3 threads")
                XCTAssertEqual(trace(cell: cell, head: .softmax, threads: [3, 1, 2], layers: layers, dropout: dropout, hidden: 96,
                                     unitSplit: true), one, "\(name): threads changing between steps")
                XCTAssertEqual(trace(cell: cell, head: .softmax, threads: [3], layers: layers, dropout: dropout, hidden: 96), one,
                               "\(name): split by rows")
            }
        }
    }

    /// Splits in proportion to unequal thread speeds (what the team does when one core runs
    /// slower) give the same bits as one thread, split by rows and by units.
    func testEveryCellSameBitsWithUnevenSplits() {
        for cell in CellKind.allCases {
            for (layers, dropout) in [(1, Float(0)), (2, Float(0.25))] {
                for unitSplit in [false, true] {
                    // H = 128: four panels of units, so the split moves with the speeds (1+3 at 0.4 : 2.5).
                    let name = "\(cell)/\(layers) layers/\(unitSplit ? "units" : "rows")"
                    let one = trace(cell: cell, head: .softmax, threads: [1], layers: layers, dropout: dropout, hidden: 128, unitSplit: unitSplit)
                    for speeds in [[0.4, 2.5, 1], [2.5, 1, 0.4]] {
                        XCTAssertEqual(trace(cell: cell, head: .softmax, threads: [2, 3], layers: layers, dropout: dropout, hidden: 128,
                                             unitSplit: unitSplit, speeds: speeds), one, "\(name): 2 then 3 threads at speeds \(speeds)")
                    }
                }
            }
        }
    }

    /// The team of one (every model's default) and a team of three kept at one thread agree.
    func testDefaultModelMatchesTeam() {
        for cell in CellKind.allCases {
            let (config, batches) = problem(cell: cell, head: .softmax, seed: 9)
            var g1 = [Float](), g3 = [Float]()
            let plain = Model(config: config)
            let l1 = plain.lossAndGradients(batch: batches[0], gradients: &g1)
            let threaded = Model(config: config)
            threaded.team = ThreadTeam(capacity: 3)
            threaded.team.minWorkPerThread = 1
            threaded.team.minRecurrenceRows = 1
            let l3 = threaded.lossAndGradients(batch: batches[0], gradients: &g3)
            XCTAssertEqual(l1.bitPattern, l3.bitPattern, "\(cell)")
            XCTAssertEqual(g1.map(\.bitPattern), g3.map(\.bitPattern), "\(cell)")
        }
    }

    func testGlobalNormChunkingDoesNotDependOnThreads() {
        var rng = Xoshiro256(seed: 5)
        let g = (0..<(3 * GradientClipping.normChunk + 123)).map { _ in Float(rng.normal()) }
        let team = ThreadTeam(capacity: 3)
        team.minWorkPerThread = 1
        let single = GradientClipping.globalNorm(g)
        for k in 1...3 {
            team.activeThreads = k
            XCTAssertEqual(GradientClipping.globalNorm(g, team: team).bitPattern, single.bitPattern, "\(k) threads")
        }
        let plain = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(single, plain, accuracy: 1e-12 * plain)
    }
}
