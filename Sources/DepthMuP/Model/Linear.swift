/// The forward/backward pair of a bias-free linear layer `y = x Wᵀ` (llm.c style).
///
/// `weight` is `[outputs, inputs]` row-major (PyTorch layout), `input` `[batch, inputs]`,
/// `output` `[batch, outputs]`.
enum Linear {
    /// Overwrites `output` `[batch, outputs]` with `input · weightᵀ` (one `cblas_sgemm`, B transposed).
    @inline(__always)
    static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int, inputs: Int, outputs: Int) {
        GEMM.multiply(transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs,
                      alpha: 1, a: input, lda: inputs, b: weight, ldb: inputs, beta: 0, c: output, ldc: outputs)
    }

    /// Overwrites `output` `[rows, outputs]` with `input · weightᵀ`, one `cblas_sgemv` per row.
    ///
    /// NOTE: a row's bits depend only on that row and the weight. With Debian's OpenBLAS 0.3.21
    /// Haswell/Zen sgemm kernels they do not in ``forward(output:input:weight:batch:inputs:outputs:)``:
    /// permuting the rows of a `[64, 784]` input changes the last bits of about 13% of the output
    /// (measured on an AMD EPYC). The frozen input layer uses this form, so its precomputed
    /// projection of the training set equals the per-step one. Cost: about 2–3× the sgemm time
    /// for the same rows (memory-bound gemv).
    @inline(__always)
    static func forwardRows(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, inputs: Int, outputs: Int) {
        for row in 0..<rows {
            GEMM.multiplyVector(m: outputs, n: inputs, a: weight, lda: inputs, x: input + row * inputs, y: output + row * outputs)
        }
    }

    /// Weight gradient: `dWeight` `[outputs, inputs]` = `dOutputᵀ · input`; overwritten when
    /// `accumulate` is false, `+=` otherwise.
    @inline(__always)
    static func backwardWeight(dWeight: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, batch: Int, inputs: Int, outputs: Int, accumulate: Bool = false) {
        GEMM.multiply(transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch,
                      alpha: 1, a: dOutput, lda: outputs, b: input, ldb: inputs, beta: accumulate ? 1 : 0, c: dWeight, ldc: inputs)
    }

    /// Input gradient: `dInput` `[batch, inputs]` = `dOutput · weight`; overwritten when
    /// `accumulate` is false, `+=` otherwise.
    @inline(__always)
    static func backwardInput(dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int, inputs: Int, outputs: Int, accumulate: Bool = false) {
        GEMM.multiply(transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs,
                      alpha: 1, a: dOutput, lda: outputs, b: weight, ldb: inputs, beta: accumulate ? 1 : 0, c: dInput, ldc: inputs)
    }
}
