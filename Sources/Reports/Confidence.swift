// How sure the comparison is: a percentile bootstrap of paired medians (fixed seed, so a
// report is reproducible), Holm-Bonferroni adjusted p-values for many per-configuration
// tests, and Student's t quantiles for the learning curves' bands over seeds.
import Foundation

/// The bootstrap's settings: 10,000 resamples of the pairs, a fixed seed, 95% intervals.
public struct BootstrapSettings: Sendable, Equatable, Codable {
    public var resamples: Int
    public var confidence: Double
    public var seed: UInt64

    public init(resamples: Int = 10_000, confidence: Double = 0.95, seed: UInt64 = 20_240_601) {
        self.resamples = resamples
        self.confidence = confidence
        self.seed = seed
    }

    public static let standard = BootstrapSettings()
}

/// A median with its bootstrap interval.
public struct IntervalEstimate: Sendable, Equatable, Codable {
    public var estimate: Double
    public var low: Double
    public var high: Double

    public init(estimate: Double, low: Double, high: Double) {
        self.estimate = estimate
        self.low = low
        self.high = high
    }

    /// Whether the interval excludes zero (the sign of the effect is settled at this level).
    public var excludesZero: Bool { low > 0 || high < 0 }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small, seeded, well-mixed generator.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n without modulo bias (Lemire 2019: multiply, reject the short tail).
    mutating func index(below n: Int) -> Int {
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound
        while true {
            let product = next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return Int(product.high) }
        }
    }
}

/// Percentile bootstrap of the medians of several paired columns at once: each resample
/// draws n row indices with replacement (the same rows for every column, so pairs stay
/// pairs) and takes each column's median; the interval is the (1 ± confidence)/2
/// quantiles (linear interpolation between order statistics) of the resampled medians.
/// Deterministic for given columns and settings. `nil` when there are no rows.
///
/// Cost: O(resamples · n · columns); each resample's median is found by counting draws
/// over the column's rows in sorted order, without sorting the resample.
public func bootstrapMedians(_ columns: [[Double]], settings: BootstrapSettings = .standard) -> [IntervalEstimate]? {
    guard let n = columns.first?.count, n > 0, columns.allSatisfy({ $0.count == n }), settings.resamples > 0 else { return nil }
    let orders = columns.map { column in column.indices.sorted { column[$0] < column[$1] } }
    var rng = SplitMix64(state: settings.seed)
    var counts = [Int](repeating: 0, count: n)
    var medians = [[Double]](repeating: [], count: columns.count)
    for c in medians.indices { medians[c].reserveCapacity(settings.resamples) }
    // Ranks (1-based) of the median of n values: one rank for odd n, two to average for even n.
    let lowRank = (n + 1) / 2, highRank = n / 2 + 1
    for _ in 0..<settings.resamples {
        for i in 0..<n { counts[i] = 0 }
        for _ in 0..<n { counts[rng.index(below: n)] += 1 }
        for (c, column) in columns.enumerated() {
            var seen = 0
            var lowValue = 0.0, highValue = 0.0
            for row in orders[c] {
                let before = seen
                seen += counts[row]
                if before < lowRank && seen >= lowRank { lowValue = column[row] }
                if seen >= highRank { highValue = column[row]; break }
            }
            medians[c].append(n % 2 == 1 ? lowValue : (lowValue + highValue) / 2)
        }
    }
    let tail = (1 - settings.confidence) / 2
    return columns.indices.map { c in
        let sorted = medians[c].sorted()
        return IntervalEstimate(estimate: median(columns[c])!, low: quantile(sorted, tail), high: quantile(sorted, 1 - tail))
    }
}

/// The q-quantile of sorted values, interpolating linearly between order statistics
/// (Hyndman and Fan's type 7, R's default).
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
    return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
}

/// Holm-Bonferroni adjusted p-values (Holm 1979), in the order given: with the m p-values
/// sorted ascending, p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1) · p₍ⱼ₎). Rejecting where
/// p̃ < α controls the family-wise error rate at α for any dependence between the tests.
public func holmAdjusted(_ pValues: [Double]) -> [Double] {
    let m = pValues.count
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 1, count: m)
    var running = 0.0
    for (rank, index) in order.enumerated() {
        running = max(running, min(1, Double(m - rank) * pValues[index]))
        adjusted[index] = running
    }
    return adjusted
}

/// The p-quantile of Student's t distribution with `df` degrees of freedom, by bisection
/// on the distribution function F(t) = 1 − ½·I_{df/(df+t²)}(df/2, ½) for t ≥ 0 (I: the
/// regularized incomplete beta function). Accurate to about 1e-10.
public func studentTQuantile(_ p: Double, degreesOfFreedom df: Int) -> Double {
    precondition(df > 0 && p > 0 && p < 1)
    if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: df) }
    let nu = Double(df)
    func cdf(_ t: Double) -> Double { 1 - 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5) }
    var low = 0.0, high = 1.0
    while cdf(high) < p { high *= 2 }
    for _ in 0..<200 where high - low > 1e-12 * max(1, high) {
        let mid = (low + high) / 2
        if cdf(mid) < p { low = mid } else { high = mid }
    }
    return (low + high) / 2
}

/// I_x(a, b) by its continued fraction (modified Lentz; Numerical Recipes §6.4), using
/// the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
    let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
    let logFront: Double = a * log(x) + b * log(1 - x) - logBeta
    let tiny = 1e-300
    var c = 1.0, d = 1 - (a + b) * x / (a + 1)
    d = abs(d) < tiny ? tiny : d
    d = 1 / d
    var fraction = d
    for m in 1...300 {
        let mm = Double(m)
        let even = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
        d = 1 + even * d; d = abs(d) < tiny ? tiny : d; d = 1 / d
        c = 1 + even / c; c = abs(c) < tiny ? tiny : c
        fraction *= d * c
        let odd = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
        d = 1 + odd * d; d = abs(d) < tiny ? tiny : d; d = 1 / d
        c = 1 + odd / c; c = abs(c) < tiny ? tiny : c
        let step = d * c
        fraction *= step
        if abs(step - 1) < 1e-15 { break }
    }
    return exp(logFront) * fraction / a
}

/// Two-sided (1 − α) t-interval half-widths, one per degrees of freedom, computed once.
public struct TIntervalTable: Sendable {
    public let confidence: Double
    private var cache: [Int: Double] = [:]

    public init(confidence: Double = 0.95) { self.confidence = confidence }

    /// t_{(1+confidence)/2, df}.
    public mutating func critical(degreesOfFreedom df: Int) -> Double {
        if let t = cache[df] { return t }
        let t = studentTQuantile((1 + confidence) / 2, degreesOfFreedom: df)
        cache[df] = t
        return t
    }
}

/// Welch's two-sample t-test (unequal variances), two-sided.
public struct WelchResult: Sendable, Equatable, Codable {
    public var t: Double
    /// Welch-Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    public var pValue: Double
}

/// t = (x̄ − ȳ) / √(s²ₓ/nₓ + s²ᵧ/nᵧ), ν = (s²ₓ/nₓ + s²ᵧ/nᵧ)² / ((s²ₓ/nₓ)²/(nₓ−1) + (s²ᵧ/nᵧ)²/(nᵧ−1)),
/// p = I_{ν/(ν+t²)}(ν/2, ½). `nil` with fewer than two finite values on a side, or when
/// both samples are constant (no spread to measure the difference against).
public func welchTTest(_ x: [Double], _ y: [Double]) -> WelchResult? {
    guard let sx = SummaryStat(x), let sy = SummaryStat(y), let vx = sx.sd.map({ $0 * $0 }), let vy = sy.sd.map({ $0 * $0 }) else { return nil }
    let ex = vx / Double(sx.n), ey = vy / Double(sy.n)
    guard ex + ey > 0 else { return nil }
    let t = (sx.mean - sy.mean) / (ex + ey).squareRoot()
    let nu = (ex + ey) * (ex + ey) / (ex * ex / Double(sx.n - 1) + ey * ey / Double(sy.n - 1))
    let p = regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    return WelchResult(t: t, degreesOfFreedom: nu, pValue: min(1, p))
}

/// The mean of the finite values with its two-sided t-interval, mean ± t_{(1+c)/2, n−1}·s/√n;
/// `nil` for fewer than two values.
public func tInterval(_ values: [Double], table: inout TIntervalTable) -> IntervalEstimate? {
    guard let stat = SummaryStat(values), let sd = stat.sd else { return nil }
    let half = table.critical(degreesOfFreedom: stat.n - 1) * sd / Double(stat.n).squareRoot()
    return IntervalEstimate(estimate: stat.mean, low: stat.mean - half, high: stat.mean + half)
}
