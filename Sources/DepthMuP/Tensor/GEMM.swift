import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        _ = coreSelection
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Overwrites `y` `[m]` with `A · x`, `A` `[m, n]` row-major with leading dimension `lda`,
    /// `x` `[n]` (one `cblas_sgemv`, CblasRowMajor, no transpose).
    ///
    /// Each call computes one vector by itself, so its bits depend only on `A` and `x`: unlike
    /// a row of an sgemm, whose bits can depend on where the row sits in the batch (see
    /// ``Linear/forwardRows(output:input:weight:rows:inputs:outputs:)``).
    /// - Precondition: `m, n ≥ 0`; `lda ≥ n`.
    @inline(__always)
    static func multiplyVector(m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                               y: UnsafeMutablePointer<Float>) {
        if m == 0 { return }
        _ = coreSelection
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(lda), x, 1, 0, y, 1)
    }

    /// Sets the number of OpenBLAS threads for the whole process (`openblas_set_num_threads`).
    static func setThreadCount(_ count: Int) {
        _ = coreSelection
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The kernel family OpenBLAS uses (`openblas_get_corename`), e.g. "SkylakeX".
    static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Runs once before the first GEMM: when OpenBLAS (a DYNAMIC_ARCH build) fell back to its
    /// generic SSE3 "Prescott" kernels on a CPU it does not know, re-selects AVX-512 ("SkylakeX")
    /// or AVX2 ("Haswell") kernels from /proc/cpuinfo.
    ///
    /// NOTE: Debian's OpenBLAS 0.3.21 does not recognize recent Xeons (family 6 model 207) and
    /// picks Prescott, 3× slower. The fix is what `OPENBLAS_CORETYPE` does at load time:
    /// `gotoblas_dynamic_quit()`, set the variable, `gotoblas_dynamic_init()` (exported symbols,
    /// found with dlsym). A user-set `OPENBLAS_CORETYPE` is respected; nothing changes when the
    /// symbols are absent.
    nonisolated(unsafe) static var overrodeCoreType = false

    static let coreSelection: String = {
        let current = coreName
        guard current == "Prescott", getenv("OPENBLAS_CORETYPE") == nil,
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return current }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let target: String
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") {
            target = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            target = "Haswell"
        } else {
            return current
        }
        guard let handle = dlopen(nil, RTLD_NOW),
              let quit = dlsym(handle, "gotoblas_dynamic_quit"),
              let initialize = dlsym(handle, "gotoblas_dynamic_init")
        else { return current }
        typealias Hook = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", target, 1)
        overrodeCoreType = true
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(initialize, to: Hook.self)()
        return coreName
    }()

    /// The current number of OpenBLAS threads (`openblas_get_num_threads`).
    static var threadCount: Int { Int(openblas_get_num_threads()) }
}

/// Process-wide BLAS settings.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses per GEMM call (`openblas_set_num_threads`).
    ///
    /// For GEMMs outside training (benchmarks). Every training run sets one thread for itself
    /// (``Trainer``), whatever was chosen here: parallel runs on separate threads must not
    /// oversubscribe the cores, and OpenBLAS's results are not bit-identical across thread counts
    /// (measured with Debian's 0.3.21 Haswell/Zen sgemm kernels on an AMD EPYC: 2 threads
    /// change the last bits of up to half of C). Process-wide.
    public static func setThreadCount(_ n: Int) {
        GEMM.setThreadCount(n)
    }
}

extension BLAS {
    /// The OpenBLAS kernel family in use (e.g. "SkylakeX"), after the engine's core selection.
    public static var coreName: String { GEMM.coreSelection }

    /// Whether the engine replaced OpenBLAS's generic "Prescott" fallback kernels and exported
    /// `OPENBLAS_CORETYPE` for that (child processes inherit it; remove it for them if unwanted).
    public static var overrodeCoreType: Bool {
        _ = GEMM.coreSelection
        return GEMM.overrodeCoreType
    }
}

