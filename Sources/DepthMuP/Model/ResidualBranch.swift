/// The elementwise end of a residual block, fused per row: forward
/// `x_l = x_{l−1} + c·MS(φ(h))` and backward `dh = φ'(h) ⊙ MS(c·dx_l)` (TP6 §3), each one pass
/// over a row that stays in L1 instead of three passes over the whole `[batch, width]` buffer
/// (the C kernels ``Kernels/branchForward(_:h:previous:next:rows:width:scale:)`` and
/// ``Kernels/branchBackward(_:h:dNext:dPre:rows:width:scale:)``, AVX2 where the CPU has it).
///
/// NOTE: bit-identical to the unfused sequence (``Activation/forward(_:_:_:count:)``,
/// ``MeanSubtraction/apply(_:rows:width:)``, ``Kernels/residualAdd(_:_:scale:count:)``;
/// backward: scale, MS, ``Activation/multiplyDerivative(_:_:_:count:)``): every element goes
/// through the same Float operations in the same order (φ, the row mean from
/// ``Kernels/sum(_:count:)``, `y − mean` rounded, then `x + c·y`; no fused multiply-add), which a
/// test checks bit for bit against the unfused sequence (kept as ``unfusedForward`` and
/// ``unfusedBackward``). Only relu and abs with mean subtraction and a width divisible by 8 are
/// fused (the tutorials' blocks; with such widths the SIMD8 and scalar-tail elements are the same
/// as in the unfused whole-buffer loops, so even NaN handling agrees); every other case runs the
/// unfused sequence.
enum ResidualBranch {
    /// Overwrites `next` `[rows, width]` with `previous + scale · MS(φ(preActivation))` (MS only
    /// when `meanSubtraction`); `previous` and `preActivation` are `[rows, width]`, read only.
    @inline(__always)
    static func forward(_ kind: ActivationKind, preActivation: UnsafePointer<Float>, previous: UnsafePointer<Float>,
                        next: UnsafeMutablePointer<Float>, rows: Int, width: Int, scale: Float, meanSubtraction: Bool) {
        guard fuses(kind, width: width, meanSubtraction: meanSubtraction) else {
            unfusedForward(kind, preActivation: preActivation, previous: previous, next: next, rows: rows, width: width,
                           scale: scale, meanSubtraction: meanSubtraction)
            return
        }
        Kernels.active.branchForward(fusedKind(kind), h: preActivation, previous: previous, next: next, rows: rows, width: width, scale: scale)
    }

    /// Overwrites `dPreActivation` `[rows, width]` with `φ'(preActivation) ⊙ MS(scale · dNext)`
    /// (MS only when `meanSubtraction`); `dNext` (∂loss/∂x_l) and `preActivation` are read only.
    @inline(__always)
    static func backward(_ kind: ActivationKind, preActivation: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                         dPreActivation: UnsafeMutablePointer<Float>, rows: Int, width: Int, scale: Float, meanSubtraction: Bool) {
        guard fuses(kind, width: width, meanSubtraction: meanSubtraction) else {
            unfusedBackward(kind, preActivation: preActivation, dNext: dNext, dPreActivation: dPreActivation, rows: rows,
                            width: width, scale: scale, meanSubtraction: meanSubtraction)
            return
        }
        Kernels.active.branchBackward(fusedKind(kind), h: preActivation, dNext: dNext, dPre: dPreActivation, rows: rows, width: width, scale: scale)
    }

    /// The kernel of a fused activation (relu or abs, as ``fuses(_:width:meanSubtraction:)`` requires).
    private static func fusedKind(_ kind: ActivationKind) -> Kernels.Kind {
        guard let fused = Kernels.Kind(kind) else { preconditionFailure("ResidualBranch: \(kind) is not fused") }
        return fused
    }

    /// Whether ``forward(_:preActivation:previous:next:rows:width:scale:meanSubtraction:)`` and
    /// ``backward(_:preActivation:dNext:dPreActivation:rows:width:scale:meanSubtraction:)`` take the fused path.
    static func fuses(_ kind: ActivationKind, width: Int, meanSubtraction: Bool) -> Bool {
        meanSubtraction && (kind == .relu || kind == .abs) && width % 8 == 0
    }

    /// The unfused forward sequence (three passes over `[rows, width]`): the reference of the
    /// fused form and the path of every activation it does not fuse.
    static func unfusedForward(_ kind: ActivationKind, preActivation: UnsafePointer<Float>, previous: UnsafePointer<Float>,
                               next: UnsafeMutablePointer<Float>, rows: Int, width: Int, scale: Float, meanSubtraction: Bool) {
        let count = rows * width
        Activation.forward(kind, preActivation, next, count: count)
        if meanSubtraction { MeanSubtraction.apply(next, rows: rows, width: width) }
        Kernels.active.residualAdd(next, previous, scale: scale, count: count)
    }

    /// The unfused backward sequence: `scale · dNext`, MS, then φ'.
    static func unfusedBackward(_ kind: ActivationKind, preActivation: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                                dPreActivation: UnsafeMutablePointer<Float>, rows: Int, width: Int, scale: Float, meanSubtraction: Bool) {
        let count = rows * width
        for i in 0..<count { dPreActivation[i] = scale * dNext[i] }
        if meanSubtraction { MeanSubtraction.apply(dPreActivation, rows: rows, width: width) }
        Activation.multiplyDerivative(kind, preActivation, dPreActivation, count: count)
    }
}
