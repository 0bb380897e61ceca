/// How the input layer U is treated (depth-mup.md §0; TP6 freezes it in all experiments).
public enum InputMode: String, Codable, Hashable, Sendable, CaseIterable { case frozen, trained }

/// How the readout V is treated: `frozen` (TP6 default), `trained`, or `zero` (zero init, trained:
/// the TP5 D.2 tip; incompatible with a frozen V).
public enum ReadoutMode: String, Codable, Hashable, Sendable, CaseIterable { case frozen, trained, zero }

/// The residual MLP's architecture (depth-mup.md §0 "Network").
///
/// Block depth 1: `x_l = x_{l−1} + a·m_L^(−α)·MS(φ(W_l x_{l−1}))` (TP6 §3). Block depth k ≥ 2:
/// the branch is `MS(φ(W_lk φ(… φ(W_l1 x_{l−1}))))`, every matrix followed by φ and MS applied
/// once at the branch output, with the same multiplier (TP6 §10.2).
public struct ModelConfig: Codable, Hashable, Sendable {
    /// Width n (hidden units per layer).
    public var width = 128
    /// Depth L: the number of residual blocks.
    public var depth = 8
    /// Matrices per residual branch (k).
    public var blockDepth = 1
    /// The nonlinearity φ.
    public var activation: ActivationKind = .relu
    /// Mean subtraction over the width; nil: on for non-odd φ (relu, abs, gelu), off otherwise.
    public var meanSubtraction: Bool? = nil
    /// Branch multiplier a (before the depth factor m_L^(−α)).
    public var branchMultiplier = 1.0
    /// Base width n0 of m_n = n/n0.
    public var baseWidth = 128
    /// Base depth L0 of m_L = L/L0 (TP6 experiments use 8).
    public var baseDepth = 8
    /// Input layer frozen (default) or trained.
    public var input: InputMode = .frozen
    /// Readout frozen (default), trained, or zero-initialized and trained.
    public var readout: ReadoutMode = .frozen
    /// LayerNorm (no affine) on x_{l−1} before W_l (TP6 §6.3 pre-LN variant).
    public var preLN = false

    /// The default model: n = 128, L = 8, relu, MS on, frozen input and readout.
    public init() {}

    /// A model with every field given or defaulted.
    public init(
        width: Int = 128, depth: Int = 8, blockDepth: Int = 1, activation: ActivationKind = .relu,
        meanSubtraction: Bool? = nil, branchMultiplier: Double = 1.0, baseWidth: Int = 128, baseDepth: Int = 8,
        input: InputMode = .frozen, readout: ReadoutMode = .frozen, preLN: Bool = false
    ) {
        self.width = width
        self.depth = depth
        self.blockDepth = blockDepth
        self.activation = activation
        self.meanSubtraction = meanSubtraction
        self.branchMultiplier = branchMultiplier
        self.baseWidth = baseWidth
        self.baseDepth = baseDepth
        self.input = input
        self.readout = readout
        self.preLN = preLN
    }

    /// Whether mean subtraction is applied, resolving the nil default.
    public var usesMeanSubtraction: Bool { Self.usesMeanSubtraction(meanSubtraction, activation: activation) }

    /// The one rule for the nil default: on for non-odd φ (relu, abs, gelu), off for odd ones.
    public static func usesMeanSubtraction(_ meanSubtraction: Bool?, activation: ActivationKind) -> Bool {
        meanSubtraction ?? !activation.isOdd
    }

    /// Checks sizes; throws ``DepthMuPError/invalidConfig(_:)`` with a fix.
    public func validate() throws {
        if width < 1 { throw DepthMuPError.invalidConfig("width must be ≥ 1 (got \(width))") }
        if depth < 1 { throw DepthMuPError.invalidConfig("depth must be ≥ 1 (got \(depth))") }
        if blockDepth < 1 { throw DepthMuPError.invalidConfig("block depth must be ≥ 1 (got \(blockDepth))") }
        if baseWidth < 1 || baseDepth < 1 {
            throw DepthMuPError.invalidConfig("base width and base depth must be ≥ 1 (got \(baseWidth), \(baseDepth))")
        }
        if !branchMultiplier.isFinite { throw DepthMuPError.invalidConfig("branch multiplier must be finite") }
    }
}
