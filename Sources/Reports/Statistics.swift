// Small statistics used by the comparison report: mean ± standard deviation, median,
// average ranks with ties, and the Wilcoxon signed-rank test (exact and normal approximation).
import Foundation

/// Mean and sample standard deviation (n − 1 in the denominator) of a set of values.
public struct SummaryStat: Sendable, Equatable, Codable {
    public var mean: Double
    /// Sample standard deviation; `nil` when n < 2 (one seed says nothing about noise).
    public var sd: Double?
    public var n: Int

    public init(mean: Double, sd: Double?, n: Int) {
        self.mean = mean
        self.sd = sd
        self.n = n
    }

    /// The summary of the finite values among `values`; `nil` when there are none.
    public init?(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        let mean = finite.reduce(0, +) / Double(finite.count)
        self.mean = mean
        self.n = finite.count
        if finite.count >= 2 {
            let squares = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            self.sd = (squares / Double(finite.count - 1)).squareRoot()
        } else {
            self.sd = nil
        }
    }
}

/// The median of the finite values, `nil` when there are none.
public func median(_ values: [Double]) -> Double? {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Ranks 1...n of `values` in ascending order; tied values share the average of their ranks.
public func averageRanks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
        let shared = Double(start + end + 2) / 2   // average of ranks start+1 ... end+1
        for position in start...end { ranks[order[position]] = shared }
        start = end + 1
    }
    return ranks
}

/// Result of a two-sided Wilcoxon signed-rank test on paired differences.
public struct WilcoxonResult: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable {
        /// Exact distribution of W+ over all 2^n sign assignments of the observed ranks.
        case exact
        /// Normal approximation with tie correction of the variance and continuity correction.
        case normal
    }
    /// Number of non-zero differences (the n of the test).
    public var n: Int
    /// Differences equal to zero, dropped before ranking (Wilcoxon's convention).
    public var zeros: Int
    /// Sum of the ranks of |d| over positive differences.
    public var wPlus: Double
    /// Sum of the ranks of |d| over negative differences.
    public var wMinus: Double
    /// The test statistic T = min(W+, W−).
    public var statistic: Double
    /// Two-sided p-value.
    public var pValue: Double
    public var method: Method
    /// The standardised statistic of the normal approximation (`nil` for the exact test).
    public var z: Double?
}

/// Two-sided Wilcoxon signed-rank test of the hypothesis that the paired differences are
/// symmetric around zero.
///
/// Zeros are dropped; |d| is ranked with average ranks for ties; W+ and W− are the rank sums
/// of the positive and negative differences, T = min(W+, W−).
/// - n ≤ `exactLimit` (25): exact p = min(1, 2 · min(P(W+ ≤ w), P(W+ ≥ w))) over the 2^n
///   equally likely sign assignments of the observed ranks (ranks are doubled to integers, so
///   tied ranks are handled exactly: this is the exact permutation distribution).
/// - n > 25: z = (W+ − n(n+1)/4 − sign · 0.5) / σ with
///   σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over groups of t tied |d|, and p = erfc(|z|/√2).
/// n = 0 (no non-zero difference) gives p = 1.
public func wilcoxonSignedRank(_ differences: [Double], exactLimit: Int = 25) -> WilcoxonResult {
    let finite = differences.filter(\.isFinite)
    let nonZero = finite.filter { $0 != 0 }
    let zeros = finite.count - nonZero.count
    let n = nonZero.count
    guard n > 0 else {
        return WilcoxonResult(n: 0, zeros: zeros, wPlus: 0, wMinus: 0, statistic: 0, pValue: 1, method: .exact, z: nil)
    }
    let ranks = averageRanks(nonZero.map { abs($0) })
    var wPlus = 0.0
    for (difference, rank) in zip(nonZero, ranks) where difference > 0 { wPlus += rank }
    let total = Double(n * (n + 1)) / 2
    let wMinus = total - wPlus
    let statistic = min(wPlus, wMinus)

    if n <= exactLimit {
        // Doubled ranks are integers; count sign assignments by their doubled W+.
        let doubled = ranks.map { Int(($0 * 2).rounded()) }
        let maximum = doubled.reduce(0, +)
        var counts = [Double](repeating: 0, count: maximum + 1)
        counts[0] = 1
        var reach = 0
        for rank in doubled {
            reach += rank
            for sum in stride(from: reach, through: rank, by: -1) { counts[sum] += counts[sum - rank] }
        }
        let observed = Int((wPlus * 2).rounded())
        let all = pow(2.0, Double(n))
        let lower = counts[0...observed].reduce(0, +) / all
        let upper = counts[observed...maximum].reduce(0, +) / all
        let p = min(1, 2 * min(lower, upper))
        return WilcoxonResult(n: n, zeros: zeros, wPlus: wPlus, wMinus: wMinus, statistic: statistic,
                              pValue: p, method: .exact, z: nil)
    }

    let mean = total / 2
    var tieCorrection = 0.0
    let sortedAbs = nonZero.map { abs($0) }.sorted()
    var start = 0
    while start < sortedAbs.count {
        var end = start
        while end + 1 < sortedAbs.count && sortedAbs[end + 1] == sortedAbs[start] { end += 1 }
        let t = Double(end - start + 1)
        tieCorrection += t * t * t - t
        start = end + 1
    }
    let nn = Double(n)
    let variance = nn * (nn + 1) * (2 * nn + 1) / 24 - tieCorrection / 48
    let deviation = wPlus - mean
    let corrected = deviation == 0 ? 0 : deviation - (deviation > 0 ? 0.5 : -0.5)
    let z = variance > 0 ? corrected / variance.squareRoot() : 0
    let p = min(1, erfc(abs(z) / 2.0.squareRoot()))
    return WilcoxonResult(n: n, zeros: zeros, wPlus: wPlus, wMinus: wMinus, statistic: statistic,
                          pValue: p, method: .normal, z: z)
}
