import Notebook

/// An inline reference written `{{ text }}` in prose, e.g. `{{lr-transfer.best_lr[depth-mup]}}`.
///
/// `text` is what stands between the braces, trimmed; `location` is the first `{` in the file.
/// The Runner resolves it to a value; Render asks a `BlockContentProvider` for its HTML.
public struct InlineReference: Sendable, Hashable {
    public var text: String
    public var location: SourceLocation

    public init(text: String, location: SourceLocation) {
        self.text = text
        self.location = location
    }
}

/// Supplies the HTML that replaces experiment blocks, inline references and cross-references.
///
/// The page renderer wraps each block's HTML in an element whose `id` is the block id (or
/// `block-N`), so cross-reference links reach it.
///
/// ```swift
/// let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: .init())
/// ```
public protocol BlockContentProvider {
    /// The HTML that replaces the experiment block `cell`.
    func html(for cell: ExperimentCell) -> String
    /// The HTML for `reference`.
    ///
    /// - Throws: a located error (naming `reference.location`) for an unknown reference.
    func inlineHTML(for reference: InlineReference) throws -> String
    /// The HTML of a link to block `id` (e.g. `<a href="#lr-transfer">Figure 2</a>`), or `nil` to
    /// leave `@id` as text.
    func crossReferenceHTML(forBlockID id: String) -> String?
}

/// The provider for a notebook that has not been executed: each block shows its YAML in a
/// "not executed yet" box, inline references show a visible placeholder, cross-references link to
/// the block's anchor.
public struct UnexecutedBlocks: BlockContentProvider {
    public init() {}

    public func html(for cell: ExperimentCell) -> String {
        """
        <figure class="experiment not-executed">
        <figcaption>Experiment \(HTMLEscaping.escape(cell.label)) (not executed yet)</figcaption>
        <pre><code class="language-yaml">\(HTMLEscaping.escape(cell.body))</code></pre>
        </figure>

        """
    }

    public func inlineHTML(for reference: InlineReference) throws -> String {
        "<span class=\"reference unresolved\" title=\"not executed yet\">{{\(HTMLEscaping.escape(reference.text))}}</span>"
    }

    public func crossReferenceHTML(forBlockID id: String) -> String? {
        "<a class=\"cross-reference\" href=\"#\(HTMLEscaping.escape(id))\">\(HTMLEscaping.escape(id))</a>"
    }
}

/// HTML escaping for text and attribute values.
public enum HTMLEscaping {
    /// `text` with `&`, `<`, `>` and `"` escaped (as cmark escapes text).
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: needsEscape) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        append(escaping: text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the UTF-8 of `text` to `output` with `&`, `<`, `>` and `"` escaped (the one
    /// escaping rule; `escape(_:)` is this into a new string). Runs without those bytes are
    /// copied whole, so a page's thousands of math spans cost one copy each.
    public static func append(escaping text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count where needsEscape(bytes[index]) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch bytes[index] {
                case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
                default: output.append(contentsOf: "&quot;".utf8)
                }
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
    }

    /// A file name as a relative URL path that no browser reads as a scheme, a fragment or a
    /// query: `:`, `#`, `?`, `%`, `\\`, spaces, control and non-ASCII bytes are percent-encoded,
    /// and a name that held a `:` gets `./` in front (`ch1:intro.html` → `./ch1%3Aintro.html`,
    /// `javascript:alert(1).html` → `./javascript%3Aalert(1).html`). Characters that only
    /// matter to HTML (`"`, `&`, `<`, `>`) are left to ``escape(_:)``, which must still be applied.
    public static func relativeURL(_ path: String) -> String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case 0...0x20, 0x7F...0xFF, UInt8(ascii: ":"), UInt8(ascii: "#"), UInt8(ascii: "?"),
                 UInt8(ascii: "%"), UInt8(ascii: "\\"):
                encoded += String(format: "%%%02X", byte)
            default:
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        // With `:` encoded no scheme can form, but `./` keeps a name like `%3A…` plainly relative
        // and protects a leading `//` (network path) as well.
        if path.contains(":") || path.hasPrefix("//") { return "./" + encoded }
        return encoded
    }
}
