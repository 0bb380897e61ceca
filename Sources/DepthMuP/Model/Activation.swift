#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The nonlinearity φ of a residual branch (TP6 §3; depth-mup.md §0).
public enum ActivationKind: String, Codable, Hashable, Sendable, CaseIterable {
    case relu, abs, tanh, gelu, identity

    /// Whether φ is odd (tanh, identity): odd φ needs no mean subtraction (TP6 §3), so
    /// `ModelConfig.meanSubtraction == nil` turns it off for these and on for the others.
    public var isOdd: Bool { self == .tanh || self == .identity }
}

/// Forward and backward loops of the activation over `[batch, width]` buffers (flattened).
///
/// GELU is the tanh approximation `½x(1 + tanh(√(2/π)(x + 0.044715x³)))` (Hendrycks & Gimpel),
/// so forward and derivative are cheap and exactly reproducible by the Double test reference.
enum Activation {
    static let geluC: Float = 0.797_884_56  // √(2/π)
    static let geluA: Float = 0.044_715

    /// Overwrites `output[i] = φ(input[i])` for `i < count`; `output` may equal `input`.
    ///
    /// relu and abs are C kernels (``Kernels/forward(_:_:_:count:)``); tanh and GELU call libm.
    static func forward(_ kind: ActivationKind, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        switch kind {
        case .relu: Kernels.active.forward(.relu, input, output, count: count)
        case .abs: Kernels.active.forward(.abs, input, output, count: count)
        case .identity: if UnsafePointer(output) != input { output.update(from: input, count: count) }
        case .tanh: for i in 0..<count { output[i] = tanhf(input[i]) }
        case .gelu:
            for i in 0..<count {
                let x = input[i]
                output[i] = 0.5 * x * (1 + tanhf(geluC * (x + geluA * x * x * x)))
            }
        }
    }

    /// Multiplies in place: `gradient[i] *= φ'(preActivation[i])` for `i < count`.
    ///
    /// At the kinks of relu and abs the derivative taken is that of `x > 0` (0 at 0 for relu,
    /// −1 at 0 for abs), a measure-zero choice.
    static func multiplyDerivative(_ kind: ActivationKind, _ preActivation: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, count: Int) {
        switch kind {
        // NOTE: the C kernel keeps the Swift SIMD8 loop's semantics: blocks of 8 test h ≤ 0, the
        // tail !(h > 0) (a branch-free select; the scalar ternary was a mispredicted branch).
        case .relu: Kernels.active.multiplyDerivative(.relu, preActivation, gradient, count: count)
        case .abs: Kernels.active.multiplyDerivative(.abs, preActivation, gradient, count: count)
        case .identity: break
        case .tanh:
            for i in 0..<count {
                let t = tanhf(preActivation[i])
                gradient[i] *= 1 - t * t
            }
        case .gelu:
            for i in 0..<count {
                let x = preActivation[i]
                let t = tanhf(geluC * (x + geluA * x * x * x))
                let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluC * (1 + 3 * geluA * x * x)
                gradient[i] *= derivative
            }
        }
    }
}
