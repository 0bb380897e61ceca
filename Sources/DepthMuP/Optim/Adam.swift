#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) over the flat parameter buffer, β = (0.9, 0.999), per-group rate and ε.
///
/// `m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  w ← w − lr · m̂ / (√v̂ + ε)` with bias
/// corrections `m̂ = m/(1−β1^t)`, `v̂ = v/(1−β2^t)`; the elementwise loop is the C kernel
/// ``Kernels/adamUpdate(_:_:_:_:count:b1:b2:c1:c2:rate:epsilon:inverseCorrection2:)`` (AVX2 where
/// the CPU has it), √v̂ its Newton form ``Kernels/squareRoot(_:)``. ε is scaled per group like the
/// gradient it is added to (depth-mup.md §0, pitfall 7). Moments are allocated once at init.
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
            Kernels.active.adamUpdate(parameters + part.lowerBound, gradients + part.lowerBound, first.baseAddress! + part.lowerBound,
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
