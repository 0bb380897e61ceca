/// Which measurements a run records (depth-mup.md §0 "Measurements").
public struct MeasurementRequest: Codable, Hashable, Sendable {
    /// Record the loss of every step (nats for cross-entropy).
    public var lossPerStep = true
    /// Evaluate test loss and accuracy at the end (needs `testCount > 0`).
    public var test = true
    /// Steps (number of updates done) at which RMS per block is recorded on a fixed batch;
    /// 0 = at init, before any update.
    public var coordinateCheckSteps: [Int] = []
    /// Per-block ‖ΔW_l‖_F/‖W_{l,0}‖_F at the end.
    public var featureUpdate = false
    /// Feature-diversity curve d(ε) at the end (depth-mup.md §3 C5).
    public var diversity = false

    /// A measurement request.
    public init(lossPerStep: Bool = true, test: Bool = true, coordinateCheckSteps: [Int] = [], featureUpdate: Bool = false, diversity: Bool = false) {
        self.lossPerStep = lossPerStep
        self.test = test
        self.coordinateCheckSteps = coordinateCheckSteps
        self.featureUpdate = featureUpdate
        self.diversity = diversity
    }
}

/// Everything that determines one training run (with the data set).
public struct TrainingConfig: Codable, Hashable, Sendable {
    /// The architecture.
    public var model: ModelConfig
    /// sp, mup, depth-mup or (α, γ).
    public var parametrization: ParametrizationName
    /// Optimizer and base rate.
    public var optimizer: OptimizerConfig
    /// Cross-entropy (default) or MSE.
    public var loss: LossKind = .crossEntropy
    /// Number of optimizer steps.
    public var steps: Int
    /// Examples per step.
    public var batch: Int
    /// Seed of initialization and batch order.
    public var seed: UInt64
    /// What to record.
    public var measurements = MeasurementRequest()

    /// A training configuration.
    public init(model: ModelConfig = ModelConfig(), parametrization: ParametrizationName = .depthMuP, optimizer: OptimizerConfig,
                loss: LossKind = .crossEntropy, steps: Int, batch: Int, seed: UInt64 = 0, measurements: MeasurementRequest = MeasurementRequest()) {
        self.model = model
        self.parametrization = parametrization
        self.optimizer = optimizer
        self.loss = loss
        self.steps = steps
        self.batch = batch
        self.seed = seed
        self.measurements = measurements
    }

    /// The parametrization value for this model shape.
    public var resolvedParametrization: Parametrization { Parametrization(parametrization, model: model) }

    /// Checks ranges; throws ``DepthMuPError/invalidConfig(_:)`` saying what to change.
    public func validate() throws {
        try model.validate()
        if steps < 1 { throw DepthMuPError.invalidConfig("steps must be ≥ 1 (got \(steps))") }
        if batch < 1 { throw DepthMuPError.invalidConfig("batch must be ≥ 1 (got \(batch))") }
        if !(optimizer.learningRate.isFinite && optimizer.learningRate >= 0) {
            throw DepthMuPError.invalidConfig("learning rate must be finite and ≥ 0 (got \(optimizer.learningRate))")
        }
        if !(optimizer.epsilon.isFinite && optimizer.epsilon >= 0) { throw DepthMuPError.invalidConfig("epsilon must be finite and ≥ 0") }
        if !(optimizer.momentum >= 0 && optimizer.momentum < 1) { throw DepthMuPError.invalidConfig("momentum must be in [0, 1)") }
        if let bad = measurements.coordinateCheckSteps.first(where: { $0 < 0 || $0 > steps }) {
            throw DepthMuPError.invalidConfig("coordinate-check step \(bad) is outside 0...\(steps)")
        }
    }
}

/// Per-block RMS on the fixed batch at one step (coordinate check, depth-mup.md §5).
public struct CoordinateRecord: Codable, Hashable, Sendable {
    /// Updates done (0 = init).
    public var step: Int
    /// RMS(x_l), count L+1: index 0 = x_0 (after the input layer), l = x_l.
    public var blockRMS: [Double]
    /// RMS(x_{l,t} − x_{l,0}) on the same fixed batch, same indexing.
    public var blockDeltaRMS: [Double]
    /// RMS of the logits f.
    public var outputRMS: Double

    /// A record.
    public init(step: Int, blockRMS: [Double], blockDeltaRMS: [Double], outputRMS: Double) {
        self.step = step
        self.blockRMS = blockRMS
        self.blockDeltaRMS = blockDeltaRMS
        self.outputRMS = outputRMS
    }
}

/// One point of the feature-diversity curve d(ε) = RMS(x_{⌊(λ+ε)L⌋} − x_{⌊λL⌋}), λ = ½, ε = j/L
/// (depth-mup.md §3 C5; TP6 §8 feature diversity).
public struct DiversityPoint: Codable, Hashable, Sendable {
    /// Block offset j.
    public var j: Int
    /// ε = j/L.
    public var epsilon: Double
    /// d(ε).
    public var d: Double

    /// A point.
    public init(j: Int, epsilon: Double, d: Double) {
        self.j = j
        self.epsilon = epsilon
        self.d = d
    }
}

/// The outcome of one run, with the parametrization's constants (pitfall 12: always record α, γ).
public struct TrainingResult: Codable, Hashable, Sendable {
    /// α and γ of the run.
    public var alpha: Double, gamma: Double
    /// Effective branch multiplier a·m_L^(−α).
    public var branchMultiplier: Double
    /// Raw rate applied to W_l.
    public var hiddenLearningRate: Double
    /// Loss of the first step (before any update), nats for cross-entropy.
    public var initialLoss: Double
    /// Mean per-step loss over the last 10% of the steps run (at least one step).
    public var finalTrainLoss: Double
    /// Loss of every step; empty unless requested.
    public var lossPerStep: [Double]
    /// Test loss (nats) and accuracy (fraction in [0, 1]); nil unless requested with test data.
    public var testLoss: Double?, testAccuracy: Double?
    /// 1-based step whose loss was non-finite or > 100 × initial loss; nil when none.
    public var divergedAtStep: Int?
    /// Coordinate-check records in the order of the requested steps reached.
    public var coordinateCheck: [CoordinateRecord]
    /// Per block ‖ΔW_l‖_F/‖W_{l,0}‖_F (block depth k: all matrices of the block together).
    public var weightUpdateRatio: [Double]
    /// Feature-diversity curve at the end.
    public var diversity: [DiversityPoint]
    /// Steps run (≤ requested; fewer after divergence).
    public var stepsRun: Int
    /// Training wall time, seconds.
    public var seconds: Double
    /// `seconds / stepsRun`, seconds.
    public var secondsPerStep: Double

    /// A result with every field given (for fakes in callers' tests); measurements default empty.
    ///
    /// NOTE: `finalTrainLoss`, `initialLoss` and `lossPerStep` may be NaN or infinite after
    /// divergence; encode with a `nonConformingFloatEncodingStrategy` (JSONEncoder's default
    /// throws on them).
    public init(alpha: Double, gamma: Double, branchMultiplier: Double, hiddenLearningRate: Double,
                initialLoss: Double, finalTrainLoss: Double, lossPerStep: [Double] = [],
                testLoss: Double? = nil, testAccuracy: Double? = nil, divergedAtStep: Int? = nil,
                coordinateCheck: [CoordinateRecord] = [], weightUpdateRatio: [Double] = [],
                diversity: [DiversityPoint] = [], stepsRun: Int, seconds: Double, secondsPerStep: Double) {
        self.alpha = alpha
        self.gamma = gamma
        self.branchMultiplier = branchMultiplier
        self.hiddenLearningRate = hiddenLearningRate
        self.initialLoss = initialLoss
        self.finalTrainLoss = finalTrainLoss
        self.lossPerStep = lossPerStep
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.divergedAtStep = divergedAtStep
        self.coordinateCheck = coordinateCheck
        self.weightUpdateRatio = weightUpdateRatio
        self.diversity = diversity
        self.stepsRun = stepsRun
        self.seconds = seconds
        self.secondsPerStep = secondsPerStep
    }
}
