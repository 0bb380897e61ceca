import Foundation

/// The parametrization names of depth-mup.md §0: `sp`, `mup`, `depth-mup`, or explicit (α, γ).
public enum ParametrizationName: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Standard parametrization: α = γ = 0, no width scaling of rates, readout variance 1/n.
    case sp
    /// Width-μP (TP5 Table 3) with α = γ = 0.
    case mup
    /// Depth-μP: width-μP with α = γ = ½ (TP6 Table 1, Def 6.2).
    case depthMuP
    /// Width-μP with branch multiplier m_L^(−α) and Adam rate m_L^(−γ).
    case custom(alpha: Double, gamma: Double)

    /// The names a parametrization can be given by, as plain strings.
    public static let names = ["sp", "mup", "depth-mup"]

    /// The one parser of parametrization text (`--parametrization`, YAML strings, inline
    /// references, point specs): a name (`sp`, `mup`, `depth-mup`, also `depthmup`, `depth-μp`,
    /// `depth_mup`, `μp`; any case), `alpha=0.5,gamma=0.5` (either order), the table label
    /// `α=0.5 γ=0`, `alpha=0.5 gamma=0`, the pair `(0.5, 0)`, or the YAML flow mapping
    /// `{alpha: 0.5, gamma: 0}`. Returns nil for anything else, and for non-finite exponents.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "sp": self = .sp; return
        case "mup", "μp": self = .mup; return
        case "depth-mup", "depthmup", "depth-μp", "depth_mup": self = .depthMuP; return
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
                case "alpha", "α": if let value { alpha = value } else if pieces.count == 1 { pending = "alpha" } else { return nil }
                case "gamma", "γ": if let value { gamma = value } else if pieces.count == 1 { pending = "gamma" } else { return nil }
                default: return nil
                }
            }
        }
        guard let alpha, let gamma, alpha.isFinite, gamma.isFinite else { return nil }
        self = .custom(alpha: alpha, gamma: gamma)
    }

    /// `sp`, `mup`, `depth-mup` or `alpha=0.5,gamma=0.5` (round-trips through `init(parsing:)`).
    public var description: String {
        switch self {
        case .sp: return "sp"
        case .mup: return "mup"
        case .depthMuP: return "depth-mup"
        case .custom(let alpha, let gamma): return "alpha=\(alpha),gamma=\(gamma)"
        }
    }

    /// Branch exponent α (TP6 Def 6.1: multiplier L^(−α)).
    public var alpha: Double {
        switch self {
        case .sp, .mup: return 0
        case .depthMuP: return 0.5
        case .custom(let alpha, _): return alpha
        }
    }

    /// Learning-rate exponent γ (TP6 Def 6.1: η L^(−γ)).
    public var gamma: Double {
        switch self {
        case .sp, .mup: return 0
        case .depthMuP: return 0.5
        case .custom(_, let gamma): return gamma
        }
    }

    /// Whether widths are scaled as in width-μP (everything but `sp`).
    public var isWidthMuP: Bool { self != .sp }

    /// Decodes the string form (`"depth-mup"`, `"alpha=0.5,gamma=0.5"`).
    ///
    /// - Throws: `DecodingError.dataCorrupted` for an unknown name.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = ParametrizationName(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown parametrization '\(text)'; use sp, mup, depth-mup or alpha=X,gamma=Y")
        }
        self = value
    }

    /// Encodes as the string form, so results and cache keys read `"depth-mup"`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The layer groups that get their own initialization and learning rate (TP5 Table 3).
public enum LayerGroup: String, Codable, Hashable, Sendable, CaseIterable { case input, hidden, readout }

/// A pure value deriving, from a parametrization and a shape, the branch multiplier, each layer
/// group's init std, learning rate and Adam ε (depth-mup.md §0 table).
///
/// With m_n = n/n0 and m_L = L/L0:
/// - branch multiplier `a·m_L^(−α)` (TP6 §3, Def 6.1);
/// - init std: input `1/√d_in`, hidden `1/√n`, readout `1/√n` (sp) or `1/n` (μP family:
///   variance 1/n², TP5 Table 3 "1/fan_in²", TP6 Table 2; depth-mup.md §0);
/// - hidden rate: SGD `η·m_L^(α−γ)`, Adam `η·m_n^(−1)·m_L^(−γ)` (`sp` drops m_n) (TP6 Def 6.2,
///   Table 1; TP5 Table 3);
/// - input rate (trained): SGD `η·m_n`, Adam `η`; readout rate (trained): `η·m_n^(−1)` for both;
///   `sp` uses η for both (TP5 Table 3);
/// - Adam ε: hidden `ε·m_n^(−1)·m_L^(−α)` (`sp`: `ε·m_L^(−α)` = ε since α = 0), scaled like the
///   hidden gradient (TP5 App. B.3; depth-mup.md pitfall 7); input and readout ε unscaled.
///
/// At the base shape (n = n0, L = L0) every multiplier is 1, so the (α, γ) variants equal `mup`
/// bit for bit, and `mup` equals `sp` in every rate, ε, branch multiplier and init except the
/// readout's: §0 fixes V's variance at 1/n² (μP) vs 1/n (sp), which cannot agree at n0 = 128.
/// NOTE: the base-relative form 1/(n·m_n) of microsoft/mup would make them agree, but a frozen
/// readout that large starts Fashion-MNIST at loss ≈ 4.9 instead of ln 10 and trains worse: the
/// 400-step run of issue 3 ends at 0.508 (L = 8) and 0.520 (L = 64), mean of 8 seeds, against
/// 0.485 and 0.469 with TP6's 1/n² (engine 1.1.0 tried it). With `readout: zero` mup equals sp
/// exactly (tested).
public struct Parametrization: Codable, Hashable, Sendable {
    /// The parametrization's name.
    public var name: ParametrizationName
    /// Width n and depth L of the model.
    public var width: Int, depth: Int
    /// Base width n0 and base depth L0.
    public var baseWidth: Int, baseDepth: Int

    /// Builds the value for a model shape.
    public init(_ name: ParametrizationName, width: Int, depth: Int, baseWidth: Int, baseDepth: Int) {
        self.name = name
        self.width = width
        self.depth = depth
        self.baseWidth = baseWidth
        self.baseDepth = baseDepth
    }

    /// Builds the value for a model configuration.
    public init(_ name: ParametrizationName, model: ModelConfig) {
        self.init(name, width: model.width, depth: model.depth, baseWidth: model.baseWidth, baseDepth: model.baseDepth)
    }

    /// α of the branch multiplier m_L^(−α).
    public var alpha: Double { name.alpha }
    /// γ of the hidden learning rate m_L^(−γ).
    public var gamma: Double { name.gamma }
    /// m_n = n/n0.
    public var widthMultiplier: Double { Double(width) / Double(baseWidth) }
    /// m_L = L/L0.
    public var depthMultiplier: Double { Double(depth) / Double(baseDepth) }

    /// The effective branch multiplier `a·m_L^(−α)` (TP6 §3).
    public func branchMultiplier(_ a: Double) -> Double { a * pow(depthMultiplier, -alpha) }

    /// Initialization standard deviation of a layer group (depth-mup.md §0 "Initialization").
    public func initStd(_ group: LayerGroup, inputDim: Int) -> Double {
        switch group {
        case .input: return 1 / Double(inputDim).squareRoot()
        case .hidden: return 1 / Double(width).squareRoot()
        case .readout:
            let variance = name.isWidthMuP ? 1 / (Double(width) * Double(width)) : 1 / Double(width)  // TP6 Table 2
            return variance.squareRoot()
        }
    }

    /// The raw learning rate applied to a layer group, from the base rate η.
    public func learningRate(_ group: LayerGroup, optimizer: OptimizerKind, eta: Double) -> Double {
        let mn = name.isWidthMuP ? widthMultiplier : 1
        let mL = depthMultiplier
        switch (group, optimizer) {
        case (.hidden, .sgd): return eta * pow(mL, alpha - gamma)
        case (.hidden, .adam): return eta / mn * pow(mL, -gamma)
        case (.input, .sgd): return eta * mn
        case (.input, .adam): return eta
        case (.readout, _): return eta / mn
        }
    }

    /// The Adam ε added to √v̂ for a layer group, from the base ε (depth-mup.md §0).
    public func epsilon(_ group: LayerGroup, base: Double) -> Double {
        switch group {
        case .hidden:
            let mn = name.isWidthMuP ? widthMultiplier : 1
            return base / mn * pow(depthMultiplier, -alpha)
        case .input, .readout: return base
        }
    }
}
