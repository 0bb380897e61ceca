/// Plot labels with real subscripts and superscripts: `x_{L,t}` and `m_L^{−α}` become SVG
/// `<tspan>`s set lower or higher, never `_`/`^` text.
///
/// The notation is TeX's `_{…}`/`^{…}` (or one character without braces: `x_L`), and nothing
/// else. It is parsed here, not by KaTeX, because SVG `<text>` cannot hold KaTeX's HTML without
/// `<foreignObject>` and JavaScript, and plots must stay plain vector graphics (in print too).
/// Sub/superscripts are 12 units against the plot's 13 (both ≥ 11 CSS px at the grid's smallest
/// column); `dy` moves them and moves back, so following text returns to the baseline.
///
/// ```swift
/// SVGText.tspans("RMS(x_{L,t} − x_{L,0})")
/// // RMS(x<tspan dy="4" font-size="12">L,t</tspan><tspan dy="-4"> − x</tspan>…
/// SVGText.plain("RMS(x_{L,t})")   // "RMS(x_L,t)" for <title> and aria-label
/// ```
public enum SVGText {
    enum Piece: Equatable {
        case text(String)
        case sub(String)
        case sup(String)
    }

    static func pieces(_ label: String) -> [Piece] {
        var pieces: [Piece] = []
        var plain = ""
        var index = label.startIndex
        while index < label.endIndex {
            let character = label[index]
            let next = label.index(after: index)
            guard character == "_" || character == "^", next < label.endIndex else {
                plain.append(character)
                index = next
                continue
            }
            var body = ""
            var end = label.index(after: next)
            if label[next] == "{", let close = label[next...].firstIndex(of: "}") {
                body = String(label[label.index(after: next)..<close])
                end = label.index(after: close)
            } else {
                body = String(label[next])
            }
            if !plain.isEmpty { pieces.append(.text(plain)); plain = "" }
            pieces.append(character == "_" ? .sub(body) : .sup(body))
            index = end
        }
        if !plain.isEmpty { pieces.append(.text(plain)) }
        return pieces
    }

    /// The SVG content of `label`: escaped text and `<tspan>`s for its sub/superscripts.
    public static func tspans(_ label: String) -> String {
        var out = ""
        var shift = 0  // current baseline offset, units (down is positive)
        for piece in pieces(label) {
            switch piece {
            case .text(let text):
                out += shift == 0 ? HTMLEscaping.escape(text) : "<tspan dy=\"\(-shift)\">\(HTMLEscaping.escape(text))</tspan>"
                shift = 0
            case .sub(let text), .sup(let text):
                let target = piece == .sub(text) ? 4 : -5
                out += "<tspan dy=\"\(target - shift)\" font-size=\"12\">\(HTMLEscaping.escape(text))</tspan>"
                shift = target
            }
        }
        // NOTE: a label ending in a subscript leaves the baseline shifted; nothing follows it.
        return out
    }

    /// `label` as plain text for `<title>` and `aria-label`: subscripts run on, superscripts
    /// become Unicode superscripts where they exist (`x_{L,t}` → `xL,t`, `m_L^{−α}` → `mL⁻α`).
    public static func plain(_ label: String) -> String {
        pieces(label).map { piece -> String in
            switch piece {
            case .text(let text): return text
            case .sub(let text): return text
            case .sup(let text): return NumberFormat.superscript(text)
            }
        }.joined()
    }
}
