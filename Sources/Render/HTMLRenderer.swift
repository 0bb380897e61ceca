import Notebook

/// Assembles the body HTML of a notebook: cmark's prose HTML with every placeholder token
/// replaced (math spans, inline references, cross-references, heading anchors) and each
/// experiment block replaced by its provider's HTML inside an anchor element.
///
/// Math becomes `<span class="math inline">TeX</span>` or `<span class="math display">TeX</span>`,
/// the TeX HTML-escaped and without delimiters; KaTeX typesets the spans when the page loads.
struct HTMLRenderer {
    let notebook: Notebook
    let provider: BlockContentProvider
    /// Whether headings get `id` anchors and prose tables their scroll box (full pages), or
    /// both stay exactly as cmark wrote them (fragments).
    let headingAnchors: Bool
    /// The anchor id of each heading.
    let slugs: [String]

    init(notebook: Notebook, provider: BlockContentProvider, headingAnchors: Bool) {
        self.notebook = notebook
        self.provider = provider
        self.headingAnchors = headingAnchors
        slugs = headingAnchors ? Self.slugs(notebook.headings) : []
    }

    /// The anchor id of each heading: slugs of their text, deduplicated with `-1`, `-2`, ….
    static func slugs(_ headings: [Heading]) -> [String] {
        var used = Set<String>()
        return headings.map { heading in
            let base = Self.slug(heading.text)
            var slug = base
            var suffix = 0
            while used.contains(slug) {
                suffix += 1
                slug = "\(base)-\(suffix)"
            }
            used.insert(slug)
            return slug
        }
    }

    /// The anchor of an experiment block: its id, or `block-N`.
    static func anchor(of cell: ExperimentCell) -> String {
        cell.id ?? "block-\(cell.index)"
    }

    /// The body HTML.
    ///
    /// - Throws: what the provider throws for an unknown inline reference.
    func body() throws -> String {
        var html = ""
        for cell in notebook.cells {
            switch cell {
            case .prose(let prose): html += prose.html
            case .code(let code): html += code.html
            case .experiment(let experiment):
                html += "<div class=\"experiment-block\" id=\"\(HTMLEscaping.escape(Self.anchor(of: experiment)))\">\n"
                html += provider.html(for: experiment)
                html += "</div>\n"
            }
        }
        return try substitute(html, slugs: headingAnchors ? slugs : nil)
    }

    /// The table of contents: a nested-by-class list of links to headings of level 1 to 3.
    func tableOfContents() throws -> String {
        var items = ""
        for (heading, slug) in zip(notebook.headings, slugs) where heading.level <= 3 {
            let text = try substitute(heading.html, slugs: nil)
            items += "<li class=\"toc-level-\(heading.level)\"><a href=\"#\(HTMLEscaping.escape(slug))\">\(text)</a></li>\n"
        }
        return items.isEmpty ? "" : "<ul>\n\(items)</ul>\n"
    }

    /// `html` with each token replaced; heading markers become ` id="slug"` (or nothing).
    ///
    /// Works on the UTF-8 bytes: the runs between tokens are copied whole and each replacement
    /// is written straight into the output (no intermediate strings per math span).
    ///
    /// NOTE: a token inside a tag (an image's `alt` attribute) becomes escaped plain text, never
    /// markup.
    func substitute(_ html: String, slugs: [String]?) throws -> String {
        var html = html
        return try html.withUTF8 { bytes in
            guard bytes.contains(Placeholder.lead.0) else { return String(decoding: bytes, as: UTF8.self) }
            var output = [UInt8]()
            output.reserveCapacity(bytes.count + bytes.count / 2)
            var inTag = false
            var index = 0
            var runStart = 0
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == Placeholder.lead.0, let (token, end) = Placeholder.decode(bytes, at: index) else {
                    if byte == UInt8(ascii: "<") { inTag = true } else if byte == UInt8(ascii: ">") { inTag = false }
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                let start = index
                index = end
                runStart = end
                switch token {
                case .filler:  // drop it with the line break before it
                    if output.last == UInt8(ascii: "\n") { output.removeLast() }
                case .separator:  // only inside the Notebook module; kept as it came
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
                case .tableStart, .tableEnd:
                    // A full page puts each prose table in its own scroll box (style.css sizes the
                    // table to its content there, so a phone scrolls it instead of squeezing
                    // its columns); a fragment keeps cmark-gfm's bytes.
                    if headingAnchors {
                        output.append(contentsOf: (token == .tableStart ? "<div class=\"table-scroll prose-table\">\n" : "\n</div>").utf8)
                    }
                case .heading(let heading):
                    if let slugs, heading < slugs.count {
                        // The marker sits right after `<hN>`: put the id inside the tag.
                        if output.last == UInt8(ascii: ">") { output.removeLast() }
                        output.append(contentsOf: " id=\"".utf8)
                        HTMLEscaping.append(escaping: slugs[heading], to: &output)
                        output.append(contentsOf: "\">".utf8)
                    }
                case .inline(let number):
                    guard number < notebook.inlines.count else { continue }
                    try appendReplacement(for: notebook.inlines[number], inTag: inTag,
                                          label: notebook.equationLabels[number], to: &output)
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Appends the HTML of `item` to `output`; `label` is a display equation's `{#label}`.
    ///
    /// A labelled equation is `<span class="equation" id="eq-x">` holding the math span and
    /// `<span class="equation-number">(n)</span>`: the number sits outside the span KaTeX
    /// typesets (which reads its whole text as TeX), at the right of the equation.
    private func appendReplacement(for item: InlineItem, inTag: Bool, label: String?, to output: inout [UInt8]) throws {
        switch item {
        case let .math(tex, display, _):
            if inTag { return HTMLEscaping.append(escaping: tex, to: &output) }
            let target = label.flatMap { notebook.targets[$0] }
            if let label, target != nil {
                output.append(contentsOf: "<span class=\"equation\" id=\"".utf8)
                HTMLEscaping.append(escaping: label, to: &output)
                output.append(contentsOf: "\">".utf8)
            }
            output.append(contentsOf: (display ? "<span class=\"math display\">" : "<span class=\"math inline\">").utf8)
            HTMLEscaping.append(escaping: tex, to: &output)
            output.append(contentsOf: "</span>".utf8)
            if let target { output.append(contentsOf: "<span class=\"equation-number\">(\(target.number))</span></span>".utf8) }
        case let .reference(text, location):
            if inTag { return HTMLEscaping.append(escaping: "{{\(text)}}", to: &output) }
            output.append(contentsOf: try provider.inlineHTML(for: InlineReference(text: text, location: location)).utf8)
        case let .crossReference(id, _):
            if !inTag, let target = notebook.targets[id] {
                output.append(contentsOf: "<a class=\"cross-reference\" href=\"#".utf8)
                HTMLEscaping.append(escaping: id, to: &output)
                return output.append(contentsOf: "\">\(target.name)</a>".utf8)
            }
            if !inTag, let html = provider.crossReferenceHTML(forBlockID: id) { return output.append(contentsOf: html.utf8) }
            output.append(UInt8(ascii: "@"))
            HTMLEscaping.append(escaping: id, to: &output)
        }
    }

    /// A stable anchor for a heading: lowercase letters and digits, `-` for spaces and dashes,
    /// `_` kept, everything else dropped; `section` when nothing is left.
    static func slug(_ text: String) -> String {
        var slug = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", "_": slug.append(scalar)
            case " ", "-", "\t": slug.append("-")
            default:
                if !scalar.isASCII, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    slug.append(scalar)
                }
            }
        }
        return slug.isEmpty ? "section" : String(slug)
    }
}
