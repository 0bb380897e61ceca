import DepthMuP
import Notebook

/// What one point measured: the engine's own result type, so every measurement the engine
/// makes (diversity included) reaches the cache, the page and `results.json`, and a new one
/// needs no copy here.
///
/// Losses are in nats (cross-entropy) or mean squared error; NaN and ±inf are possible after a
/// divergence and survive the cache (``PointCodec`` writes them as strings).
public typealias PointResult = TrainingResult

extension TrainingResult {
    /// A result with only what a fake engine or a pooled average knows; the rest defaults.
    public init(alpha: Double = 0, gamma: Double = 0, branchMultiplier: Double = 1, hiddenLearningRate: Double = 0,
                initialLoss: Double = 0, finalTrainLoss: Double, lossPerStep: [Double] = [], testLoss: Double? = nil,
                testAccuracy: Double? = nil, divergedAtStep: Int? = nil, coordinateCheck: [CoordinateRecord] = [],
                weightUpdateRatio: [Double] = [], diversity: [DiversityPoint] = [], stepsRun: Int = 0, seconds: Double = 0) {
        self.init(alpha: alpha, gamma: gamma, branchMultiplier: branchMultiplier, hiddenLearningRate: hiddenLearningRate,
                  initialLoss: initialLoss, finalTrainLoss: finalTrainLoss, lossPerStep: lossPerStep, testLoss: testLoss,
                  testAccuracy: testAccuracy, divergedAtStep: divergedAtStep, coordinateCheck: coordinateCheck,
                  weightUpdateRatio: weightUpdateRatio, diversity: diversity, stepsRun: stepsRun, seconds: seconds,
                  secondsPerStep: stepsRun > 0 ? seconds / Double(stepsRun) : 0)
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
