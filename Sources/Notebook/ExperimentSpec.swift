import DepthMuP

/// A decoded experiment block (schema v1, DESIGN.md): what to train and which views to show.
///
/// List-valued fields are sweep axes: the block runs the Cartesian product of `model`'s lists,
/// `parametrizations`, `optimizer.learningRates`, `optimizer.momentum` and `train.seeds`. A
/// single value is a list of one. Defaults are those of the engine (depth-mup.md §0).
///
/// ```experiment {#lr-transfer}
/// data: {name: teacher, train: 512}
/// model: {width: 64, depth: [4, 8, 16]}
/// parametrization: [sp, depth-mup]
/// optimizer: {name: adam, lr: {log2: [-10, -4], step: 1}}
/// train: {steps: 200, batch: 32, seeds: 2}
/// show: [loss-vs-lr, best-lr]
/// ```
public struct ExperimentSpec: Sendable, Hashable, Codable {
    /// Caption of the block's figure; defaults to the id.
    public var title: String?
    /// Anchor and reference name (`{#id}` on the fence, or an `id:` key).
    public var id: String?
    public var data = DataSpec()
    public var model = ModelSpec()
    /// `parametrization:`, one or a list.
    public var parametrizations: [ParametrizationName] = [.depthMuP]
    public var optimizer = OptimizerSpec()
    public var train = TrainSpec()
    public var measure = MeasureSpec()
    /// The views, in order. Default: `[summary]`.
    public var show: [ViewKind] = [.summary]
    /// `metric:` — what the block's optima, best-lr tables, loss plots and spreads compare
    /// (default: final train loss). Not part of any point: changing it re-runs nothing.
    public var metric: Metric = .finalLoss
    /// Wall-clock budget of the whole block, seconds (`timeout:`); nil: none.
    public var timeout: Double?
    /// `allow-errors: true`: a failing point does not fail the command.
    public var allowErrors = false
    /// The scales the block defines under `scales:` (e.g. `["ci"]`), whichever is active.
    public var scaleNames: [String] = []

    public init() {}
}

/// `data:` — the dataset every point of the block reads.
public struct DataSpec: Sendable, Hashable, Codable {
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case fashionMNIST = "fashion-mnist", teacher, idx
    }
    public var name: Name = .teacher
    /// Training examples (`train:`).
    public var trainCount = 1024
    /// Test examples (`test:`); 0: no test metrics.
    public var testCount = 0
    /// IDX image file (gzip or raw), `name: idx` only.
    public var images: String?
    /// IDX label file, `name: idx` only.
    public var labels: String?
    /// Fashion-MNIST directory; nil: Debian's `/usr/share/datasets/fashion-mnist`.
    public var directory: String?
    /// Teacher task: input dimension, classes, seed of the teacher network.
    public var inputDim = 32
    public var classes = 10
    public var seed: UInt64 = 0
    public var standardize = true

    public init() {}
}

/// `model:` — the residual network (depth-mup.md §0). Every field may be a sweep list.
public struct ModelSpec: Sendable, Hashable, Codable {
    public var width = [128]
    public var depth = [8]
    public var blockDepth = [1]
    public var activation: [ActivationKind] = [.relu]
    /// nil: the engine's default (on for relu, abs, gelu; off for tanh, identity).
    public var meanSubtraction: [Bool?] = [nil]
    public var branchMultiplier = [1.0]
    public var baseWidth = [128]
    public var baseDepth = [8]
    public var input: [InputMode] = [.frozen]
    public var readout: [ReadoutMode] = [.frozen]
    public var preLN = [false]

    public init() {}
}

// The model's enums are the engine's own (one definition per concept): `ActivationKind`,
// `InputMode`, `ReadoutMode`, `LossKind`, `OptimizerKind` and `ParametrizationName`, whose
// `init(parsing:)` is the one parser of parametrization names.

extension ParametrizationName {
    /// How tables, legends and inline references name it: `sp`, `mup`, `depth-mup`, or
    /// `α=0.5 γ=0` (TP6's exponents, shortest decimal form, no comma so it reads as one value).
    public var label: String {
        switch self {
        case .sp, .mup, .depthMuP: return description
        case .custom(let alpha, let gamma): return "α=\(Self.shortText(alpha)) γ=\(Self.shortText(gamma))"
        }
    }

    /// The shortest text of a spec number as tables show it: `2`, `0.5`, `1e-05`.
    public static func shortText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// `optimizer:`.
public struct OptimizerSpec: Sendable, Hashable, Codable {
    public var name: OptimizerKind = .adam
    /// `lr:` — a number, a list, or `{log2: [lo, hi], step: s}` (2^lo, 2^(lo+s), …, ≤ 2^hi).
    public var learningRates = [0.001]
    public var momentum = [0.0]
    public var epsilon = 1e-8

    public init() {}
}

/// `train:`.
public struct TrainSpec: Sendable, Hashable, Codable {
    public var steps = 100
    public var batch = 64
    /// `seeds: 3` means seeds 0, 1, 2; a list gives them explicitly.
    public var seeds: [UInt64] = [0]
    /// nil: cross-entropy, or mse for a teacher task with `classes: 1`.
    public var loss: LossKind = .crossEntropy

    public init() {}
}

/// `measure:` — measurements beyond what the views imply.
public struct MeasureSpec: Sendable, Hashable, Codable {
    /// `coord_check_steps:` — steps at which per-block RMS is recorded (0 = at init).
    /// nil: `[0, 1, 2, 3]` clipped to the run when a view needs it.
    public var coordinateCheckSteps: [Int]?
    /// `feature_update:` — record ‖ΔW_l‖/‖W_l,0‖ (implied by `feature-update`).
    public var featureUpdate = false
    /// `loss_curve:` — record the loss of every step (implied by `loss-curves`).
    public var lossCurve = false
    /// `diversity:` — record the feature-diversity curve d(ε) at the end (TP6 §8).
    public var diversity = false

    public init() {}
}

/// `metric:` — the value a block's optima are chosen by: the learning rate whose mean (over
/// seeds) is lowest for a loss, highest for an accuracy. The names are the inline quantities'
/// (`{{b.test_accuracy[…]}}`), so one word means one thing in a block and in prose.
public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Final train loss: the mean of the last 10% of steps (nats, or squared error for mse).
    case finalLoss = "final_loss"
    /// Loss on the test split at the end (needs `data.test`).
    case testLoss = "test_loss"
    /// Fraction of the test split classified correctly at the end, in [0, 1] (needs `data.test`).
    case testAccuracy = "test_accuracy"

    /// Whether a larger value is better (accuracy); losses are minimised.
    public var higherIsBetter: Bool { self == .testAccuracy }

    /// How captions and axis labels name it: `final train loss`, `test loss`, `test accuracy`.
    public var phrase: String {
        switch self {
        case .finalLoss: return "final train loss"
        case .testLoss: return "test loss"
        case .testAccuracy: return "test accuracy"
        }
    }

    /// Whether it is measured on the test split, so needs `data.test` ≥ 1.
    public var needsTestSet: Bool { self != .finalLoss }
}

/// The views `show:` can select; each renders from the block's results.
public enum ViewKind: String, Sendable, Hashable, Codable, CaseIterable {
    case lossVsLR = "loss-vs-lr"
    case bestLR = "best-lr"
    case lossTable = "loss-table"
    case lossCurves = "loss-curves"
    case coordCheck = "coord-check"
    case featureUpdate = "feature-update"
    case initVariance = "init-variance"
    case summary
}
