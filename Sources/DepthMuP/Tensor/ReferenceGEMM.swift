/// Naive triple-loop GEMM in Double, the test oracle for ``GEMM``.
///
/// Same contract as `GEMM.multiply`: `C = alpha · op(A) · op(B) + beta · C`, row-major, with
/// `op(A)` `[m, k]`, `op(B)` `[k, n]`, `C` `[m, n]`. Accumulates in Double (llm.c keeps its naive
/// matmul the same way).
enum ReferenceGEMM {
    /// Multiplies with explicit loops; `c` is overwritten when `beta == 0`, else scaled and `+=`.
    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
        beta: Float, c: inout [Float], ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }
}
