// Stacked layers and dropout: every cell × layers 1-3 × dropout off/on × every head, the
// reference against finite differences (≤ 1e-6) and the Float32 path against the reference
// (≤ 1e-3); dropout masks drawn from (seed, epoch, step) alone; no dropout when evaluating.
import XCTest
@testable import SequenceModels

final class LayersGradientCheckTests: XCTestCase {
    func testEveryCellDepthDropoutAndHeadWithinBounds() {
        for cell in CellKind.allCases {
            for layers in 1...3 {
                for dropout: Float in [0, 0.3] {
                    for layout in TargetLayout.allCases {
                        let (config, batch) = GradientCheck.randomProblem(cell: cell, layout: layout, hidden: 4, steps: 4, batch: 2,
                                                                          input: 3, seed: 5, layers: layers, dropout: dropout)
                        let report = GradientCheck.run(config: config, batch: batch, maxEntriesPerTensor: 12)
                        let what = "\(cell) layers=\(layers) dropout=\(dropout) \(layout)"
                        XCTAssertEqual(report.rows.count, ParameterLayout(config).tensors.count + 1, what)
                        for row in report.rows {
                            XCTAssertLessThanOrEqual(row.referenceVsFiniteDifferences, GradientCheckReport.referenceBound, "\(what) \(row.name): reference vs finite differences")
                            XCTAssertLessThanOrEqual(row.fastVsReference, GradientCheckReport.fastBound, "\(what) \(row.name): Float32 vs reference")
                        }
                        XCTAssertEqual(report.fastLoss, report.referenceLoss, accuracy: 1e-5 * max(1, abs(report.referenceLoss)), what)
                    }
                }
            }
        }
    }

    /// Dropout changes the training loss and its gradients, but not evaluation.
    func testDropoutActsWhileTrainingOnly() {
        let (config, batch) = GradientCheck.randomProblem(cell: .lstm, layout: .softmaxEveryStep, hidden: 6, layers: 2, dropout: 0.5)
        let plain = ModelConfig(cell: config.cell, inputSize: config.inputSize, hiddenSize: config.hiddenSize,
                                outputSize: config.outputSize, head: config.head, seed: config.seed, layers: 2)
        let m = Model(config: config), reference = Model(config: plain)
        XCTAssertEqual(m.parameters, reference.parameters, "dropout does not change the initialisation")
        var g = [Float](), gPlain = [Float]()
        let key = DropoutKey(seed: 1, epoch: 1, step: 1)
        let dropped = m.lossAndGradients(batch: batch, gradients: &g, dropout: key)
        let noKey = m.lossAndGradients(batch: batch, gradients: &gPlain)
        XCTAssertNotEqual(dropped, noKey)
        XCTAssertEqual(noKey, reference.lossAndGradients(batch: batch, gradients: &gPlain), "no key: no dropout")
        XCTAssertEqual(m.evaluate(batch: batch).loss, reference.evaluate(batch: batch).loss, "evaluation never drops")
        XCTAssertEqual(m.lossAndGradients(batch: batch, gradients: &g, dropout: key), dropped, "same key, same bits")
        XCTAssertNotEqual(m.lossAndGradients(batch: batch, gradients: &g, dropout: DropoutKey(seed: 1, epoch: 1, step: 2)), dropped)
    }

    func testMasksAreInvertedDropoutFromTheKeyAlone() {
        let key = DropoutKey(seed: 3, epoch: 2, step: 7)
        let mask = DropoutMask.values(count: 100_001, p: 0.25, key: key, connection: 1)
        let keep = DropoutMask.keepScale(0.25)
        XCTAssertEqual(keep, Float(4.0 / 3.0))
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == keep })
        let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
        XCTAssertEqual(dropped, 0.25, accuracy: 0.005)   // 100k draws: sd 0.0014
        XCTAssertEqual(mask, DropoutMask.values(count: 100_001, p: 0.25, key: key, connection: 1))
        for other in [DropoutKey(seed: 4, epoch: 2, step: 7), DropoutKey(seed: 3, epoch: 3, step: 7), DropoutKey(seed: 3, epoch: 2, step: 8)] {
            XCTAssertNotEqual(mask, DropoutMask.values(count: 100_001, p: 0.25, key: other, connection: 1), "\(other)")
        }
        XCTAssertNotEqual(mask, DropoutMask.values(count: 100_001, p: 0.25, key: key, connection: 0))
        XCTAssertTrue(DropoutMask.values(count: 1000, p: 0, key: key, connection: 0).allSatisfy { $0 == 1 })
    }

    /// Layer 1 reads layer 0's outputs: changing a layer-1 weight leaves layer 0 alone, and a
    /// 2-layer model's parameters are the two layers then the head, in PyTorch's shapes.
    func testLayoutOfStackedLayers() {
        let config = ModelConfig(cell: .lstm, inputSize: 3, hiddenSize: 5, outputSize: 2, layers: 2)
        let L = ParameterLayout(config)
        XCTAssertEqual(L.tensors.map(\.name), ["weight_ih_l0", "weight_hh_l0", "bias_l0", "weight_ih_l1", "weight_hh_l1", "bias_l1",
                                               "head.weight", "head.bias"])
        XCTAssertEqual(L.layers[0].weightIH.shape, [20, 3])
        XCTAssertEqual(L.layers[1].weightIH.shape, [20, 5])
        XCTAssertEqual(L.totalCount, (20 * 3 + 20 * 5 + 20) + (20 * 5 + 20 * 5 + 20) + 2 * 5 + 2)
        let p = Initialization.parameters(for: config)
        for layer in L.layers { XCTAssertTrue(p[(layer.bias.offset + 5)..<(layer.bias.offset + 10)].allSatisfy { $0 == 1 }, "forget bias") }
        let bound = Float(1 / 5.0.squareRoot())
        XCTAssertTrue(p[L.layers[1].weightIH.range].allSatisfy { abs($0) <= bound })
        let ra = ParameterLayout(ModelConfig(cell: .gruResetAfter, inputSize: 3, hiddenSize: 5, outputSize: 2))
        XCTAssertEqual(ra.tensors.map(\.name), ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "head.weight", "head.bias"])
    }
}
