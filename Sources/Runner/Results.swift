import Notebook

/// What one point measured; the Runner's copy of the engine's `TrainingResult`, so that Render
/// never sees the engine.
///
/// Losses are in nats (cross-entropy) or mean squared error; NaN and ±inf are possible after a
/// divergence and survive the cache (encoded as strings there).
public struct PointResult: Codable, Hashable, Sendable {
    public var alpha: Double
    public var gamma: Double
    /// Effective branch multiplier a·m_L^(-α).
    public var branchMultiplier: Double
    /// Raw rate applied to the hidden weights W_l.
    public var hiddenLearningRate: Double
    public var initialLoss: Double
    /// Mean of the per-step loss over the last 10% of steps.
    public var finalTrainLoss: Double
    /// One loss per step run; empty unless requested.
    public var lossPerStep: [Double]
    public var testLoss: Double?
    public var testAccuracy: Double?
    /// 1-based step at which the loss went non-finite or above 100 × the initial loss.
    public var divergedAtStep: Int?
    public var coordinateCheck: [CoordinateSample]
    /// Per block ‖ΔW_l‖_F/‖W_l,0‖_F at the end; empty unless requested.
    public var weightUpdateRatio: [Double]
    public var stepsRun: Int
    /// Training wall time, seconds. Never rendered (pages are deterministic).
    public var seconds: Double

    public init(alpha: Double = 0, gamma: Double = 0, branchMultiplier: Double = 1, hiddenLearningRate: Double = 0,
                initialLoss: Double = 0, finalTrainLoss: Double, lossPerStep: [Double] = [], testLoss: Double? = nil,
                testAccuracy: Double? = nil, divergedAtStep: Int? = nil, coordinateCheck: [CoordinateSample] = [],
                weightUpdateRatio: [Double] = [], stepsRun: Int = 0, seconds: Double = 0) {
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
        self.stepsRun = stepsRun
        self.seconds = seconds
    }
}

/// RMS of the residual stream per block at one step (TP6 Fig. 9; depth-mup.md §5).
public struct CoordinateSample: Codable, Hashable, Sendable {
    /// 0 = at init, before any update.
    public var step: Int
    /// Count depth + 1: index 0 is x_0, index l is x_l.
    public var blockRMS: [Double]
    /// RMS(x_l,t − x_l,0) on the same fixed batch, same indexing.
    public var blockDeltaRMS: [Double]
    /// RMS of the logits.
    public var outputRMS: Double

    public init(step: Int, blockRMS: [Double], blockDeltaRMS: [Double], outputRMS: Double) {
        self.step = step
        self.blockRMS = blockRMS
        self.blockDeltaRMS = blockDeltaRMS
        self.outputRMS = outputRMS
    }
}

/// How one point ended.
public enum PointOutcome: Hashable, Sendable {
    /// Ran (now or earlier, from the cache). A diverged run is a result too.
    case finished(PointResult)
    /// The engine threw: the message says why.
    case failed(String)
    /// Stopped by the block's timeout, or never started because of it.
    case timedOut
    /// Stopped by Ctrl-C, or never started because of it.
    case cancelled
}

/// The state of a whole block after running.
public enum BlockStatus: Hashable, Sendable {
    case ok
    /// A point failed (or the data could not be loaded); the message is the first failure,
    /// prefixed with the block's location.
    case failed(String)
    /// The block's timeout (seconds) expired; finished points are kept and shown.
    case timedOut(Double)
    case cancelled
}

/// All results of one experiment block, ordered by point index (never by finish time).
public struct BlockResult: Sendable {
    public var cell: ExperimentCell
    public var spec: ExperimentSpec
    public var axes: [Sweep.Axis]
    public var points: [Point]
    /// Same count and order as `points`.
    public var outcomes: [PointOutcome]
    public var status: BlockStatus
    /// Whether a failure of this block fails the command (`allow-errors` off).
    public var failsCommand: Bool
    /// Points taken from the cache and points run now; not rendered.
    public var cachedCount = 0
    public var ranCount = 0

    public init(cell: ExperimentCell, spec: ExperimentSpec, axes: [Sweep.Axis], points: [Point],
                outcomes: [PointOutcome], status: BlockStatus, failsCommand: Bool) {
        self.cell = cell
        self.spec = spec
        self.axes = axes
        self.points = points
        self.outcomes = outcomes
        self.status = status
        self.failsCommand = failsCommand
    }

    /// The fence's `{#id}`, or `block-<index>`: the HTML anchor the page gives the block, and
    /// the name of its CSV files.
    public var anchor: String { cell.id ?? "block-\(cell.index)" }

    /// Names an inline reference may use for this block: the anchor, an `id:` key, the number.
    public var names: [String] { [anchor, spec.id, String(cell.index)].compactMap { $0 } }
}
