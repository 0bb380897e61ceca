import CBLAS
import Foundation

/// Row-major single-precision matrix multiply, the one place that calls BLAS.
///
/// Computes `C = alpha · op(A) · op(B) + beta · C` with `cblas_sgemm` (CblasRowMajor), where
/// `op(X)` is `X` or `Xᵀ`. Shapes: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`,
/// all row-major with leading dimensions `lda`, `ldb`, `ldc` (elements, not bytes).
/// `beta = 0` overwrites `C`; `beta = 1` accumulates (`+=`).
enum GEMM {
    /// Multiplies `op(A)·op(B)` into `C` (see the type's discussion for shapes and `beta`).
    ///
    /// - Precondition: `m, n, k ≥ 0`; leading dimensions at least the row lengths.
    @inline(__always)
    static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the number of OpenBLAS threads for the whole process (`openblas_set_num_threads`).
    static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// The current number of OpenBLAS threads (`openblas_get_num_threads`).
    static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// Process-wide BLAS settings.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses per GEMM call (`openblas_set_num_threads`).
    ///
    /// The engine's default is 1, so that parallel runs on separate threads do not oversubscribe
    /// the cores; results are identical for any count (sgemm splits rows and columns, not the
    /// inner dimension), but only 1 is tested.
    public static func setThreadCount(_ n: Int) {
        BLASSettings.chosenByCaller.value = true
        GEMM.setThreadCount(n)
    }
}

/// Remembers whether a caller chose the BLAS thread count (then the trainer leaves it alone).
enum BLASSettings {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = false
        var value: Bool {
            get { lock.lock(); defer { lock.unlock() }; return stored }
            set { lock.lock(); stored = newValue; lock.unlock() }
        }
    }
    static let chosenByCaller = Flag()
}
