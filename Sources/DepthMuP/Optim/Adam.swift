#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) over the flat parameter buffer, β = (0.9, 0.999), per-group rate and ε.
///
/// `m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  w ← w − lr · m̂ / (√v̂ + ε)` with bias
/// corrections `m̂ = m/(1−β1^t)`, `v̂ = v/(1−β2^t)`. The loop is memory-bound
/// (it streams w, g, m, v once per step), so its scalar `sqrtss` costs little. ε is scaled per group like the gradient it is
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
            w[i] -= rate * mi / ((vi * inverseCorrection2).squareRoot() + epsilon)
        }
    }

    /// Updates `parameters` in place from `gradients` (same layout); no allocation.
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2 = 1 - pow(Double(beta2), t)
        let b1 = beta1, b2 = beta2, c1 = 1 - beta1, c2 = 1 - beta2
        let inverseCorrection2 = Float(1 / correction2)
        for group in groups {
            let w = parameters + group.range.lowerBound
            let g = gradients + group.range.lowerBound
            let m = first.baseAddress! + group.range.lowerBound
            let v = second.baseAddress! + group.range.lowerBound
            let rate = Float(Double(group.learningRate) / correction1)
            let epsilon = group.epsilon
            let count = group.range.count
            Self.update(w, g, m, v, count: count, b1: b1, b2: b2, c1: c1, c2: c2, rate: rate, epsilon: epsilon, inverseCorrection2: inverseCorrection2)
        }
    }
}
