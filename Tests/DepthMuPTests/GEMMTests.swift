import XCTest
@testable import DepthMuP

/// `GEMM` (cblas_sgemm) against the naive Double-accumulating `ReferenceGEMM`.
final class GEMMTests: XCTestCase {
    /// Every transpose combination, with padded leading dimensions, for beta 0 (overwrite) and 1 (`+=`).
    func testEveryTransposeCaseMatchesReference() {
        var random = SeededRandom(seed: 7)
        let m = 7, n = 5, k = 9
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                for beta: Float in [0, 1] {
                    // Stored shapes: A is [m, k] or [k, m]; B is [k, n] or [n, k]; one padding column each.
                    let aRows = transposeA ? k : m, aColumns = transposeA ? m : k
                    let bRows = transposeB ? n : k, bColumns = transposeB ? k : n
                    let lda = aColumns + 1, ldb = bColumns + 2, ldc = n + 3
                    let a = (0..<(aRows * lda)).map { _ in random.nextGaussianFloat() }
                    let b = (0..<(bRows * ldb)).map { _ in random.nextGaussianFloat() }
                    let c0 = (0..<(m * ldc)).map { _ in random.nextGaussianFloat() }
                    var expected = c0
                    ReferenceGEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
                    var actual = c0
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            actual.withUnsafeMutableBufferPointer { pc in
                                GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                                              a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                              beta: beta, c: pc.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    var worst: Float = 0, worstIndex = 0
                    for i in 0..<expected.count where abs(expected[i] - actual[i]) > worst {
                        worst = abs(expected[i] - actual[i])
                        worstIndex = i
                    }
                    // Tolerance: k = 9 Float products of N(0,1) values, |C| ≲ 5; 1e-5 absolute is ~20 ulps.
                    XCTAssertLessThan(worst, 1e-5, "transA=\(transposeA) transB=\(transposeB) beta=\(beta): max |Δ| \(worst) at \(worstIndex)")
                    // Padding columns of C must be untouched.
                    for row in 0..<m { for column in n..<ldc { XCTAssertEqual(actual[row * ldc + column], c0[row * ldc + column]) } }
                }
            }
        }
    }
}
