import CKernels

/// The engine's hot elementwise kernels: C loops (`Sources/CKernels`) compiled for the target's
/// baseline instruction set and, on x86-64, for AVX2, the variant chosen at run time.
///
/// Why C: Swift compiles the whole engine for baseline x86-64 (SSE2, 4 floats per vector), and a
/// per-function target attribute exists only in clang. Both variants perform each element's IEEE
/// operations in the order the Swift loops did (no FMA, no reassociation; sums keep
/// ``sum(_:count:)``'s order), so results are bit-identical on every machine and either variant.
/// This is the only file that imports `CKernels`; the engine's types (``Adam``,
/// ``Elementwise``, ``MeanSubtraction``, ``Activation``, ``ResidualBranch``) call ``active``.
///
/// Buffers are row-major Float; counts are elements. None of the kernels allocates.
struct Kernels: @unchecked Sendable {
    /// The C function table of one variant (immutable, static storage).
    let table: UnsafePointer<dbk_kernel_table>

    /// The fastest variant this CPU runs (AVX2 where present), chosen once per process.
    static let active = Kernels(table: dbk_kernels_active())
    /// The baseline variant (SSE2 on x86-64, NEON on aarch64), on every machine.
    static let baseline = Kernels(table: dbk_kernels(DBK_ISA_BASELINE))
    /// The AVX2 variant, or nil when this CPU (or a non-x86 build) has none.
    static let avx2: Kernels? = dbk_kernels(DBK_ISA_AVX2).map { Kernels(table: $0) }
    /// The instruction set ``active`` uses: "avx2" or "baseline".
    static var activeName: String { dbk_kernels_active_isa() == DBK_ISA_AVX2 ? "avx2" : "baseline" }

    /// Adam's elementwise step on `count` elements in place (see ``Adam/update(_:_:_:_:count:b1:b2:c1:c2:rate:epsilon:inverseCorrection2:)``).
    @inline(__always)
    func adamUpdate(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                    count: Int, b1: Float, b2: Float, c1: Float, c2: Float, rate: Float, epsilon: Float, inverseCorrection2: Float) {
        table.pointee.adam_update(w, g, m, v, count, b1, b2, c1, c2, rate, epsilon, inverseCorrection2)
    }

    /// `Σ x[i]`: eight lane sums over blocks of 8 (lane j takes `x[8k + j]`), added lane 0…7,
    /// then the tail left to right (a fixed order: deterministic, and it vectorizes).
    @inline(__always)
    func sum(_ x: UnsafePointer<Float>, count: Int) -> Float { table.pointee.sum(x, count) }

    /// Subtracts each row's mean (``sum(_:count:)`` · (1/width)) in place, `values` `[rows, width]`.
    @inline(__always)
    func meanSubtract(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        table.pointee.mean_subtract(values, rows, width)
    }

    /// Overwrites `y[i] = x[i] + scale · y[i]`; `x` and `y` do not overlap.
    @inline(__always)
    func residualAdd(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, count: Int) {
        table.pointee.residual_add(y, x, scale, count)
    }

    /// `output[i] = max(input[i], 0)` (Swift's `max`: +0 for −0, NaN kept), or `|input[i]|` for
    /// `.abs`; `output` may equal `input`. Only relu and abs have a C kernel.
    @inline(__always)
    func forward(_ kind: Kind, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        switch kind {
        case .relu: table.pointee.relu_forward(input, output, count)
        case .abs: table.pointee.abs_forward(input, output, count)
        }
    }

    /// `gradient[i] *= φ'(h[i])` for relu (0 where `h ≤ 0`) or abs (−1 where `h ≤ 0`); blocks of
    /// 8 test `h ≤ 0`, the tail `!(h > 0)` (they differ for NaN h only).
    @inline(__always)
    func multiplyDerivative(_ kind: Kind, _ h: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, count: Int) {
        table.pointee.multiply_derivative(kind.code, h, gradient, count)
    }

    /// Fused `next = previous + scale · MS(φ(h))` per row, all `[rows, width]`.
    /// - Precondition: `width % 8 == 0`.
    @inline(__always)
    func branchForward(_ kind: Kind, h: UnsafePointer<Float>, previous: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                       rows: Int, width: Int, scale: Float) {
        table.pointee.branch_forward(kind.code, h, previous, next, rows, width, scale)
    }

    /// Fused `dPre = φ'(h) ⊙ MS(scale · dNext)` per row, all `[rows, width]`.
    /// - Precondition: `width % 8 == 0`.
    @inline(__always)
    func branchBackward(_ kind: Kind, h: UnsafePointer<Float>, dNext: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>,
                        rows: Int, width: Int, scale: Float) {
        table.pointee.branch_backward(kind.code, h, dNext, dPre, rows, width, scale)
    }

    /// The Newton square root of the Adam kernel for one value (see ``Adam/squareRoot(_:)``).
    static func squareRoot(_ x: Float) -> Float { dbk_square_root(x) }

    /// The activations with C kernels.
    enum Kind {
        case relu, abs

        /// The activation's kernel, or nil (tanh, GELU, identity stay Swift loops over libm).
        init?(_ activation: ActivationKind) {
            switch activation {
            case .relu: self = .relu
            case .abs: self = .abs
            case .tanh, .gelu, .identity: return nil
            }
        }

        var code: Int32 {
            switch self {
            case .relu: return DBK_RELU
            case .abs: return DBK_ABS
            }
        }
    }
}
