/// The optimizer family.
public enum OptimizerKind: String, Codable, Hashable, Sendable, CaseIterable { case sgd, adam }

/// Optimizer settings before parametrization multipliers (depth-mup.md §0).
public struct OptimizerConfig: Codable, Hashable, Sendable {
    /// SGD or Adam (β = (0.9, 0.999)).
    public var kind: OptimizerKind = .adam
    /// Base learning rate η; each layer group's raw rate comes from ``Parametrization``.
    public var learningRate: Double
    /// SGD heavy-ball momentum μ (0: plain SGD); ignored by Adam.
    public var momentum = 0.0
    /// Adam ε before scaling (hidden: ε·m_n^(−1)·m_L^(−α)).
    public var epsilon = 1e-8

    /// An optimizer configuration.
    public init(kind: OptimizerKind = .adam, learningRate: Double, momentum: Double = 0, epsilon: Double = 1e-8) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.epsilon = epsilon
    }
}

/// One contiguous parameter range updated with its own rate and ε.
struct ParameterGroup: Hashable, Sendable {
    var range: Range<Int>
    var learningRate: Float
    var epsilon: Float
}
