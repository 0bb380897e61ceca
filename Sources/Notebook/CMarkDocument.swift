import CCmark
import Foundation

/// The bridge to libcmark 0.30 (the only file that imports `CCmark`).
///
/// A notebook is parsed twice with `cmark_parse_document(…, CMARK_OPT_SOURCEPOS)`: first the
/// unprotected text, to learn which lines are code, HTML, paragraphs or headings (so math is only
/// looked for in prose); then the protected text (see `MathProtection`), whose top-level blocks
/// become cells and whose HTML comes from one `cmark_render_html` of the whole document (code
/// blocks framed by separator blocks, so the HTML splits into cells). Only block nodes are
/// walked (`cmark_node_first_child`/`cmark_node_next`, into containers); `cmark_iter` walks a
/// heading's inlines for its text. Both trees are freed before returning.
enum CMarkDocument {
    /// Parses the normalized notebook bytes (front matter blanked) into a `Notebook`.
    static func notebook(
        bytes: [UInt8], file: String, frontMatter: FrontMatter,
        math: FrontMatter.MathDelimiters, rawHTML: Bool, exactBlockStructure: Bool = false
    ) throws -> Notebook {
        let source = SourceLines(bytes: bytes)
        guard needsProtection(bytes) else {
            return try exactCells(
                protected: bytes, source: source, file: file, frontMatter: frontMatter, inlines: [], rawHTML: rawHTML)
        }
        func protect(_ structure: Structure) -> ([UInt8], [InlineItem]) {
            var protection = MathProtection(
                bytes: bytes, lineStarts: source.lineStarts, kinds: structure.kinds,
                leafStarts: structure.leafStarts, experimentIDs: structure.experimentIDs,
                brackets: math == .brackets, file: file)
            protection.run()
            return (protection.output, protection.items)
        }
        // Fast path: lines classified by a conservative scan, then one cmark parse. If any token
        // did not land in prose (it sat in a code or HTML block the scan did not see), parse the
        // text once more to learn its exact block structure and protect again.
        if !exactBlockStructure, let fastStructure = LineClassifier.structure(bytes: bytes, lines: source) {
            let (fastText, fastItems) = protect(fastStructure)
            if let notebook = try cells(
                protected: fastText, source: source, file: file, frontMatter: frontMatter,
                inlines: fastItems, rawHTML: rawHTML, verifyTokens: true) {
                return notebook
            }
        }
        let (protected, inlines) = protect(blockStructure(bytes: bytes, lines: source))
        return try exactCells(
            protected: protected, source: source, file: file, frontMatter: frontMatter, inlines: inlines, rawHTML: rawHTML)
    }

    /// `cells` without token verification, which therefore always returns a notebook.
    private static func exactCells(
        protected: [UInt8], source: SourceLines, file: String, frontMatter: FrontMatter,
        inlines: [InlineItem], rawHTML: Bool
    ) throws -> Notebook {
        guard let notebook = try cells(
            protected: protected, source: source, file: file, frontMatter: frontMatter,
            inlines: inlines, rawHTML: rawHTML, verifyTokens: false)
        else { preconditionFailure("cells(verifyTokens: false) returned nil") }
        return notebook
    }

    /// cmark's HTML for `markdown`, without any protection.
    static func plainHTML(_ markdown: String, rawHTML: Bool) -> String {
        let options = rawHTML ? CMARK_OPT_UNSAFE : CMARK_OPT_DEFAULT
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, options) else { return "" }
        defer { cmark_node_free(document) }
        return render(document, options: options)
    }

    // MARK: - Pass 1: block structure of the unprotected text

    struct Structure {
        var kinds: [MathProtection.LineKind]
        var leafStarts: [Int]
        var experimentIDs: Set<String>
    }

    private static func needsProtection(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "\\") }
    }

    static func blockStructure(bytes: [UInt8], lines: SourceLines) -> Structure {
        var structure = Structure(
            kinds: Array(repeating: .other, count: lines.count), leafStarts: [], experimentIDs: [])
        guard let document = parse(bytes) else { return structure }
        defer { cmark_node_free(document) }
        // Only blocks matter here: descend into containers, never into inline content.
        func visit(_ parent: OpaquePointer) {
            var child = cmark_node_first_child(parent)
            while let node = child {
                child = cmark_node_next(node)
                let type = cmark_node_get_type(node)
                let first = Int(cmark_node_get_start_line(node)) - 1
                let last = min(Int(cmark_node_get_end_line(node)) - 1, lines.count - 1)
                guard first >= 0, first < lines.count else { continue }
                switch type {
                case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
                    let id = structure.leafStarts.count
                    let column = max(Int(cmark_node_get_start_column(node)) - 1, 0)
                    structure.leafStarts.append(min(lines.lineStarts[first] + column, lines.lineStarts[first + 1]))
                    for line in first...max(first, last) where structure.kinds[line] == .other {
                        structure.kinds[line] = .leaf(id)
                    }
                case CMARK_NODE_CODE_BLOCK, CMARK_NODE_HTML_BLOCK:
                    for line in first...max(first, last) { structure.kinds[line] = .verbatim }
                    // Only top-level fences are experiment cells, so only their ids can be cited.
                    if type == CMARK_NODE_CODE_BLOCK, parent == document,
                       case .experiment(let id?) = ExperimentInfo(string(cmark_node_get_fence_info(node))) {
                        structure.experimentIDs.insert(id)
                    }
                case CMARK_NODE_BLOCK_QUOTE, CMARK_NODE_LIST, CMARK_NODE_ITEM:
                    visit(node)
                default:
                    break
                }
            }
        }
        visit(document)
        return structure
    }

    // MARK: - Pass 2: cells of the protected text

    private static func cells(
        protected: [UInt8], source: SourceLines, file: String, frontMatter: FrontMatter,
        inlines: [InlineItem], rawHTML: Bool, verifyTokens: Bool
    ) throws -> Notebook? {
        guard let document = parse(protected) else {
            throw NotebookError.located(
                SourceLocation(file: file, line: 1, column: 1), message: "cmark could not parse the notebook", hint: nil)
        }
        defer { cmark_node_free(document) }
        let options = rawHTML ? CMARK_OPT_UNSAFE : CMARK_OPT_DEFAULT
        func location(line: Int32, column: Int32) -> SourceLocation {
            SourceLocation(file: file, line: max(Int(line), 1), column: max(Int(column), 1))
        }
        func range(_ node: OpaquePointer) -> SourceRange {
            SourceRange(
                start: location(line: cmark_node_get_start_line(node), column: cmark_node_get_start_column(node)),
                end: location(line: cmark_node_get_end_line(node), column: cmark_node_get_end_column(node)))
        }

        // Headings (blocks only: descend into containers): text now, a marker right after
        // `<hN>` for the anchor, inner HTML cut from the page's HTML below.
        var headingNodes: [OpaquePointer] = []
        func collectHeadings(_ parent: OpaquePointer) {
            var child = cmark_node_first_child(parent)
            while let node = child {
                child = cmark_node_next(node)
                switch cmark_node_get_type(node) {
                case CMARK_NODE_HEADING: headingNodes.append(node)
                case CMARK_NODE_BLOCK_QUOTE, CMARK_NODE_LIST, CMARK_NODE_ITEM: collectHeadings(node)
                default: break
                }
            }
        }
        collectHeadings(document)
        var headings: [Heading] = []
        for (index, node) in headingNodes.enumerated() {
            headings.append(Heading(
                level: Int(cmark_node_get_heading_level(node)), text: plainText(node, inlines: inlines), html: "",
                location: range(node).start))
            if let marker = cmark_node_new(CMARK_NODE_CUSTOM_INLINE) {
                cmark_node_set_on_enter(marker, "\u{E002}\(index)\u{E001}")
                cmark_node_prepend_child(node, marker)
            }
        }

        // Top-level blocks: runs of prose, code blocks, experiments. Each code block is framed by
        // separator blocks so one `cmark_render_html` of the document splits into cell HTML.
        enum Entry {
            case prose(SourceRange)
            case code(OpaquePointer, SourceRange)
        }
        var entries: [Entry] = []
        var child = cmark_node_first_child(document)
        while let node = child {
            child = cmark_node_next(node)
            let nodeRange = range(node)
            if cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK {
                entries.append(.code(node, nodeRange))
                for insert in [cmark_node_insert_before, cmark_node_insert_after] {
                    if let separator = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) {
                        cmark_node_set_on_enter(separator, "\u{E004}\n")
                        _ = insert(node, separator)
                    }
                }
            } else if case .prose(let previous)? = entries.last {
                entries[entries.count - 1] = .prose(SourceRange(start: previous.start, end: nodeRange.end))
            } else {
                entries.append(.prose(nodeRange))
            }
        }
        let html = Array(render(document, options: options).utf8)
        let (segments, tokensInProse) = split(html, headings: &headings)
        if verifyTokens, tokensInProse != inlines.count { return nil }

        var cells: [Cell] = []
        var experimentLines: [String: Int] = [:]
        var experimentCount = 0
        var segment = 0
        for entry in entries {
            switch entry {
            case .prose(let proseRange):
                cells.append(.prose(ProseCell(
                    markdown: source.text(lines: proseRange.start.line...proseRange.end.line),
                    range: proseRange, html: segment < segments.count ? segments[segment] : "")))
            case .code(let node, let nodeRange):
                segment += 1
                let codeHTML = segment < segments.count ? segments[segment] : ""
                segment += 1
                let info = string(cmark_node_get_fence_info(node))
                let literal = string(cmark_node_get_literal(node))
                switch ExperimentInfo(info) {
                case .notExperiment:
                    cells.append(.code(CodeCell(info: info, code: literal, range: nodeRange, html: codeHTML)))
                case .malformed(let rest):
                    throw NotebookError.located(
                        nodeRange.start,
                        message: "experiment fence: cannot read \"\(rest)\" after `experiment`",
                        hint: "hint: write ```experiment or ```experiment {#my-id} (letters, digits, - and _)")
                case .experiment(let id):
                    experimentCount += 1
                    if let id {
                        if let first = experimentLines[id] {
                            throw NotebookError.located(
                                nodeRange.start,
                                message: "duplicate experiment id \"\(id)\" (lines \(first) and \(nodeRange.start.line))",
                                hint: "hint: give each experiment block its own {#id}")
                        }
                        experimentLines[id] = nodeRange.start.line
                    }
                    let bodyStart = SourceLocation(
                        file: file, line: nodeRange.start.line + 1, column: nodeRange.start.column)
                    cells.append(.experiment(ExperimentCell(
                        index: experimentCount, id: id, body: literal, range: nodeRange, bodyStart: bodyStart)))
                }
            }
        }
        return Notebook(
            file: file, frontMatter: frontMatter, cells: cells, headings: headings, inlines: inlines,
            rawHTMLAllowed: rawHTML)
    }

    /// Splits the document's HTML at the separator lines (`U+E004` + LF) and fills in each
    /// heading's inner HTML (from its marker to `</hN>`).
    ///
    /// - Returns: the segments and how many inline tokens sit outside `<code>` elements.
    private static func split(_ html: [UInt8], headings: inout [Heading]) -> ([String], Int) {
        var segments: [String] = []
        var start = 0
        var index = 0
        var tokens = 0
        var inCode = false
        let codeOpen = Array("<code".utf8), codeClose = Array("</code>".utf8)
        func matches(_ needle: [UInt8], at offset: Int) -> Bool {
            offset + needle.count <= html.count && html[offset..<offset + needle.count].elementsEqual(needle)
        }
        while index < html.count {
            if html[index] == UInt8(ascii: "<") {
                if matches(codeOpen, at: index) { inCode = true } else if matches(codeClose, at: index) { inCode = false }
                index += 1
                continue
            }
            guard html[index] == 0xEE, index + 3 < html.count, html[index + 1] == 0x80 else {
                index += 1
                continue
            }
            if html[index + 2] == 0x80, !inCode { tokens += 1 }
            if html[index + 2] == 0x84, html[index + 3] == UInt8(ascii: "\n") {
                segments.append(String(decoding: html[start..<index], as: UTF8.self))
                index += 4
                start = index
            } else if html[index + 2] == 0x82 {
                var end = index + 3
                var number = 0
                while end < html.count, html[end] >= 48, html[end] <= 57 {
                    number = number * 10 + Int(html[end]) - 48
                    end += 1
                }
                let contentStart = end + 3  // after U+E001
                var close = contentStart
                while close + 2 < html.count, !(html[close] == UInt8(ascii: "<") && html[close + 1] == UInt8(ascii: "/")
                        && html[close + 2] == UInt8(ascii: "h")) { close += 1 }
                if number < headings.count, contentStart <= close {
                    headings[number].html = String(decoding: html[contentStart..<close], as: UTF8.self)
                }
                index = end
            } else {
                index += 3
            }
        }
        segments.append(String(decoding: html[start..<html.count], as: UTF8.self))
        return (segments, tokens)
    }

    // MARK: - Helpers

    private static func parse(_ bytes: [UInt8]) -> OpaquePointer? {
        let padded = bytes + [0]  // never an empty buffer, so the base address exists
        return padded.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_parse_document(chars.baseAddress, bytes.count, CMARK_OPT_SOURCEPOS)
            }
        }
    }

    private static func render(_ node: OpaquePointer, options: Int32) -> String {
        guard let html = cmark_render_html(node, options) else { return "" }
        defer { free(html) }
        return String(cString: html)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// The heading's text with math as its TeX and references as written.
    private static func plainText(_ heading: OpaquePointer, inlines: [InlineItem]) -> String {
        var text = ""
        let iterator = cmark_iter_new(heading)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            switch cmark_node_get_type(node) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE: text += string(cmark_node_get_literal(node))
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK: text += " "
            default: break
            }
        }
        return PlaceholderText.replacingTokens(in: text) { index in
            guard index < inlines.count else { return "" }
            switch inlines[index] {
            case .math(let tex, _, _): return tex
            case .reference(let reference, _): return reference
            case .crossReference(let id, _): return id
            }
        }
    }
}

/// What a fenced code block's info string says about experiments.
enum ExperimentInfo: Equatable {
    case notExperiment
    case experiment(String?)
    case malformed(String)

    init(_ info: String) {
        let trimmed = info.trimmedWhitespace()
        guard trimmed == "experiment" || trimmed.hasPrefix("experiment ") || trimmed.hasPrefix("experiment\t") else {
            self = .notExperiment
            return
        }
        let rest = String(trimmed.dropFirst("experiment".count)).trimmedWhitespace()
        if rest.isEmpty {
            self = .experiment(nil)
            return
        }
        guard rest.hasPrefix("{#"), rest.hasSuffix("}"), rest.count > 3 else {
            self = .malformed(rest)
            return
        }
        let id = String(rest.dropFirst(2).dropLast())
        guard id.utf8.allSatisfy(isIDByte) else {
            self = .malformed(rest)
            return
        }
        self = .experiment(id)
    }
}

/// Line offsets of the normalized notebook bytes.
struct SourceLines {
    var lineStarts: [Int]
    var original: [UInt8]
    var count: Int { lineStarts.count - 1 }

    init(bytes: [UInt8]) {
        original = bytes
        lineStarts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(offset + 1) }
        if lineStarts.last != bytes.count { lineStarts.append(bytes.count) }
    }

    /// The text of 1-based `lines`, without the final line break.
    func text(lines: ClosedRange<Int>) -> String {
        let first = min(max(lines.lowerBound - 1, 0), count)
        let last = min(max(lines.upperBound, first), count)
        var slice = original[lineStarts[first]..<lineStarts[last]]
        if slice.last == UInt8(ascii: "\n") { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
