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
    public var parametrizations: [ParametrizationSpec] = [.depthMuP]
    public var optimizer = OptimizerSpec()
    public var train = TrainSpec()
    public var measure = MeasureSpec()
    /// The views, in order. Default: `[summary]`.
    public var show: [ViewKind] = [.summary]
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
    public var activation: [Activation] = [.relu]
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

public enum Activation: String, Sendable, Hashable, Codable, CaseIterable { case relu, abs, tanh, gelu, identity }
public enum InputMode: String, Sendable, Hashable, Codable, CaseIterable { case frozen, trained }
public enum ReadoutMode: String, Sendable, Hashable, Codable, CaseIterable { case frozen, trained, zero }
public enum LossName: String, Sendable, Hashable, Codable, CaseIterable { case crossEntropy = "cross-entropy", mse }
public enum OptimizerName: String, Sendable, Hashable, Codable, CaseIterable { case sgd, adam }

/// `parametrization:` — `sp`, `mup`, `depth-mup`, or `{alpha: a, gamma: g}` (TP6 Def 6.1).
public enum ParametrizationSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case sp, mup, depthMuP
    case custom(alpha: Double, gamma: Double)

    /// The names accepted as plain strings.
    public static let names = ["sp", "mup", "depth-mup"]

    /// `sp`, `mup`, `depth-mup`, `alpha=0.5,gamma=0.5` (the engine's `ParametrizationName` text).
    public var description: String {
        switch self {
        case .sp: return "sp"
        case .mup: return "mup"
        case .depthMuP: return "depth-mup"
        case .custom(let alpha, let gamma): return "alpha=\(alpha),gamma=\(gamma)"
        }
    }

    /// How tables, legends and inline references name it: `sp`, `mup`, `depth-mup`, or
    /// `α=0.5 γ=0` (TP6's exponents, shortest decimal form, no comma so it reads as one value).
    public var label: String {
        switch self {
        case .sp, .mup, .depthMuP: return description
        case .custom(let alpha, let gamma): return "α=\(Self.shortText(alpha)) γ=\(Self.shortText(gamma))"
        }
    }

    /// Reads a parametrization as an author may write it in an inline reference: a name (`sp`,
    /// `mup`, `depth-mup`), the label `α=0.5 γ=0`, `alpha=0.5 gamma=0` (inside brackets also with
    /// commas), the pair `(0.5, 0)`, or the YAML flow mapping `{alpha: 0.5, gamma: 0}`.
    /// Returns nil for anything else.
    public init?(reference text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "sp": self = .sp; return
        case "mup": self = .mup; return
        case "depth-mup": self = .depthMuP; return
        default: break
        }
        var body = Substring(trimmed)
        let bracketed = (body.first == "(" && body.last == ")") || (body.first == "{" && body.last == "}")
        if bracketed { body = body.dropFirst().dropLast() }
        let parts = body.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }).map(String.init)
        var alpha: Double?, gamma: Double?
        if bracketed && parts.count == 2, let a = Double(parts[0]), let g = Double(parts[1]) {
            (alpha, gamma) = (a, g)
        } else {
            // `alpha=0.5`, `α=0.5` or, inside braces, `alpha:` followed by the number.
            var pending: String?
            for part in parts {
                let pieces = part.split(whereSeparator: { $0 == "=" || $0 == ":" }).map(String.init)
                let key = pieces.first ?? ""
                let value = pieces.count > 1 ? Double(pieces[1]) : nil
                if let pendingKey = pending, pieces.count == 1, let number = Double(key) {
                    if pendingKey == "alpha" { alpha = number } else { gamma = number }
                    pending = nil
                    continue
                }
                switch key {
                case "alpha", "α": if let value { alpha = value } else { pending = "alpha" }
                case "gamma", "γ": if let value { gamma = value } else { pending = "gamma" }
                default: return nil
                }
            }
        }
        guard let alpha, let gamma, alpha.isFinite, gamma.isFinite else { return nil }
        self = .custom(alpha: alpha, gamma: gamma)
    }

    /// The shortest text of a spec number as tables show it: `2`, `0.5`, `1e-05`.
    public static func shortText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// `optimizer:`.
public struct OptimizerSpec: Sendable, Hashable, Codable {
    public var name: OptimizerName = .adam
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
    public var loss: LossName = .crossEntropy

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

    public init() {}
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
