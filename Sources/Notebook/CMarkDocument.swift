import CCmark
import Foundation

/// The bridge to libcmark 0.30 (the only file that imports `CCmark`).
///
/// A notebook is parsed twice with `cmark_parse_document(…, CMARK_OPT_SOURCEPOS)`: first the
/// unprotected text, to learn which lines are code, HTML, paragraphs or headings (so math is only
/// looked for in prose); then the protected text (see `MathProtection`), whose top-level blocks
/// become cells and whose HTML comes from `cmark_render_html`. Both trees are walked with
/// `cmark_iter` and freed before returning.
enum CMarkDocument {
    /// Parses the normalized notebook bytes (front matter blanked) into a `Notebook`.
    static func notebook(
        bytes: [UInt8], file: String, frontMatter: FrontMatter,
        math: FrontMatter.MathDelimiters, rawHTML: Bool
    ) throws -> Notebook {
        var source = SourceLines(bytes: bytes)
        var inlines: [InlineItem] = []
        var protected = bytes
        if needsProtection(bytes) {
            let structure = blockStructure(bytes: bytes, lines: source)
            var protection = MathProtection(
                bytes: bytes, lineStarts: source.lineStarts, kinds: structure.kinds,
                leafStarts: structure.leafStarts, experimentIDs: structure.experimentIDs,
                brackets: math == .brackets, file: file)
            protection.run()
            protected = protection.output
            inlines = protection.items
        }
        source.original = bytes
        return try cells(
            protected: protected, source: source, file: file, frontMatter: frontMatter,
            inlines: inlines, rawHTML: rawHTML)
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

    private static func blockStructure(bytes: [UInt8], lines: SourceLines) -> Structure {
        var structure = Structure(
            kinds: Array(repeating: .other, count: lines.count), leafStarts: [], experimentIDs: [])
        guard let document = parse(bytes) else { return structure }
        defer { cmark_node_free(document) }
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
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
                if type == CMARK_NODE_CODE_BLOCK,
                   case .experiment(let id?) = ExperimentInfo(string(cmark_node_get_fence_info(node))) {
                    structure.experimentIDs.insert(id)
                }
            default:
                break
            }
        }
        return structure
    }

    // MARK: - Pass 2: cells of the protected text

    private static func cells(
        protected: [UInt8], source: SourceLines, file: String, frontMatter: FrontMatter,
        inlines: [InlineItem], rawHTML: Bool
    ) throws -> Notebook {
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

        // Headings: text, inner HTML, then a marker right after `<hN>` for the anchor.
        var headings: [Heading] = []
        var headingNodes: [OpaquePointer] = []
        let iterator = cmark_iter_new(document)
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            if event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator),
               cmark_node_get_type(node) == CMARK_NODE_HEADING {
                headingNodes.append(node)
            }
        }
        cmark_iter_free(iterator)
        for (index, node) in headingNodes.enumerated() {
            let level = Int(cmark_node_get_heading_level(node))
            var html = render(node, options: options)
            let open = "<h\(level)>", close = "</h\(level)>\n"
            if html.hasPrefix(open) { html.removeFirst(open.count) }
            if html.hasSuffix(close) { html.removeLast(close.count) }
            headings.append(Heading(
                level: level, text: plainText(node, inlines: inlines), html: html,
                location: range(node).start))
            if let marker = cmark_node_new(CMARK_NODE_CUSTOM_INLINE) {
                cmark_node_set_on_enter(marker, "\u{E002}\(index)\u{E001}")
                cmark_node_prepend_child(node, marker)
            }
        }

        var cells: [Cell] = []
        var prose: ProseCell?
        var experimentLines: [String: Int] = [:]
        var experimentCount = 0
        func flushProse() {
            if var cell = prose {
                cell.markdown = source.text(lines: cell.range.start.line...cell.range.end.line)
                cells.append(.prose(cell))
            }
            prose = nil
        }
        var child = cmark_node_first_child(document)
        while let node = child {
            child = cmark_node_next(node)
            let nodeRange = range(node)
            if cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK {
                let info = string(cmark_node_get_fence_info(node))
                let literal = string(cmark_node_get_literal(node))
                switch ExperimentInfo(info) {
                case .notExperiment:
                    flushProse()
                    cells.append(.code(CodeCell(info: info, code: literal, range: nodeRange, html: render(node, options: options))))
                    continue
                case .malformed(let rest):
                    throw NotebookError.located(
                        nodeRange.start,
                        message: "experiment fence: cannot read \"\(rest)\" after `experiment`",
                        hint: "hint: write ```experiment or ```experiment {#my-id} (letters, digits, - and _)")
                case .experiment(let id):
                    flushProse()
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
                    continue
                }
            }
            let html = render(node, options: options)
            if prose == nil {
                prose = ProseCell(markdown: "", range: nodeRange, html: html)
            } else {
                prose!.range.end = nodeRange.end
                prose!.html += html
            }
        }
        flushProse()
        return Notebook(
            file: file, frontMatter: frontMatter, cells: cells, headings: headings, inlines: inlines,
            rawHTMLAllowed: rawHTML)
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
