// Scrambled Sobol points for `random.sampler: "sobol"`: a low-discrepancy sequence
// (Sobol 1967; direction numbers of Joe & Kuo 2008, new-joe-kuo-6.21201) with a linear matrix
// scramble and a digital shift (Matoušek 1998), both drawn from the search seed.
import SequenceModels

/// The first points of a scrambled Sobol sequence in [0, 1)^dimensions, 32 bits per coordinate.
///
/// Point i is the XOR of the (scrambled) direction numbers selected by the bits of i's Gray
/// code, XOR a random shift. The scramble multiplies every direction number by a random
/// lower-triangular binary matrix with unit diagonal (digit k of the result depends on
/// digits 1…k of the input) and then XORs a random 32-bit shift: both are bijections on each
/// prefix of digits, so the first 2^m points still put exactly one point in each interval
/// [j/2^m, (j+1)/2^m) of every coordinate, as unscrambled Sobol points do. The random bits
/// come from ``Xoshiro256`` seeded with the search seed, dimension by dimension (32 matrix
/// rows, then the shift), so the points depend on (dimensions, seed) alone.
public struct SobolSequence: Sendable {
    public static let maximumDimensions = SobolDirections.table.count + 1
    static let bits = 32

    public let dimensions: Int
    /// directions[d][k]: the scrambled direction number of dimension d for bit k of the index.
    let directions: [[UInt32]]
    let shifts: [UInt32]

    /// `scrambleSeed` nil: the plain (unscrambled) sequence, which starts at the origin.
    public init(dimensions: Int, scrambleSeed: UInt64?) {
        precondition(dimensions >= 1 && dimensions <= Self.maximumDimensions, "Sobol dimensions \(dimensions)")
        self.dimensions = dimensions
        var rng = Xoshiro256(seed: scrambleSeed ?? 0)
        var directions: [[UInt32]] = []
        var shifts: [UInt32] = []
        for dimension in 0..<dimensions {
            let plain = Self.plainDirections(dimension)
            guard scrambleSeed != nil else {
                directions.append(plain)
                shifts.append(0)
                continue
            }
            // Row masks of the lower-triangular matrix: output bit b takes input bit b plus
            // the parity of the more significant input bits selected by masks[b].
            var masks = [UInt32](repeating: 0, count: Self.bits)
            for bit in stride(from: Self.bits - 1, through: 0, by: -1) {
                let above: UInt32 = bit == Self.bits - 1 ? 0 : ~UInt32(0) << UInt32(bit + 1)
                masks[bit] = UInt32(truncatingIfNeeded: rng.next() >> 32) & above
            }
            directions.append(plain.map { v in
                var out: UInt32 = 0
                for bit in 0..<Self.bits {
                    let own = (v >> UInt32(bit)) & 1
                    let mixed = UInt32((v & masks[bit]).nonzeroBitCount & 1)
                    out |= (own ^ mixed) << UInt32(bit)
                }
                return out
            })
            shifts.append(UInt32(truncatingIfNeeded: rng.next() >> 32))
        }
        self.directions = directions
        self.shifts = shifts
    }

    /// The first `count` points, each `dimensions` coordinates in [0, 1).
    public func points(_ count: Int) -> [[Double]] {
        var state = shifts
        var result: [[Double]] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(state.map { Double($0) / 4_294_967_296.0 })
            // Gray-code order: the next point flips the direction of index's lowest zero bit.
            let bit = (~index & (index + 1)).trailingZeroBitCount
            guard bit < Self.bits else { break }
            for d in 0..<dimensions { state[d] ^= directions[d][bit] }
        }
        return result
    }

    /// Direction numbers v_k = m_k · 2^(32−k) of one dimension (0: van der Corput), from the
    /// primitive polynomial's recurrence m_k = 2a₁m_{k−1} ⊕ 2²a₂m_{k−2} ⊕ … ⊕ 2^s m_{k−s} ⊕ m_{k−s}.
    static func plainDirections(_ dimension: Int) -> [UInt32] {
        guard dimension > 0 else { return (0..<bits).map { UInt32(1) << UInt32(bits - 1 - $0) } }
        let (s, a, initial) = SobolDirections.table[dimension - 1]
        var m = initial.map(UInt64.init)
        for k in s..<bits {
            var v = m[k - s] ^ (m[k - s] << UInt64(s))
            for j in 1..<s where (a >> (s - 1 - j)) & 1 == 1 { v ^= m[k - j] << UInt64(j) }
            m.append(v)
        }
        return (0..<bits).map { UInt32(truncatingIfNeeded: m[$0] << UInt64(bits - 1 - $0)) }
    }
}

/// Joe & Kuo's table for dimensions 2…21: (degree s, coefficients a, initial m₁…m_s).
enum SobolDirections {
    static let table: [(Int, Int, [Int])] = [
        (1, 0, [1]), (2, 1, [1, 3]), (3, 1, [1, 3, 1]), (3, 2, [1, 1, 1]), (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]), (5, 2, [1, 1, 5, 5, 17]), (5, 4, [1, 1, 5, 5, 5]), (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]), (5, 13, [1, 1, 1, 3, 11]), (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]), (6, 13, [1, 1, 1, 15, 21, 21]), (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]), (6, 22, [1, 3, 1, 15, 13, 25]), (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]), (7, 4, [1, 3, 7, 13, 13, 15, 69]),
    ]
}

/// Centered L2 discrepancy (Hickernell 1998) of points in [0, 1)^d, squared: how far the
/// points are from uniform, over every box anchored at a corner of the cube (lower is better).
public func centeredL2DiscrepancySquared(_ points: [[Double]]) -> Double {
    guard let d = points.first?.count else { return 0 }
    let n = Double(points.count)
    var first = 0.0, second = 0.0
    for x in points {
        var product = 1.0
        for k in 0..<d {
            let t = abs(x[k] - 0.5)
            product *= 1 + 0.5 * t - 0.5 * t * t
        }
        first += product
    }
    for x in points {
        for y in points {
            var product = 1.0
            for k in 0..<d {
                product *= 1 + 0.5 * abs(x[k] - 0.5) + 0.5 * abs(y[k] - 0.5) - 0.5 * abs(x[k] - y[k])
            }
            second += product
        }
    }
    return pow13over12(d) - 2 / n * first + second / (n * n)
}

private func pow13over12(_ d: Int) -> Double {
    var value = 1.0
    for _ in 0..<d { value *= 13.0 / 12.0 }
    return value
}
