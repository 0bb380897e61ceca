/// Stochastic gradient descent with optional heavy-ball momentum over the flat parameter buffer.
///
/// `v ← μ v + g;  w ← w − lr · v` (μ = 0: `w ← w − lr · g`), per group rate from
/// ``Parametrization/learningRate(_:optimizer:eta:)``. Velocity is allocated once at init.
final class SGD {
    let groups: [ParameterGroup]
    let momentum: Float
    private let velocity: UnsafeMutableBufferPointer<Float>

    /// Prepares the state for `parameterCount` elements.
    init(groups: [ParameterGroup], momentum: Double, parameterCount: Int) {
        self.groups = groups
        self.momentum = Float(momentum)
        velocity = .allocate(capacity: momentum == 0 ? 0 : parameterCount)
        velocity.initialize(repeating: 0)
    }

    deinit { velocity.deallocate() }

    /// Updates the elements of `range` (inside one group; elements of no group are skipped) in
    /// place from `gradients` (same layout); no allocation.
    func update(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        for group in groups where group.range.overlaps(range) {
            let part = range.clamped(to: group.range)
            let w = parameters + part.lowerBound
            let g = gradients + part.lowerBound
            let count = part.count
            let lr = group.learningRate
            if momentum == 0 {
                for i in 0..<count { w[i] -= lr * g[i] }
            } else {
                let v = velocity.baseAddress! + part.lowerBound
                let mu = momentum
                for i in 0..<count {
                    v[i] = mu * v[i] + g[i]
                    w[i] -= lr * v[i]
                }
            }
        }
    }

    /// Updates every group in place from `gradients` (same layout); no allocation.
    func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        for group in groups { update(group.range, parameters: parameters, gradients: gradients) }
    }
}
