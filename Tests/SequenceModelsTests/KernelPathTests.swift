// The fast path on every GEMM path this CPU can run (AVX-512 in both forms, AVX2+FMA, NEON,
// portable), not only the one dispatch picks: each is held to the reference.
import XCTest
import CKernels
@testable import SequenceModels

final class KernelPathTests: XCTestCase {
    override func tearDown() { _ = rk_sgemm_force_path(nil) }

    func testEveryAvailablePathMatchesTheReference() {
        var tried: [String] = []
        for path in ["avx512", "avx512-folded", "avx2", "neon", "portable"] where rk_sgemm_force_path(path) == 1 {
            tried.append(path)
            for cell in CellKind.allCases {
                let (config, batch) = GradientCheck.randomProblem(cell: cell, layout: .softmaxEveryStep, hidden: 7, seed: 9)
                let report = GradientCheck.run(config: config, batch: batch, maxEntriesPerTensor: 0)
                XCTAssertLessThanOrEqual(report.maxFastVsReference, GradientCheckReport.fastBound, "\(path) \(cell)")
            }
        }
        XCTAssertTrue(tried.contains("portable"), "the portable path runs everywhere")
    }
}
