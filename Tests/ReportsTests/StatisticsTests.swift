// Tests of the report's statistics: mean ± sd, ranks with ties, and the Wilcoxon signed-rank
// test against hand computations and a brute-force enumeration.
import Foundation
import XCTest
@testable import Reports

final class StatisticsTests: XCTestCase {
    func testSummaryStatHasMeanAndSampleStandardDeviation() throws {
        // Mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32/7.
        let stat = try XCTUnwrap(SummaryStat([2, 4, 4, 4, 5, 5, 7, 9]))
        assertClose(stat.mean, 5)
        assertClose(stat.sd, (32.0 / 7).squareRoot())
        XCTAssertEqual(stat.n, 8)
    }

    func testSummaryStatOfOneValueHasNoStandardDeviationAndSkipsNonFinite() throws {
        let stat = try XCTUnwrap(SummaryStat([3, .nan, .infinity]))
        XCTAssertEqual(stat, SummaryStat(mean: 3, sd: nil, n: 1))
        XCTAssertNil(SummaryStat([]))
    }

    func testMedianOfOddAndEvenCounts() {
        XCTAssertEqual(median([3, 1, 2]), 2)
        XCTAssertEqual(median([4, 1, 3, 2]), 2.5)
        XCTAssertNil(median([]))
    }

    func testAverageRanksShareTiedRanks() {
        XCTAssertEqual(averageRanks([10, 20, 20, 5, 20]), [2, 4, 4, 1, 4])
    }

    func testWilcoxonExactOnHandComputedCase() {
        // d = [0.5, -0.2, 1.0, 0.3, 0.8]; |d| ranks: 0.2→1, 0.3→2, 0.5→3, 0.8→4, 1.0→5.
        // W+ = 3 + 5 + 2 + 4 = 14, W− = 1, T = 1. Under H0 the 2^5 = 32 sign patterns are equally
        // likely; W+ ≥ 14 ⇔ W− ≤ 1: only {} and {1} → 2/32, two-sided p = 2 · 2/32 = 0.125.
        let result = wilcoxonSignedRank([0.5, -0.2, 1.0, 0.3, 0.8])
        XCTAssertEqual(result.n, 5)
        XCTAssertEqual(result.wPlus, 14)
        XCTAssertEqual(result.wMinus, 1)
        XCTAssertEqual(result.statistic, 1)
        XCTAssertEqual(result.method, .exact)
        assertClose(result.pValue, 0.125)
    }

    func testWilcoxonExactWithTiedRanks() {
        // d = [1, -1, 2, 3]; |d| 1, 1 share ranks 1.5; 2→3; 3→4. W+ = 1.5 + 3 + 4 = 8.5, W− = 1.5.
        // Doubled ranks {3, 3, 6, 8}, doubled W+ = 17; subsets with sum ≥ 17: {3,6,8} twice and
        // {3,3,6,8} → 3/16; two-sided p = 2 · 3/16 = 0.375.
        let result = wilcoxonSignedRank([1, -1, 2, 3])
        XCTAssertEqual(result.wPlus, 8.5)
        XCTAssertEqual(result.wMinus, 1.5)
        XCTAssertEqual(result.statistic, 1.5)
        assertClose(result.pValue, 0.375)
    }

    func testWilcoxonDropsZerosAndAllZerosGivePOne() {
        let result = wilcoxonSignedRank([0, 0.5, -0.2, 1.0, 0, 0.3, 0.8])
        XCTAssertEqual(result.zeros, 2)
        XCTAssertEqual(result.n, 5)
        assertClose(result.pValue, 0.125)
        let none = wilcoxonSignedRank([0, 0])
        XCTAssertEqual(none.n, 0)
        XCTAssertEqual(none.pValue, 1)
    }

    func testWilcoxonExactMatchesBruteForceEnumeration() {
        // Ten differences with a tie; the p-value from the counting recursion must equal the
        // share of all 2^10 sign patterns at least as extreme as the observed W+.
        let differences = [0.3, -1.2, 0.7, 2.5, -0.4, 0.7, 1.9, -0.1, 3.3, 0.05]
        let result = wilcoxonSignedRank(differences)
        let ranks = averageRanks(differences.map { abs($0) })
        let total = ranks.reduce(0, +)
        var atMost = 0, atLeast = 0
        for pattern in 0..<(1 << ranks.count) {
            var wPlus = 0.0
            for (index, rank) in ranks.enumerated() where pattern & (1 << index) != 0 { wPlus += rank }
            if wPlus <= result.wPlus + 1e-9 { atMost += 1 }
            if wPlus >= result.wPlus - 1e-9 { atLeast += 1 }
        }
        let expected = min(1, 2 * Double(min(atMost, atLeast)) / Double(1 << ranks.count))
        XCTAssertEqual(result.wPlus + result.wMinus, total)
        assertClose(result.pValue, expected)
    }

    func testWilcoxonNormalApproximationForLargeN() throws {
        // n = 30, all positive and distinct: W+ = 465, mean 232.5, variance 30·31·61/24 = 2363.75;
        // z = (465 − 232.5 − 0.5)/√2363.75 = 4.771854730; p = erfc(z/√2) = 1.825371456e-6
        // (computed independently in Python).
        let result = wilcoxonSignedRank((1...30).map(Double.init))
        XCTAssertEqual(result.method, .normal)
        XCTAssertEqual(result.wPlus, 465)
        assertClose(result.z, 4.771854730335432, tolerance: 1e-9)
        assertClose(result.pValue, 1.825371456361214e-06, tolerance: 1e-15)
    }

    func testWilcoxonNormalApproximationCorrectsVarianceForTies() throws {
        // |d| = 1...15, each twice (15 pairs of ties, ranks 2k − 0.5); negative for k = 1, 2, 3:
        // W− = 2·(1.5 + 3.5 + 5.5) = 21, W+ = 444. Variance 2363.75 − 15·(2³ − 2)/48 = 2361.875;
        // z = (444 − 232.5 − 0.5)/√2361.875 = 4.341641908, p = 1.414218911e-5 (Python).
        let differences = (1...15).flatMap { k in [Double(k), Double(k)].map { k <= 3 ? -$0 : $0 } }
        let result = wilcoxonSignedRank(differences)
        XCTAssertEqual(result.wMinus, 21)
        XCTAssertEqual(result.wPlus, 444)
        assertClose(result.z, 4.341641908178466, tolerance: 1e-9)
        assertClose(result.pValue, 1.414218911068568e-05, tolerance: 1e-14)
    }
}
