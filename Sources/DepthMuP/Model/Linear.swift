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
