import Foundation

/// Deterministic number text for tables, plots, CSV and inline references.
///
/// Same value, same text, on every machine: formatting goes through C's `snprintf` with fixed
/// precision (never the locale). Non-finite values print as `NaN`, `inf`, `-inf`.
public enum NumberFormat {
    /// `value` with `digits` significant digits: fixed notation for 1e-3 ≤ |x| < 1e5
    /// (`0.00781`, `2.31`, `1234`), scientific otherwise (`1.5e-05`). Trailing zeros are kept so
    /// columns line up (`0.500`).
    public static func significant(_ value: Double, digits: Int = 3) -> String {
        if let special = nonFinite(value) { return special }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e5 {
            let exponent = Int(floor(log10(magnitude)))
            let decimals = max(0, digits - 1 - exponent)
            let text = String(format: "%.\(decimals)f", value)
            // Rounding can carry into a new digit (9.995 → 10.00); one fewer decimal then.
            if decimals > 0, let rounded = Double(text), abs(rounded) >= pow(10, Double(exponent + 1)) {
                return String(format: "%.\(decimals - 1)f", value)
            }
            return text
        }
        return String(format: "%.\(max(0, digits - 1))e", value)
            .replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
            .replacingOccurrences(of: "e+", with: "e")
    }

    /// Like ``significant(_:digits:)`` without trailing zeros after the point: `1`, `0.5`, `-7`.
    public static func trimmed(_ value: Double, digits: Int = 3) -> String {
        let text = significant(value, digits: digits)
        guard text.contains("."), !text.contains("e") else { return text }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        return trimmed == "-0" ? "0" : String(trimmed)
    }

    /// Fixed decimals (`-0.50`, `0.00`; never `-0.00`), for slopes and exponents.
    public static func fixed(_ value: Double, decimals: Int = 2) -> String {
        if let special = nonFinite(value) { return special }
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    /// `NaN`, `inf`, `-inf`, or nil for a finite value.
    public static func nonFinite(_ value: Double) -> String? {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "inf" }
        if value == -.infinity { return "-inf" }
        return nil
    }

    /// A power of two with a Unicode superscript exponent: `2⁻⁹`, `2⁴`, `2⁻²·⁵`.
    public static func powerOfTwo(_ exponent: Double) -> String {
        "2" + superscript(exponent == exponent.rounded() ? String(Int(exponent)) : significant(exponent, digits: 3))
    }

    /// Digits, `-` and `.` as Unicode superscripts (`-19` → `⁻¹⁹`, `.` → `·`); other characters kept.
    public static func superscript(_ text: String) -> String {
        let superscripts: [Character: String] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
            "-": "⁻", "−": "⁻", ".": "·",
        ]
        return text.map { superscripts[$0] ?? String($0) }.joined()
    }

    /// Number text as a reader sees it: hyphen-minus becomes the minus sign U+2212 (`−0.01`).
    ///
    /// Only a leading `-` or one after `e`/space is a sign; CSV and JSON keep ASCII.
    public static func minus(_ text: String) -> String {
        var out = ""
        var previous: Character = " "
        for character in text {
            out.append(character == "-" && (previous == " " || previous == "(" || previous == "e") ? "−" : character)
            previous = character
        }
        return out
    }

    /// A number for running text, captions and tables: ``significant(_:digits:)`` with a Unicode
    /// minus, and scientific values as `1.7 × 10¹⁹` instead of `1.7e19`.
    public static func prose(_ value: Double, digits: Int = 3) -> String {
        let text = significant(value, digits: digits)
        guard let e = text.firstIndex(of: "e") else { return minus(text) }
        let mantissa = minus(String(text[..<e])), exponent = String(text[text.index(after: e)...])
        return (mantissa == "1" ? "" : mantissa + " × ") + "10" + superscript(exponent)
    }

    /// A count with its noun, singular for exactly 1: `1 octave`, `0 octaves`, `1.5 octaves`.
    ///
    /// `plural` defaults to the noun plus `s`. Whole numbers print without decimals.
    public static func counted(_ value: Double, _ noun: String, plural: String? = nil) -> String {
        let number = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : trimmed(value)
        return "\(minus(number)) \(value == 1 ? noun : plural ?? noun + "s")"
    }

    /// A learning rate: `2⁻⁷` when it is a power of two (with a half-octave step too: `2⁻⁷·⁵`),
    /// else three significant digits. `ascii`: as a notebook writes it (`2^-7`, `2^-7.5`), for
    /// CSV, which keeps the spec's spelling.
    public static func learningRate(_ rate: Double, ascii: Bool = false) -> String {
        let exponent = log2(rate)
        if (exponent * 2).rounded() == exponent * 2, abs(exponent) < 1000 {
            return ascii ? "2^" + (exponent == exponent.rounded() ? String(Int(exponent)) : trimmed(exponent)) : powerOfTwo(exponent)
        }
        return trimmed(rate)
    }

    /// A fraction as a percentage with one decimal: `0.767` → `76.7%` (a Unicode minus for a
    /// negative one). The one format of accuracies and relative errors: tables, inline
    /// references and `depthbook train` all print it.
    public static func percent(_ fraction: Double) -> String {
        if let special = nonFinite(fraction) { return special }
        return minus(fixed(fraction * 100, decimals: 1)) + "%"
    }

    /// A value that is only a bound, marked with its side: `≤ 2⁻¹³` for an optimum on the low
    /// edge of its grid, `≥ 2⁻⁵` on the high edge; the text unchanged inside the grid.
    public static func bound(_ text: String, _ edge: BlockAnalysis.GridEdge?) -> String {
        switch edge {
        case .low: return "≤ \(text)"
        case .high: return "≥ \(text)"
        case nil: return text
        }
    }

    /// The shortest text that reads back as the same Double (JSON, CSV), `null` for non-finite.
    public static func exact(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}
