/// Captions and headings that mix words with TeX: `$…$` segments become math spans that KaTeX
/// typesets on load (like prose math), the rest is escaped text.
///
/// Only depthbook's own captions and column titles go through here, never notebook text (which
/// has its own math protection, `MathProtection`), so a `$` always opens math and there is no
/// escape syntax. A trailing unmatched `$` stays text.
///
/// ```swift
/// MathText.html("slope of $\\log\\mathrm{RMS}(x_L)$")
/// // slope of <span class="math inline">\log\mathrm{RMS}(x_L)</span>
/// ```
public enum MathText {
    /// The HTML of `text`.
    public static func html(_ text: String) -> String {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        var out = ""
        for (index, part) in parts.enumerated() {
            let isMath = index % 2 == 1 && index < parts.count - 1
            if isMath {
                out += "<span class=\"math inline\">\(HTMLEscaping.escape(String(part)))</span>"
            } else {
                out += (index % 2 == 1 ? "$" : "") + HTMLEscaping.escape(String(part))
            }
        }
        return out
    }

}
