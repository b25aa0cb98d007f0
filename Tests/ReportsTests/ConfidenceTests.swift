// The bootstrap interval (coverage on a known distribution, determinism, exact cases),
// Holm's adjustment on a textbook example, and Student's t quantiles against tables.
import XCTest
@testable import Reports

final class ConfidenceTests: XCTestCase {
    /// Coverage: 200 samples of n = 40 pairs whose differences are Normal(0.3, 1) (true
    /// median 0.3), 500 resamples each (few, to keep the test short). The nominal 95%
    /// interval must contain 0.3 in 95% ± 4.5% of the samples: 3 binomial sd of 200 trials
    /// (1.5%). (numpy's percentile bootstrap gives 0.941 over 1,000 such samples; at odd
    /// small n such as 21 the median's bootstrap undercovers, 0.92.) Measured here: 0.915 (183 of 200).
    func testPercentileIntervalCoversTheTrueMedian() throws {
        var rng = SplitMix64(state: 42)
        func normal() -> Double {   // Box-Muller
            let u1 = (Double(rng.next() >> 11) + 1) / 9_007_199_254_740_993.0
            let u2 = Double(rng.next() >> 11) / 9_007_199_254_740_992.0
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        let trials = 200
        var covered = 0
        for trial in 0..<trials {
            let differences = (0..<40).map { _ in 0.3 + normal() }
            let interval = try XCTUnwrap(bootstrapMedians([differences], settings: BootstrapSettings(resamples: 500, seed: UInt64(trial)))?.first)
            XCTAssertLessThanOrEqual(interval.low, interval.estimate)
            XCTAssertGreaterThanOrEqual(interval.high, interval.estimate)
            if interval.low <= 0.3 && 0.3 <= interval.high { covered += 1 }
        }
        let coverage = Double(covered) / Double(trials)
        print("bootstrap coverage: \(coverage) (\(covered) of \(trials))")
        XCTAssertEqual(coverage, 0.95, accuracy: 0.045, "coverage \(coverage)")
    }

    func testSameInputAndSeedGiveTheSameIntervalAndAnotherSeedAnother() throws {
        let a = (0..<30).map { sin(Double($0) * 1.7) + 0.2 }   // 30 distinct values
        let b = a.map { $0 * 2 + 1 }
        let first = try XCTUnwrap(bootstrapMedians([a, b]))
        let second = try XCTUnwrap(bootstrapMedians([a, b]))
        XCTAssertEqual(first, second, "bitwise the same with the default seed")
        // The seed is used: with few resamples, other seeds move the interval's ends.
        let few = (1...5).map { bootstrapMedians([a, b], settings: BootstrapSettings(resamples: 50, seed: $0)) }
        XCTAssertGreaterThan(Set(few.map { "\($0!)" }).count, 1)
        XCTAssertEqual(first[0].estimate, median(a))
        // b is an increasing affine map of a, which commutes with medians and with the
        // interpolated quantiles: the same resampled rows give the image interval.
        XCTAssertEqual(first[1].low, first[0].low * 2 + 1, accuracy: 1e-12)
        XCTAssertEqual(first[1].high, first[0].high * 2 + 1, accuracy: 1e-12)
    }

    func testDegenerateAndSmallCases() throws {
        XCTAssertNil(bootstrapMedians([[]]))
        let constant = try XCTUnwrap(bootstrapMedians([[2, 2, 2, 2]])?.first)
        XCTAssertEqual(constant, IntervalEstimate(estimate: 2, low: 2, high: 2))
        XCTAssertFalse(IntervalEstimate(estimate: 0.1, low: -0.2, high: 0.5).excludesZero)
        XCTAssertTrue(IntervalEstimate(estimate: -1, low: -2, high: -0.5).excludesZero)
        // Two values: a resample's median is a, b or their mean; the interval stays inside [a, b].
        let pair = try XCTUnwrap(bootstrapMedians([[1, 3]])?.first)
        XCTAssertEqual(pair.estimate, 2)
        XCTAssertEqual(pair.low, 1)
        XCTAssertEqual(pair.high, 3)
    }

    /// Holm's procedure on the example of Wright (1992, Biometrics 48:1005): raw p-values
    /// 0.01, 0.04, 0.03, 0.005 adjust to 0.03, 0.06, 0.06, 0.02.
    func testHolmOnATextbookExample() {
        let adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005])
        for (value, expected) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { XCTAssertEqual(value, expected, accuracy: 1e-12) }
        XCTAssertEqual(holmAdjusted([0.5, 0.6]), [1, 1], "capped at 1")
        XCTAssertEqual(holmAdjusted([0.02]), [0.02], "one test: unchanged")
        XCTAssertEqual(holmAdjusted([]), [])
    }

    /// Two-sided 95% critical values from Student's table.
    func testStudentTQuantilesMatchTheTable() {
        let table: [(Int, Double)] = [(1, 12.7062047), (2, 4.3026527), (3, 3.1824463), (4, 2.7764451), (9, 2.2621572), (29, 2.0452296), (1000, 1.9623391)]
        for (df, expected) in table {
            XCTAssertEqual(studentTQuantile(0.975, degreesOfFreedom: df), expected, accuracy: 1e-6, "df \(df)")
        }
        XCTAssertEqual(studentTQuantile(0.025, degreesOfFreedom: 4), -2.7764451, accuracy: 1e-6)
        XCTAssertEqual(studentTQuantile(0.5, degreesOfFreedom: 3), 0, accuracy: 1e-9)
        var table95 = TIntervalTable()
        XCTAssertEqual(table95.critical(degreesOfFreedom: 2), 4.3026527, accuracy: 1e-6)
    }
}

final class WelchAndTIntervalTests: XCTestCase {
    /// Welch's example 1 on Wikipedia ("Welch's t-test"); values from scipy.stats.ttest_ind(equal_var=False).
    func testWelchMatchesScipy() throws {
        let a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
        let b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
        let r = try XCTUnwrap(welchTTest(a, b))
        XCTAssertEqual(r.t, -2.455356398286006, accuracy: 1e-12)
        XCTAssertEqual(r.degreesOfFreedom, 24.988529290231416, accuracy: 1e-9)
        XCTAssertEqual(r.pValue, 0.021378001462866992, accuracy: 1e-10)
        XCTAssertEqual(try XCTUnwrap(welchTTest([1, 2, 3], [4, 5, 7])).pValue, 0.041914517471454034, accuracy: 1e-10)
        XCTAssertNil(welchTTest([1], [2, 3]), "one value: no variance")
        XCTAssertNil(welchTTest([1, 1], [2, 2]), "no spread at all")
    }

    func testTIntervalOfThreeSeeds() throws {
        var table = TIntervalTable()
        let interval = try XCTUnwrap(tInterval([1, 2, 3], table: &table))
        // mean 2, sd 1, n 3: half-width t_{0.975,2} / √3 = 4.302652729749462 / 1.7320508075688772.
        XCTAssertEqual(interval.estimate, 2)
        XCTAssertEqual(interval.high - 2, 4.302652729749462 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(interval.low, 2 - (interval.high - 2), accuracy: 1e-12)
        XCTAssertNil(tInterval([5], table: &table))
    }
}
