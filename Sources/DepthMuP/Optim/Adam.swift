#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) over the flat parameter buffer, β = (0.9, 0.999), per-group rate and ε.
///
/// `m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  w ← w − lr · m̂ / (√v̂ + ε)` with bias
/// corrections `m̂ = m/(1−β1^t)`, `v̂ = v/(1−β2^t)`; √v̂ comes from
/// ``squareRoot(_:)`` so that the loop vectorizes. ε is scaled per group like the gradient it is
/// added to (depth-mup.md §0, pitfall 7). Moments are allocated once at init.
final class Adam {
    let groups: [ParameterGroup]
    let beta1: Float = 0.9, beta2: Float = 0.999
    private(set) var stepCount = 0
    private let first: UnsafeMutableBufferPointer<Float>
    private let second: UnsafeMutableBufferPointer<Float>

    /// Prepares zeroed moments for `parameterCount` elements.
    init(groups: [ParameterGroup], parameterCount: Int) {
        self.groups = groups
        first = .allocate(capacity: parameterCount)
        first.initialize(repeating: 0)
        second = .allocate(capacity: parameterCount)
        second.initialize(repeating: 0)
    }

    deinit {
        first.deallocate()
        second.deallocate()
    }

    /// The Adam update of `count` elements; `w`, `m`, `v` are updated in place.
    @inline(never)
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                       count: Int, b1: Float, b2: Float, c1: Float, c2: Float, rate: Float, epsilon: Float, inverseCorrection2: Float) {
        for i in 0..<count {
            let gi = g[i]
            let mi = b1 * m[i] + c1 * gi
            let vi = b2 * v[i] + c2 * gi * gi
            m[i] = mi
            v[i] = vi
            w[i] -= rate * mi / (Self.squareRoot(vi * inverseCorrection2) + epsilon)
        }
    }

    /// √x for x ≥ 0 from the inverse-square-root seed 0x5f3759df, two Newton steps on 1/√x
    /// (relative error ≤ 5e-6) and one on √x: within 1 ulp of the IEEE root for normal x, exactly 0 for x = 0.
    ///
    /// NOTE: Swift's `Float.squareRoot()` keeps an errno path (a `sqrtf` call) that stops LLVM
    /// from vectorizing the Adam loop (30% of a step at n = 128 scalar, 20% vectorized). This
    /// form is integer ops, multiplies and adds only, so it vectorizes and gives the same bits on
    /// every machine (Swift does not contract to FMA).
    @inline(__always)
    static func squareRoot(_ x: Float) -> Float {
        var y = Float(bitPattern: 0x5F37_59DF &- (x.bitPattern >> 1))
        let half = 0.5 * x
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        let root = x * y
        return root + 0.5 * y * (x - root * root)
    }

    private var correction1: Double = 1
    private var inverseCorrection2: Float = 1

    /// Starts step t + 1: advances the bias corrections. Call once per step before `update`.
    func beginStep() {
        stepCount += 1
        let t = Double(stepCount)
        correction1 = 1 - pow(Double(beta1), t)
        inverseCorrection2 = Float(1 / (1 - pow(Double(beta2), t)))
    }

    /// Updates the elements of `range` (inside one group; elements of no group are skipped) in
    /// place from `gradients` (same layout); no allocation.
    func update(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        for group in groups where group.range.overlaps(range) {
            let part = range.clamped(to: group.range)
            let rate = Float(Double(group.learningRate) / correction1)
            Self.update(parameters + part.lowerBound, gradients + part.lowerBound, first.baseAddress! + part.lowerBound,
                        second.baseAddress! + part.lowerBound, count: part.count, b1: beta1, b2: beta2, c1: 1 - beta1, c2: 1 - beta2,
                        rate: rate, epsilon: group.epsilon, inverseCorrection2: inverseCorrection2)
        }
    }

    /// One whole step: `beginStep()` then `update` of every group.
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        beginStep()
        for group in groups { update(group.range, parameters: parameters, gradients: gradients) }
    }
}
