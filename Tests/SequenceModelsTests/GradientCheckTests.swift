// Every cell's backward pass against finite differences, and the Float32 fast
// path against the Float64 reference, for every head (issue 2 bounds).
import XCTest
@testable import SequenceModels

final class GradientCheckTests: XCTestCase {
    func testEveryCellAndHeadWithinBounds() {
        for cell in CellKind.allCases {
            for layout in TargetLayout.allCases {
                let (config, batch) = GradientCheck.randomProblem(cell: cell, layout: layout, seed: 3)
                let report = GradientCheck.run(config: config, batch: batch)
                for row in report.rows {
                    XCTAssertLessThanOrEqual(row.referenceVsFiniteDifferences, GradientCheckReport.referenceBound,
                                             "\(cell) \(layout) \(row.name): reference vs finite differences")
                    XCTAssertLessThanOrEqual(row.fastVsReference, GradientCheckReport.fastBound,
                                             "\(cell) \(layout) \(row.name): Float32 vs reference")
                }
                XCTAssertEqual(report.rows.count, ParameterLayout(config).tensors.count + 1, "every parameter tensor and the input")
                XCTAssertEqual(report.fastLoss, report.referenceLoss, accuracy: 1e-5 * max(1, abs(report.referenceLoss)))
            }
        }
    }

    /// The check must be able to fail: a wrong gradient is caught.
    func testCheckDetectsAWrongGradient() {
        let (config, batch) = GradientCheck.randomProblem(cell: .lstm, layout: .softmaxEveryStep)
        let p = Model(config: config).parameters.map(Double.init)
        var ref = ReferenceModel.lossAndGradients(config: config, parameters: p, inputs: batch.inputs.map(Double.init), batch: batch)
        let slot = ParameterLayout(config).layers[0].weightHH
        let fd = ref.parameterGradients[slot.range]
        ref.parameterGradients[slot.offset + 3] *= 1.01
        XCTAssertGreaterThan(GradientCheck.relativeError(Array(ref.parameterGradients[slot.range]), Array(fd)), 1e-3)
    }
}
