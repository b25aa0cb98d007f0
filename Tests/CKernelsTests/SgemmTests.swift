// Tests of rk_sgemm and the pre-packed B API on every path this CPU runs: results against a
// Float64 reference, leading dimensions, beta = 0 over NaN, bit-for-bit determinism.
import CKernels
import Foundation
import XCTest

/// A row-major matrix stored with a leading dimension larger than its column count.
/// The padding holds a sentinel so tests can see that nothing writes outside the matrix.
private struct PaddedMatrix {
    static let sentinel: Float = -7777.25
    let rows: Int, cols: Int, ld: Int
    var storage: [Float]

    init(rows: Int, cols: Int, padding: Int, fill: (Int, Int) -> Float) {
        self.rows = rows
        self.cols = cols
        ld = cols + padding
        storage = [Float](repeating: PaddedMatrix.sentinel, count: max(rows * ld, 1))
        for r in 0..<rows { for c in 0..<cols { storage[r * ld + c] = fill(r, c) } }
    }

    subscript(r: Int, c: Int) -> Float { storage[r * ld + c] }

    func paddingIsUntouched() -> Bool {
        for r in 0..<rows { for c in cols..<ld where storage[r * ld + c].bitPattern != PaddedMatrix.sentinel.bitPattern { return false } }
        return true
    }
}

/// Deterministic uniform values in [-1, 1) (a 64-bit LCG; quality is not the point).
private struct TestRandom {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 40) - (1 << 23)) / Float(1 << 23)
    }
}

private let allPathNames = ["avx512", "avx512-folded", "avx2", "neon", "portable"]

/// The paths this CPU can run (forcing each in turn); leaves the automatic choice in place.
private func supportedPaths() -> [String] {
    defer { rk_sgemm_force_path("auto") }
    return allPathNames.filter { rk_sgemm_force_path($0) == 1 }
}

/// One GEMM problem: op(A) is M x K, op(B) is K x N, C is M x N, each stored padded.
private struct GemmCase {
    let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float
    var a: PaddedMatrix, b: PaddedMatrix, c: PaddedMatrix

    init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float, seed: UInt64) {
        self.transA = transA; self.transB = transB; self.m = m; self.n = n; self.k = k; self.beta = beta
        var random = TestRandom(state: seed)
        a = transA ? PaddedMatrix(rows: k, cols: m, padding: 3) { _, _ in random.next() }
                   : PaddedMatrix(rows: m, cols: k, padding: 3) { _, _ in random.next() }
        b = transB ? PaddedMatrix(rows: n, cols: k, padding: 5) { _, _ in random.next() }
                   : PaddedMatrix(rows: k, cols: n, padding: 5) { _, _ in random.next() }
        // beta == 0 must overwrite C whatever it holds: fill it with NaN then.
        c = PaddedMatrix(rows: m, cols: n, padding: 2) { _, _ in beta == 0 ? Float.nan : random.next() }
    }

    func opA(_ i: Int, _ p: Int) -> Float { transA ? a[p, i] : a[i, p] }
    func opB(_ p: Int, _ j: Int) -> Float { transB ? b[j, p] : b[p, j] }

    /// Runs rk_sgemm on the current path, returning the resulting C.
    func run() -> PaddedMatrix {
        var out = c
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                out.storage.withUnsafeMutableBufferPointer { pc in
                    rk_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                             pa.baseAddress, Int32(a.ld), pb.baseAddress, Int32(b.ld),
                             beta, pc.baseAddress, Int32(c.ld))
                }
            }
        }
        return out
    }

    /// Largest |result - exact| / bound over C, where exact is computed in Float64 (float
    /// products are exact in Double and K <= a few thousand terms add ~K*2^-53, negligible).
    /// The bound is the worst-case error of a float32 sum of K products (Higham, Accuracy and
    /// Stability, eq. 3.5): gamma(K+2) * (sum_k |a_ik b_kj| + |beta c_ij|), gamma(n) = n u/(1 - n u),
    /// u = 2^-24; K+2 covers the product rounding (portable path), the K-1 additions, the
    /// final addition to C, and the block boundaries. It holds whatever the summation order,
    /// so the test cannot fail from rounding, yet one missing, repeated or misplaced term
    /// (of size ~ sum/K) is far outside it. Returns > 1 when some element is out of bound.
    func worstErrorRatio(_ result: PaddedMatrix) -> Double {
        let u = 1.0 / Double(1 << 24)
        let roundings = Double(k + 2), gamma = roundings * u / (1 - roundings * u)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                let old = beta == 0 ? 0.0 : Double(beta) * Double(c[i, j])
                var exact = old, magnitude = abs(old)
                for p in 0..<k {
                    let term = Double(opA(i, p)) * Double(opB(p, j))
                    exact += term
                    magnitude += abs(term)
                }
                let error = abs(Double(result[i, j]) - exact)
                let ratio = error == 0 ? 0 : error / (gamma * magnitude + Double.leastNormalMagnitude)
                if !(ratio <= worst) { worst = ratio.isNaN ? .infinity : ratio }
            }
        }
        return worst
    }
}

final class SgemmTests: XCTestCase {
    override func tearDown() {
        rk_sgemm_force_path("auto")
        super.tearDown()
    }

    func testAutomaticPathIsSupportedAndForcingUnknownPathFails() {
        let supported = supportedPaths()
        XCTAssertTrue(supported.contains("portable"))
        let auto = String(cString: rk_sgemm_path())
        XCTAssertTrue(supported.contains(auto), "auto path \(auto) not among \(supported)")
        // The automatic choice is the fastest supported path: the first of the list (fastest
        // first), except that an Intel CPU with AVX-512 gets its folded-broadcast form.
        #if arch(x86_64)
        let vendor = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("vendor_id") }
        let intel = vendor.map { $0.hasSuffix("GenuineIntel") } ?? false
        if supported.first == "avx512" && intel {
            XCTAssertEqual(auto, "avx512-folded", "an Intel CPU with AVX-512 gets the folded broadcast")
        } else {
            XCTAssertEqual(auto, supported.first, "\(vendor.map(String.init) ?? "no vendor_id"): the first supported path")
        }
        #else
        XCTAssertEqual(auto, supported.first)
        #endif
        XCTAssertEqual(rk_sgemm_force_path("sse9"), 0)
        XCTAssertEqual(String(cString: rk_sgemm_path()), auto, "a failed force must not change the path")
        #if arch(x86_64)
        XCTAssertFalse(supported.contains("neon"))
        #elseif arch(arm64)
        XCTAssertTrue(supported.contains("neon"))
        #endif
    }

    /// Every path, all four transpose combinations, beta 0 (over NaN) and 1, shapes that hit
    /// every edge of the micro-tiles (12x32, 6x16, 4x16) and the K blocking (K > 512).
    func testAllPathsMatchFloat64ReferenceOnEdgeShapes() {
        let shapes: [(m: Int, n: Int, k: Int)] = [
            (1, 1, 1), (1, 7, 3), (5, 1, 2), (2, 3, 1), (3, 5, 7), (6, 16, 8), (7, 17, 9),
            (12, 32, 16), (13, 33, 5), (11, 31, 13), (24, 48, 4), (25, 15, 17), (32, 64, 12),
            (4, 96, 33), (97, 3, 6), (130, 40, 3), (3, 9, 900), (98, 4, 520),
        ]
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (index, shape) in shapes.enumerated() {
                for transA in [false, true] { for transB in [false, true] { for beta: Float in [0, 1] {
                    let gemm = GemmCase(transA: transA, transB: transB, m: shape.m, n: shape.n, k: shape.k,
                                        beta: beta, seed: UInt64(index * 8 + 1))
                    let result = gemm.run()
                    let label = "\(path) tA=\(transA) tB=\(transB) beta=\(beta) M=\(shape.m) N=\(shape.n) K=\(shape.k)"
                    XCTAssertLessThanOrEqual(gemm.worstErrorRatio(result), 1.0, label)
                    XCTAssertTrue(result.paddingIsUntouched(), "wrote outside C: \(label)")
                } } }
            }
        }
    }

    /// A shape wider than the column blocking (N > 2048) on each path.
    func testWideOutputCrossesColumnBlocks() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for transB in [false, true] {
                let gemm = GemmCase(transA: false, transB: transB, m: 3, n: 2100, k: 5, beta: 1, seed: 99)
                let result = gemm.run()
                XCTAssertLessThanOrEqual(gemm.worstErrorRatio(result), 1.0, "\(path) tB=\(transB)")
                XCTAssertTrue(result.paddingIsUntouched())
            }
        }
    }

    /// Betas other than 0 and 1 scale C before the product is added (also with K = 0).
    func testOtherBetasScaleC() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (m, n, k) in [(13, 33, 5), (7, 17, 600), (4, 5, 0)] {
                for beta: Float in [0.5, -2] {
                    let gemm = GemmCase(transA: k % 2 == 1, transB: true, m: m, n: n, k: k, beta: beta, seed: 77)
                    let result = gemm.run()
                    XCTAssertLessThanOrEqual(gemm.worstErrorRatio(result), 1.0, "\(path) beta=\(beta) \(m)x\(n)x\(k)")
                    XCTAssertTrue(result.paddingIsUntouched())
                }
            }
        }
    }

    func testZeroSizedProducts() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            // K = 0: beta 0 clears C (even NaN), beta 1 leaves it as it is.
            var c: [Float] = [.nan, 2, 3, .nan]
            rk_sgemm(0, 0, 2, 2, 0, nil, 1, nil, 2, 0, &c, 2)
            XCTAssertEqual(c, [0, 0, 0, 0], path)
            c = [1, 2, 3, 4]
            rk_sgemm(1, 1, 2, 2, 0, nil, 2, nil, 1, 1, &c, 2)
            XCTAssertEqual(c, [1, 2, 3, 4], path)
            // M = 0 or N = 0: nothing is touched.
            rk_sgemm(0, 0, 0, 2, 3, nil, 3, nil, 2, 0, &c, 2)
            rk_sgemm(0, 0, 2, 0, 3, nil, 3, nil, 1, 0, &c, 1)
            XCTAssertEqual(c, [1, 2, 3, 4], path)
        }
    }

    /// Same inputs, same bits: twice in a row, from copies at other addresses, after calls of
    /// other sizes (which regrow the packing buffers), and a row computed alone equals that
    /// row inside a bigger product (the sum order does not depend on the tile).
    func testResultsAreBitIdenticalAcrossCallsAddressesAndTiles() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let gemm = GemmCase(transA: transA, transB: transB, m: 37, n: 45, k: 700, beta: 1, seed: 5)
                let first = gemm.run()
                _ = GemmCase(transA: true, transB: false, m: 200, n: 70, k: 500, beta: 0, seed: 6).run()
                let second = gemm.run()
                XCTAssertEqual(first.storage.map(\.bitPattern), second.storage.map(\.bitPattern), "\(path) repeat")

                // Shifted copies: the same values one float further into fresh arrays.
                var shifted = gemm
                shifted.a.storage.insert(0, at: 0)
                shifted.b.storage.insert(0, at: 0)
                let third: [Float] = shifted.a.storage.withUnsafeBufferPointer { pa in
                    shifted.b.storage.withUnsafeBufferPointer { pb in
                        var out = [Float](repeating: 0, count: gemm.c.storage.count + 1)
                        out.replaceSubrange(1..., with: gemm.c.storage)
                        out.withUnsafeMutableBufferPointer { pc in
                            rk_sgemm(transA ? 1 : 0, transB ? 1 : 0, 37, 45, 700, pa.baseAddress! + 1, Int32(gemm.a.ld),
                                     pb.baseAddress! + 1, Int32(gemm.b.ld), 1, pc.baseAddress! + 1, Int32(gemm.c.ld))
                        }
                        return Array(out.dropFirst())
                    }
                }
                XCTAssertEqual(first.storage.map(\.bitPattern), third.map(\.bitPattern), "\(path) shifted")

                // Row 13 of op(A) alone (M = 1) against row 13 of the full product.
                let row = 13
                var single = [Float](gemm.c.storage[(row * gemm.c.ld)..<(row * gemm.c.ld + gemm.n)])
                gemm.a.storage.withUnsafeBufferPointer { pa in
                    gemm.b.storage.withUnsafeBufferPointer { pb in
                        let aRow = transA ? pa.baseAddress! + row : pa.baseAddress! + row * gemm.a.ld
                        rk_sgemm(transA ? 1 : 0, transB ? 1 : 0, 1, 45, 700, aRow, Int32(gemm.a.ld),
                                 pb.baseAddress, Int32(gemm.b.ld), 1, &single, 45)
                    }
                }
                let fullRow = Array(first.storage[(row * gemm.c.ld)..<(row * gemm.c.ld + gemm.n)])
                XCTAssertEqual(single.map(\.bitPattern), fullRow.map(\.bitPattern), "\(path) row alone")
            }
        }
    }

    /// rk_sgemm_packed gives the bits of rk_sgemm with the unpacked B, for both layouts of B,
    /// both betas and both transA, including K > 512 and ragged N.
    func testPrepackedBMatchesUnpackedBitForBit() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (m, n, k) in [(32, 96, 64), (7, 45, 600), (33, 17, 3), (130, 70, 40)] {
                for transA in [false, true] { for transB in [false, true] { for beta: Float in [0, 1] {
                    let gemm = GemmCase(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, seed: 11)
                    let expected = gemm.run()
                    var packed = [Float](repeating: .nan, count: rk_sgemm_packed_b_size(Int32(k), Int32(n)))
                    gemm.b.storage.withUnsafeBufferPointer { pb in
                        rk_sgemm_pack_b(transB ? 1 : 0, Int32(k), Int32(n), pb.baseAddress, Int32(gemm.b.ld), &packed)
                    }
                    var result = gemm.c
                    let status = gemm.a.storage.withUnsafeBufferPointer { pa in
                        rk_sgemm_packed(transA ? 1 : 0, Int32(m), Int32(n), Int32(k), pa.baseAddress, Int32(gemm.a.ld),
                                        packed, beta, &result.storage, Int32(gemm.c.ld))
                    }
                    let label = "\(path) tA=\(transA) tB=\(transB) beta=\(beta) \(m)x\(n)x\(k)"
                    XCTAssertEqual(status, 1, label)
                    XCTAssertEqual(result.storage.map(\.bitPattern), expected.storage.map(\.bitPattern), label)
                } } }
            }
        }
    }

    /// Column blocks of a packed product (a thread's units of every gate block) get exactly the
    /// bits of the whole product, and together cover it; misaligned or out-of-range blocks are
    /// refused without touching C.
    func testPackedColumnBlocksMatchWholeProduct() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (m, h, k, blocks) in [(32, 96, 64, 4), (7, 64, 600, 3), (13, 128, 40, 1)] {
                let n = blocks * h
                for beta: Float in [0, 1] {
                    let gemm = GemmCase(transA: false, transB: true, m: m, n: n, k: k, beta: beta, seed: 5)
                    let expected = gemm.run()
                    var packed = [Float](repeating: .nan, count: rk_sgemm_packed_b_size(Int32(k), Int32(n)))
                    gemm.b.storage.withUnsafeBufferPointer { rk_sgemm_pack_b(1, Int32(k), Int32(n), $0.baseAddress, Int32(gemm.b.ld), &packed) }
                    var result = gemm.c
                    // Units [0, 32) and [32, h) of every block, as two threads would compute them.
                    for units in [0..<32, 32..<h] {
                        let starts = (0..<blocks).map { Int32($0 * h + units.lowerBound) }
                        let status = gemm.a.storage.withUnsafeBufferPointer { pa in
                            rk_sgemm_packed_columns(Int32(m), Int32(n), Int32(k), pa.baseAddress, Int32(gemm.a.ld), packed,
                                                    Int32(blocks), starts, Int32(units.count), beta, &result.storage, Int32(gemm.c.ld))
                        }
                        XCTAssertEqual(status, 1, "\(path) \(m)x\(n)x\(k) units \(units)")
                    }
                    XCTAssertEqual(result.storage.map(\.bitPattern), expected.storage.map(\.bitPattern), "\(path) \(m)x\(n)x\(k) beta=\(beta)")
                }
            }
            var packed = [Float](repeating: 0, count: rk_sgemm_packed_b_size(8, 64))
            let b = [Float](repeating: 1, count: 64 * 8), a = [Float](repeating: 1, count: 2 * 8)
            rk_sgemm_pack_b(1, 8, 64, b, 8, &packed)
            var c = [Float](repeating: 7, count: 2 * 64)
            XCTAssertEqual(rk_sgemm_packed_columns(2, 64, 8, a, 8, packed, 1, [5], 16, 0, &c, 64), 0, "misaligned start accepted")
            XCTAssertEqual(rk_sgemm_packed_columns(2, 64, 8, a, 8, packed, 1, [32], 48, 0, &c, 64), 0, "block past N accepted")
            XCTAssertEqual(rk_sgemm_packed_columns(2, 64, 9, a, 8, packed, 1, [0], 32, 0, &c, 64), 0, "wrong K accepted")
            XCTAssertEqual(c, [Float](repeating: 7, count: 2 * 64), "C touched by a refused call")
        }
        rk_sgemm_force_path("auto")
    }

    /// Packing B in column parts (as a thread team does, one part per thread) writes exactly the
    /// buffer one whole packing writes, for any number of parts, including more parts than panels.
    func testPackingInPartsEqualsPackingWhole() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (k, n) in [(64, 96), (600, 45), (3, 17), (40, 130)] {
                for transB in [false, true] {
                    let b = PaddedMatrix(rows: transB ? n : k, cols: transB ? k : n, padding: 3) { r, c in Float(r * 31 + c) / 7 }
                    let size = rk_sgemm_packed_b_size(Int32(k), Int32(n))
                    var whole = [Float](repeating: .nan, count: size)
                    b.storage.withUnsafeBufferPointer { rk_sgemm_pack_b(transB ? 1 : 0, Int32(k), Int32(n), $0.baseAddress, Int32(b.ld), &whole) }
                    for parts in 1...5 {
                        var split = [Float](repeating: .nan, count: size)
                        for part in (0..<parts).reversed() {
                            b.storage.withUnsafeBufferPointer {
                                rk_sgemm_pack_b_part(transB ? 1 : 0, Int32(k), Int32(n), $0.baseAddress, Int32(b.ld), &split, Int32(part), Int32(parts))
                            }
                        }
                        XCTAssertEqual(split.map(\.bitPattern), whole.map(\.bitPattern), "\(path) \(k)x\(n) tB=\(transB) in \(parts) parts")
                    }
                }
            }
        }
        rk_sgemm_force_path("auto")
    }

    /// Two products sharing op(A) (A packed once) equal the two separate rk_sgemm calls bit for
    /// bit (those are held to the Float64 reference above), padding included, on shapes with one
    /// and several blocks of A, ragged panels, an empty product and several K blocks.
    func testSharedAProductsMatchSeparateCallsBitForBit() {
        for path in supportedPaths() {
            XCTAssertEqual(rk_sgemm_force_path(path), 1)
            for (m, n1, n2, k) in [(32, 64, 96, 40), (200, 45, 70, 600), (130, 17, 1, 3), (97, 0, 33, 5)] {
                for transA in [false, true] { for beta: Float in [0, 1] {
                    let first = GemmCase(transA: transA, transB: false, m: m, n: n1, k: k, beta: beta, seed: 21)
                    var second = GemmCase(transA: transA, transB: false, m: m, n: n2, k: k, beta: beta, seed: 22)
                    second.a = first.a  // the shared left operand
                    let expected1 = first.run(), expected2 = second.run()
                    var c1 = first.c, c2 = second.c
                    first.a.storage.withUnsafeBufferPointer { pa in
                        first.b.storage.withUnsafeBufferPointer { pb1 in
                            second.b.storage.withUnsafeBufferPointer { pb2 in
                                c1.storage.withUnsafeMutableBufferPointer { pc1 in
                                    c2.storage.withUnsafeMutableBufferPointer { pc2 in
                                        rk_sgemm_shared_a(transA ? 1 : 0, Int32(m), Int32(k), pa.baseAddress, Int32(first.a.ld),
                                                          Int32(n1), pb1.baseAddress, Int32(first.b.ld), pc1.baseAddress, Int32(first.c.ld),
                                                          Int32(n2), pb2.baseAddress, Int32(second.b.ld), pc2.baseAddress, Int32(second.c.ld),
                                                          beta)
                                    }
                                }
                            }
                        }
                    }
                    let label = "\(path) tA=\(transA) beta=\(beta) \(m)x(\(n1)+\(n2))x\(k)"
                    XCTAssertEqual(c1.storage.map(\.bitPattern), expected1.storage.map(\.bitPattern), label)
                    XCTAssertEqual(c2.storage.map(\.bitPattern), expected2.storage.map(\.bitPattern), label)
                } }
            }
        }
    }

    /// avx512 (both broadcast forms), avx2 and neon all use fused multiply-adds in the same order: same bits.
    func testFusedMultiplyAddPathsAgreeBitForBit() throws {
        let fmaPaths = supportedPaths().filter { $0 != "portable" }
        guard fmaPaths.count >= 2 else { throw XCTSkip("only \(fmaPaths) on this CPU") }
        for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
            let gemm = GemmCase(transA: transA, transB: transB, m: 41, n: 50, k: 1100, beta: 1, seed: 21)
            var results: [[UInt32]] = []
            for path in fmaPaths {
                XCTAssertEqual(rk_sgemm_force_path(path), 1)
                results.append(gemm.run().storage.map(\.bitPattern))
            }
            for (path, bits) in zip(fmaPaths, results).dropFirst() {
                XCTAssertEqual(bits, results[0], "\(path) differs from \(fmaPaths[0]) tA=\(transA) tB=\(transB)")
            }
        }
    }

    /// Each thread has its own packing buffers: threads running products of different sizes
    /// at once get the bits a single thread gets.
    func testConcurrentCallsOnThreadsGiveSingleThreadBits() {
        let cases = (0..<4).map { index in
            GemmCase(transA: index % 2 == 1, transB: index >= 2, m: 20 + 40 * index, n: 33 + index, k: 300 + 150 * index,
                     beta: 0, seed: UInt64(40 + index))
        }
        let expected = cases.map { $0.run().storage.map(\.bitPattern) }
        let lock = NSLock()
        var mismatches: [Int] = []
        DispatchQueue.concurrentPerform(iterations: 16) { iteration in
            let index = iteration % cases.count
            let bits = cases[index].run().storage.map(\.bitPattern)
            if bits != expected[index] { lock.lock(); mismatches.append(index); lock.unlock() }
        }
        XCTAssertEqual(mismatches, [])
    }

    func testPrepackedBRejectsOtherShapesWithoutTouchingC() {
        let b = [Float](repeating: 1, count: 6 * 4)
        var packed = [Float](repeating: 0, count: rk_sgemm_packed_b_size(6, 4))
        rk_sgemm_pack_b(0, 6, 4, b, 4, &packed)
        let a = [Float](repeating: 1, count: 2 * 6)
        var c = [Float](repeating: 5, count: 2 * 4)
        XCTAssertEqual(rk_sgemm_packed(0, 2, 4, 5, a, 6, packed, 0, &c, 4), 0, "wrong K accepted")
        XCTAssertEqual(rk_sgemm_packed(0, 2, 3, 6, a, 6, packed, 0, &c, 4), 0, "wrong N accepted")
        let notPacked = [Float](repeating: 0, count: packed.count)
        XCTAssertEqual(rk_sgemm_packed(0, 2, 4, 6, a, 6, notPacked, 0, &c, 4), 0, "unpacked buffer accepted")
        XCTAssertEqual(c, [Float](repeating: 5, count: 8))
        XCTAssertEqual(rk_sgemm_packed(0, 2, 4, 6, a, 6, packed, 0, &c, 4), 1)
        XCTAssertEqual(c, [Float](repeating: 6, count: 8))
    }
}
