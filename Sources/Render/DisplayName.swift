import DepthMuP
import Notebook

/// What readers see for sweep axes and their values: one display name per concept in tables,
/// plot titles, legends and captions.
///
/// Spec names stay what authors type (`depth-mup`, `block_depth`); pages say SP, μP, depth-μP,
/// `(½, 0)` for an (α, γ) pair, `L = 16`, `n = 128`, `block depth 2`. Results JSON, CSV and
/// inline-reference arguments keep the spec names.
///
/// ```swift
/// DisplayName.parametrization("α=0.5 γ=0")        // "(½, 0)"
/// DisplayName.value("64", axis: "depth")           // "L = 64"
/// ```
public enum DisplayName {
    /// `sp` → `SP`, `mup` → `μP`, `depth-mup` → `depth-μP`, `α=0.5 γ=0` → `(½, 0)`; text that is
    /// no parametrization is returned as it is.
    public static func parametrization(_ label: String) -> String {
        guard let spec = ParametrizationName(parsing: label) else { return label }
        switch spec {
        case .sp: return "SP"
        case .mup: return "μP"
        case .depthMuP: return "depth-μP"
        case .custom(let alpha, let gamma): return "(\(fraction(alpha)), \(fraction(gamma)))"
        }
    }

    /// An exponent as a reader writes it: `½`, `¼`, `¾`, `0`, `1`, `1.5`, `−0.5`.
    public static func fraction(_ value: Double) -> String {
        let sign = value < 0 ? "−" : ""
        switch abs(value) {
        case 0.5: return sign + "½"
        case 0.25: return sign + "¼"
        case 0.75: return sign + "¾"
        default: return NumberFormat.minus(NumberFormat.trimmed(value))
        }
    }

    /// The name of an axis in headings: `depth` → `L`, `width` → `n`, `lr` → `η`,
    /// `block_depth` → `block depth`, `parametrization` as it is.
    public static func axis(_ name: String) -> String {
        switch name {
        case "depth": return "L"
        case "width": return "n"
        case "lr": return "η"
        default: return name.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// The axis as a table heading, symbols as math for ``MathText``: `$L$`, `$n$`, `$\eta$`,
    /// `block depth`.
    public static func heading(_ name: String) -> String {
        switch name {
        case "depth": return "$L$"
        case "width": return "$n$"
        case "lr": return "$\\eta$"
        default: return axis(name)
        }
    }

    /// One axis value with its axis where the value alone would be unclear: `L = 16`, `n = 128`,
    /// `depth-μP`, `ReLU`, `block depth 2`.
    public static func value(_ value: String, axis: String) -> String {
        switch axis {
        case "parametrization": return parametrization(value)
        case "depth", "width": return "\(Self.axis(axis)) = \(value)"
        case "activation": return activation(value)
        case "lr":
            return Double(value).map { "η = " + NumberFormat.learningRate($0) } ?? "η = \(value)"
        default: return "\(Self.axis(axis)) \(value)"
        }
    }

    /// A value as a table cell under its axis's column (`16`, `depth-μP`, `ReLU`).
    public static func cell(_ value: String, axis: String) -> String {
        switch axis {
        case "parametrization": return parametrization(value)
        case "activation": return activation(value)
        default: return value
        }
    }

    static func activation(_ name: String) -> String {
        switch name {
        case "relu": return "ReLU"
        case "gelu": return "GELU"
        case "abs": return "|·|"
        default: return name
        }
    }
}
