import CCmark
import Foundation

/// The bridge to libcmark 0.30 (the only file that imports `CCmark`).
///
/// Block structure has one source of truth, cmark's own AST. A notebook that may hold math or
/// references is parsed twice with `cmark_parse_document(…, CMARK_OPT_SOURCEPOS)`: first the
/// unprotected text, to learn which lines are code, HTML, paragraphs or headings (so math is only
/// looked for in prose); then the protected text (see `MathProtection`), whose top-level blocks
/// become cells and whose HTML comes from one `cmark_render_html` of the whole document (code
/// blocks framed by separator blocks, so the HTML splits into cells). A notebook without `$`,
/// `{`, `@` or `\\` is parsed once. Only block nodes are walked (`cmark_node_first_child`/
/// `cmark_node_next`, into containers); `cmark_iter` walks a heading's inlines for its text.
/// Both trees are freed before returning.
///
/// NOTE: cmark 0.30 reports the end of an HTML block of kinds 2–5 (`<!--`, `<?`, `<!X`,
/// `<![CDATA[`) as the end of the line *before* its last line (even line 0); `endLine` derives
/// such a block's end from its literal instead, and every range is clamped to run forwards.
enum CMarkDocument {
    /// Parses the normalized notebook bytes (front matter blanked) into a `Notebook`.
    static func notebook(
        bytes: [UInt8], file: String, frontMatter: FrontMatter,
        math: FrontMatter.MathDelimiters, rawHTML: Bool, pipeTables: Bool = true, lineStarts: [Int]? = nil
    ) throws -> Notebook {
        let source = SourceLines(bytes: bytes, lineStarts: lineStarts)
        guard needsProtection(bytes) else {
            return try cells(
                protected: bytes, source: source, file: file, frontMatter: frontMatter, inlines: [], rawHTML: rawHTML,
                pipeTables: pipeTables)
        }
        let structure = blockStructure(bytes: bytes, lines: source)
        func protect(_ targets: Set<String>) -> MathProtection {
            var protection = MathProtection(
                bytes: bytes, lineStarts: source.lineStarts, kinds: structure.kinds,
                leafStarts: structure.leafStarts, targets: targets, brackets: math == .brackets, file: file)
            protection.run()
            return protection
        }
        var protection = protect(structure.targets)
        // Equation labels are found while protecting; `@eq-x` may come before its equation, so a
        // notebook with labelled equations is protected once more knowing them (the labels do
        // not depend on the targets: an id never holds `$`).
        let equationIDs = Set(protection.equationLabels.map(\.label))
        if !equationIDs.isSubset(of: structure.targets) {
            protection = protect(structure.targets.union(equationIDs))
        }
        var notebook = try cells(
            protected: protection.output, source: source, file: file, frontMatter: frontMatter,
            inlines: protection.items, rawHTML: rawHTML, pipeTables: pipeTables)
        try notebook.addEquationLabels(protection.equationLabels)
        notebook.captionLabels = structure.captionLabels
        notebook.uncitedWords = protection.uncited.map { UncitedWord(id: $0.id, location: $0.location) }
        notebook.unclosedReferences = protection.unclosedReferences.map { UncitedWord(id: $0.text, location: $0.location) }
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

    struct Structure: Equatable {
        var kinds: [MathProtection.LineKind]
        var leafStarts: [Int]
        /// What `@id` may cite: experiment ids (the fence's `{#id}` or a top-level `id:` line of
        /// its YAML) and table captions' labels (`Table: … {#tbl-x}`).
        var targets: Set<String>
        /// The table captions' labels alone.
        var captionLabels: Set<String> = []
    }

    private static func needsProtection(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "\\") }
    }

    /// Which lines are code or HTML, which paragraphs and headings: from cmark's parse of
    /// `structureText(bytes)` (or of `bytes` itself when `neutralize` is false, for the test
    /// that they agree).
    static func blockStructure(bytes: [UInt8], lines: SourceLines, neutralize: Bool = true) -> Structure {
        var structure = Structure(
            kinds: Array(repeating: .other, count: lines.count), leafStarts: [], targets: [])
        guard let document = parse(neutralize ? structureText(bytes, lines: lines) : bytes) else { return structure }
        defer { cmark_node_free(document) }
        // Only blocks matter here: descend into containers, never into inline content.
        func visit(_ parent: OpaquePointer) {
            var child = cmark_node_first_child(parent)
            while let node = child {
                child = cmark_node_next(node)
                let type = cmark_node_get_type(node)
                let first = Int(cmark_node_get_start_line(node)) - 1
                let last = min(endLine(node) - 1, lines.count - 1)
                guard first >= 0, first < lines.count else { continue }
                switch type {
                case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
                    let id = structure.leafStarts.count
                    let column = max(Int(cmark_node_get_start_column(node)) - 1, 0)
                    structure.leafStarts.append(min(lines.lineStarts[first] + column, lines.lineStarts[first + 1]))
                    for line in first...max(first, last) where structure.kinds[line] == .other {
                        structure.kinds[line] = .leaf(id)
                    }
                    if type == CMARK_NODE_PARAGRAPH, let caption = TableCaption(contentLines(node, lines: lines)),
                       let label = caption.label {
                        structure.targets.insert(label)
                        structure.captionLabels.insert(label)
                    }
                case CMARK_NODE_CODE_BLOCK, CMARK_NODE_HTML_BLOCK:
                    for line in first...max(first, last) { structure.kinds[line] = .verbatim }
                    // Only top-level fences are experiment cells, so only their ids can be cited.
                    if type == CMARK_NODE_CODE_BLOCK, parent == document, cmark_node_get_fence_info(node)?.pointee ?? 0 != 0,
                       case .experiment(let id) = ExperimentInfo(fenceInfo(line: first, lines: lines)) {
                        if let id = id ?? yamlID(lines: (first + 1)..<max(first + 1, last), in: lines) { structure.targets.insert(id) }
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

    /// The text pass 1 gives cmark: `bytes` with `\\`, `_`, `*` and `&` replaced by `x` where they
    /// cannot matter to block structure, so cmark's inline pass (which pass 1 does not use, and
    /// which costs most of a parse in math-heavy prose: every `\\` and `_` is a node) is cheap.
    ///
    /// NOTE: why the blocks stay the same. A byte is replaced only after the first letter or
    /// non-ASCII byte of its line (not a digit: `1. ***` is a list item holding a thematic
    /// break), so every block start (indentation, `>`, list markers, `#`, fences, escaped
    /// markers) is left as it is, and lines without such a byte
    /// (thematic breaks, setext underlines, closing fences, blank lines) are not touched. Lines
    /// with a `<` are kept whole (HTML block starts, where `a*b` → `axb` could turn an invalid tag
    /// into a valid one); HTML block ends (`-->`, `?>`, `>`, `]]>`, `</script>`…) use none of the
    /// four bytes. Link reference definitions, whose labels, destinations and titles do read
    /// escapes, are kept whole: every run of non-blank lines that holds `]:`. Fence info
    /// strings are read from the original line (`fenceInfo`). The replacement is byte for byte,
    /// so every column is the original's. `BlockStructureTests` checks the two parses give the
    /// same structure on every CommonMark example, with math, and on random documents.
    static func structureText(_ bytes: [UInt8], lines: SourceLines) -> [UInt8] {
        var output = bytes
        let starts = lines.lineStarts
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                func isBlank(_ line: Int) -> Bool {
                    for index in starts[line]..<starts[line + 1] {
                        let byte = input[index]
                        if byte != 32, byte != 9, byte != 10 { return false }
                    }
                    return true
                }
                var line = 0
                while line < lines.count {
                    // One run of non-blank lines.
                    if isBlank(line) { line += 1; continue }
                    var end = line
                    var referenceDefinition = false
                    while end < lines.count, !isBlank(end) {
                        // A non-blank line has at least one byte.
                        var index = starts[end]
                        while !referenceDefinition, index + 1 < starts[end + 1] {
                            referenceDefinition = input[index] == UInt8(ascii: "]") && input[index + 1] == UInt8(ascii: ":")
                            index += 1
                        }
                        end += 1
                    }
                    if !referenceDefinition {
                        for current in line..<end {
                            let start = starts[current], stop = starts[current + 1]
                            var content = start
                            var angle = false
                            for index in start..<stop where input[index] == UInt8(ascii: "<") { angle = true; break }
                            if angle { continue }
                            while content < stop, !isASCIILetter(input[content]), input[content] < 0x80 { content += 1 }
                            for index in content..<stop {
                                let byte = input[index]
                                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "*")
                                    || byte == UInt8(ascii: "&") {
                                    output[index] = UInt8(ascii: "x")
                                }
                            }
                        }
                    }
                    line = end
                }
            }
        }
        return output
    }

    /// Whether `line` closes the code fence that `opened` starts (CommonMark 0.30 §4.5): after
    /// at most 3 spaces, at least as many of the opener's fence character, then only spaces
    /// or tabs (and a CRLF file's carriage return).
    static func closesFence(_ line: String, opened: String) -> Bool {
        func fence(_ text: String) -> (character: Character, count: Int, rest: Substring)? {
            let indent = text.prefix(while: { $0 == " " }).count
            guard indent <= 3 else { return nil }
            let body = text.dropFirst(indent)
            guard let first = body.first, first == "`" || first == "~" else { return nil }
            let run = body.prefix(while: { $0 == first }).count
            return run >= 3 ? (first, run, body.dropFirst(run)) : nil
        }
        guard let opener = fence(opened), let closer = fence(line) else { return false }
        return closer.character == opener.character && closer.count >= opener.count
            && closer.rest.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\r\n" }
    }

    /// The info string of the fence opening on 0-based `line`, from the original bytes:
    /// after the fence's backticks or tildes, with backslash escapes of punctuation resolved.
    private static func fenceInfo(line: Int, lines: SourceLines) -> String {
        var index = lines.lineStarts[line]
        var end = lines.lineStarts[line + 1]
        if end > index, lines.original[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        while index < end, lines.original[index] == 32 { index += 1 }
        if index < end, lines.original[index] == UInt8(ascii: "`") || lines.original[index] == UInt8(ascii: "~") {
            let fence = lines.original[index]
            while index < end, lines.original[index] == fence { index += 1 }
        }
        var info: [UInt8] = []
        while index < end {
            let byte = lines.original[index]
            if byte == UInt8(ascii: "\\"), index + 1 < end, isASCIIPunctuation(lines.original[index + 1]) {
                index += 1
                continue
            }
            info.append(byte)
            index += 1
        }
        return String(decoding: info, as: UTF8.self)
    }

    /// The id a block's YAML gives itself on a top-level `id:` line (`id: lr-transfer`, quoted
    /// or not), read from the original lines `body` of its fence; nil when there is none or it
    /// is not an id. Only for pass 1's list of what `@id` may cite: the spec decoder reads the key.
    private static func yamlID(lines body: Range<Int>, in lines: SourceLines) -> String? {
        for line in body where line < lines.count {
            let text = lines.original[lines.lineStarts[line]..<lines.lineStarts[line + 1]]
            guard text.starts(with: Array("id:".utf8)) else { continue }
            var value = String(decoding: text.dropFirst(3), as: UTF8.self).trimmedWhitespace()
            if let comment = value.range(of: " #") { value = String(value[..<comment.lowerBound]).trimmedWhitespace() }
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            return !value.isEmpty && value.utf8.allSatisfy(isIDByte) ? value : nil
        }
        return nil
    }

    // MARK: - Pass 2: cells of the protected text

    private static func cells(
        protected: [UInt8], source: SourceLines, file: String, frontMatter: FrontMatter,
        inlines: [InlineItem], rawHTML: Bool, pipeTables: Bool
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
            let start = location(line: cmark_node_get_start_line(node), column: cmark_node_get_start_column(node))
            let reportedEnd = Int32(clamping: endLine(node))
            var end = location(line: reportedEnd, column: cmark_node_get_end_column(node))
            if reportedEnd != cmark_node_get_end_line(node) { end.column = 1 }
            if end.line < start.line { end = start }
            return SourceRange(start: start, end: end)
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
                cmark_node_set_on_enter(marker, Placeholder.string(.heading(index)))
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
                        cmark_node_set_on_enter(separator, Placeholder.string(.separator))
                        _ = insert(node, separator)
                    }
                }
            } else if case .prose(let previous)? = entries.last {
                let end = nodeRange.end.line >= previous.end.line ? nodeRange.end : previous.end
                entries[entries.count - 1] = .prose(SourceRange(start: previous.start, end: end))
            } else {
                entries.append(.prose(nodeRange))
            }
        }
        // After the ranges are taken: a table's custom block has no source position.
        let tables = pipeTables ? convertTables(document, protected: protected, options: options, file: file) : []
        let segments = renderBytes(document, options: options) { split($0, headings: &headings) }

        var cells: [Cell] = []
        var experimentLines: [String: Int] = [:]
        var duplicates: [NotebookError] = []
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
                case .experiment(var id):
                    experimentCount += 1
                    if let taken = id {
                        // NOTE: an error that stopped the parse hid every other error of the
                        // notebook (fresh-user review); the second block goes by its number.
                        if let first = experimentLines[taken] {
                            duplicates.append(.located(
                                nodeRange.start,
                                message: "duplicate experiment id \"\(taken)\" (lines \(first) and \(nodeRange.start.line))",
                                hint: "hint: give each experiment block its own {#id}"))
                            id = nil
                        } else {
                            experimentLines[taken] = nodeRange.start.line
                        }
                    }
                    // NOTE: CommonMark runs an unclosed fence to the end of the document, so a
                    // forgotten closing ``` made every line below (prose, other blocks) YAML of
                    // this block, and the error named some line of prose (fresh-user review).
                    if !Self.closesFence(source.text(lines: nodeRange.end.line...nodeRange.end.line),
                                         opened: source.text(lines: nodeRange.start.line...nodeRange.start.line)) || nodeRange.end.line == nodeRange.start.line {
                        throw NotebookError.located(
                            nodeRange.start,
                            message: "experiment block\(id.map { " \($0)" } ?? ""): its fence is never closed, so it would take every line to the end of the file (line \(nodeRange.end.line)) as its YAML",
                            hint: "hint: end the block with a line of the same fence (```) after its last YAML line")
                    }
                    let bodyStart = SourceLocation(
                        file: file, line: nodeRange.start.line + 1, column: nodeRange.start.column)
                    cells.append(.experiment(ExperimentCell(
                        index: experimentCount, id: id, body: literal, range: nodeRange, bodyStart: bodyStart)))
                }
            }
        }
        var notebook = Notebook(
            file: file, frontMatter: frontMatter, cells: cells, headings: headings, inlines: inlines,
            rawHTMLAllowed: rawHTML)
        notebook.structureErrors = duplicates
        for (label, location) in tables { try notebook.addTarget(label, kind: .table, at: location) }
        return notebook
    }

    /// Splits the document's HTML at the separator tokens and fills in each heading's inner
    /// HTML (from its marker to `</hN>`).
    private static func split(_ html: UnsafeBufferPointer<UInt8>, headings: inout [Heading]) -> [String] {
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: html[range]), as: UTF8.self) }
        var segments: [String] = []
        var start = 0
        var index = 0
        while index < html.count {
            guard html[index] == Placeholder.lead.0, let (token, end) = Placeholder.decode(html, at: index) else {
                index += 1
                continue
            }
            switch token {
            case .separator:
                segments.append(text(start..<index))
                start = end
            case .heading(let number):
                var close = end
                while close + 2 < html.count, !(html[close] == UInt8(ascii: "<") && html[close + 1] == UInt8(ascii: "/")
                        && html[close + 2] == UInt8(ascii: "h")) { close += 1 }
                if number < headings.count {
                    headings[number].html = text(end..<close)
                }
            case .inline, .filler, .tableStart, .tableEnd:
                break
            }
            index = end
        }
        segments.append(text(start..<html.count))
        return segments
    }

    // MARK: - Pipe tables

    /// Replaces each paragraph that is a pipe table (`PipeTable`) by a custom block holding the
    /// table's HTML; the cells' inline HTML comes from cmark. A caption paragraph
    /// (`TableCaption`) right below the table, else right above it, becomes the table's
    /// `<caption>` (numbered when labelled) and leaves the prose.
    ///
    /// The cells are parsed in one extra document: one ATX heading line per cell (a heading's
    /// content is inline-parsed exactly like a paragraph's, and cannot start a block), followed
    /// by the whole protected text so that link reference definitions resolve as in the page.
    ///
    /// - Returns: each labelled table's label and the location of its caption, in document
    ///   order (table 1 first).
    private static func convertTables(
        _ document: OpaquePointer, protected: [UInt8], options: Int32, file: String
    ) -> [(label: String, location: SourceLocation)] {
        guard protected.contains(UInt8(ascii: "|")) else { return [] }
        let lines = SourceLines(bytes: protected)
        var found: [(node: OpaquePointer, table: PipeTable)] = []
        func visit(_ parent: OpaquePointer) {
            var child = cmark_node_first_child(parent)
            while let node = child {
                child = cmark_node_next(node)
                switch cmark_node_get_type(node) {
                case CMARK_NODE_PARAGRAPH:
                    if let table = PipeTable.recognize(paragraphLines(node, lines: lines)) { found.append((node, table)) }
                case CMARK_NODE_BLOCK_QUOTE, CMARK_NODE_LIST, CMARK_NODE_ITEM:
                    visit(node)
                default:
                    break
                }
            }
        }
        visit(document)
        guard !found.isEmpty else { return [] }

        // Captions: the paragraph after a table, else the one before, each used once.
        var captions: [(node: OpaquePointer, caption: TableCaption)?] = []
        var claimed = Set<OpaquePointer>()
        let tableNodes = Set(found.map(\.node))
        for (node, _) in found {
            var caption: (OpaquePointer, TableCaption)?
            for neighbour in [cmark_node_next(node), cmark_node_previous(node)] {
                guard caption == nil, let neighbour, !claimed.contains(neighbour), !tableNodes.contains(neighbour),
                      cmark_node_get_type(neighbour) == CMARK_NODE_PARAGRAPH,
                      let parsed = TableCaption(contentLines(neighbour, lines: lines)) else { continue }
                caption = (neighbour, parsed)
                claimed.insert(neighbour)
            }
            captions.append(caption)
        }

        var cellText: [UInt8] = []
        func addHeadingLine(_ cell: [UInt8]) {
            var content = cell
            // A trailing `#` would be read as the heading's closing sequence.
            if content.last == UInt8(ascii: "#"), content.dropLast().last != UInt8(ascii: "\\") {
                content.insert(UInt8(ascii: "\\"), at: content.count - 1)
            }
            cellText += Array("# ".utf8) + content + [UInt8(ascii: "\n")]
        }
        for ((_, table), caption) in zip(found, captions) {
            for cell in table.allCells where !cell.isEmpty { addHeadingLine(cell) }
            if let caption, !caption.caption.text.isEmpty { addHeadingLine(caption.caption.text) }
        }
        cellText += [UInt8(ascii: "\n")] + protected
        var cellHTML: [String] = []
        if let cellDocument = parse(cellText, options: options) {
            defer { cmark_node_free(cellDocument) }
            var heading = cmark_node_first_child(cellDocument)
            while let node = heading, cellHTML.count < cellText.count {
                guard cmark_node_get_type(node) == CMARK_NODE_HEADING else { break }
                let html = render(node, options: options)  // "<h1>…</h1>\n"
                cellHTML.append(String(html.dropFirst(4).dropLast(6)))
                heading = cmark_node_next(node)
            }
        }
        var next = cellHTML.makeIterator()
        var labelled: [(label: String, location: SourceLocation)] = []
        for ((node, table), caption) in zip(found, captions) {
            let rendered = table.allCells.map { $0.isEmpty ? "" : (next.next() ?? "") }
            var captionHTML: String?
            var id: String?
            if let (captionNode, parsed) = caption {
                let text = parsed.text.isEmpty ? "" : (next.next() ?? "")
                if let label = parsed.label {
                    labelled.append((label, SourceLocation(file: file, line: Int(cmark_node_get_start_line(captionNode)),
                                                           column: Int(cmark_node_get_start_column(captionNode)))))
                    id = label
                    captionHTML = "Table \(labelled.count)" + (text.isEmpty ? "" : ": " + text)
                } else {
                    captionHTML = text
                }
                cmark_node_unlink(captionNode)
                cmark_node_free(captionNode)
            }
            guard let block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { continue }
            // The marks let a page put the table in its scroll box (``Placeholder/Token/tableStart``).
            cmark_node_set_on_enter(block, Placeholder.string(.tableStart) + table.html(cells: rendered, id: id, caption: captionHTML)
                                        + Placeholder.string(.tableEnd))
            if cmark_node_insert_before(node, block) == 1 {
                cmark_node_unlink(node)
                cmark_node_free(node)
            } else {
                cmark_node_free(block)
            }
        }
        return labelled
    }

    /// The lines of `paragraph` in `lines`, without their container prefixes (as many prefix
    /// bytes as the first line has before the paragraph's column) and line breaks.
    private static func paragraphLines(_ paragraph: OpaquePointer, lines: SourceLines) -> [ArraySlice<UInt8>] {
        let content = contentLines(paragraph, lines: lines)
        return content.count >= 2 ? content : []
    }

    /// The lines of `paragraph` in `lines` (one or more), as ``paragraphLines(_:lines:)``.
    private static func contentLines(_ paragraph: OpaquePointer, lines: SourceLines) -> [ArraySlice<UInt8>] {
        let first = Int(cmark_node_get_start_line(paragraph)) - 1
        let last = min(Int(cmark_node_get_end_line(paragraph)) - 1, lines.count - 1)
        guard first >= 0, first < lines.count, last >= first else { return [] }
        let prefix = max(Int(cmark_node_get_start_column(paragraph)) - 1, 0)
        return (first...last).map { line in
            let start = lines.lineStarts[line]
            var end = lines.lineStarts[line + 1]
            if end > start, lines.original[end - 1] == UInt8(ascii: "\n") { end -= 1 }
            var content = start
            while content < end, content - start < prefix,
                  lines.original[content] == 32 || lines.original[content] == 9 || lines.original[content] == 62 { content += 1 }
            return lines.original[content..<end]
        }
    }

    // MARK: - Helpers

    private static func parse(_ bytes: [UInt8], options: Int32 = CMARK_OPT_SOURCEPOS) -> OpaquePointer? {
        let padded = bytes + [0]  // never an empty buffer, so the base address exists
        return padded.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_parse_document(chars.baseAddress, bytes.count, options)
            }
        }
    }

    /// The 1-based last line of `node`, as cmark reports it except for HTML blocks (see the
    /// NOTE above): for those, the start line plus the literal's line count, less one.
    private static func endLine(_ node: OpaquePointer) -> Int {
        let reported = Int(cmark_node_get_end_line(node))
        guard cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK, let literal = cmark_node_get_literal(node) else {
            return reported
        }
        var newlines = 0, length = 0
        var cursor = literal
        while cursor.pointee != 0 {
            if cursor.pointee == 10 { newlines += 1 }
            length += 1
            cursor += 1
        }
        let lines = max(1, newlines + (length > 0 && literal[length - 1] != 10 ? 1 : 0))
        return Int(cmark_node_get_start_line(node)) + lines - 1
    }

    /// `body` applied to cmark's HTML of `node` in place (no copy into a Swift string first).
    private static func renderBytes<Result>(
        _ node: OpaquePointer, options: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        guard let html = cmark_render_html(node, options) else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        defer { free(html) }
        return html.withMemoryRebound(to: UInt8.self, capacity: strlen(html)) { start in
            body(UnsafeBufferPointer(start: start, count: strlen(html)))
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
        return Placeholder.replacingTokens(in: text) { index in
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

    /// `lineStarts`, when given, must be `bytes`' own (as `SourceText` computed them): they are
    /// not counted again.
    init(bytes: [UInt8], lineStarts known: [Int]? = nil) {
        original = bytes
        if let known {
            lineStarts = known
            return
        }
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

private func isASCIILetter(_ byte: UInt8) -> Bool {
    (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
}

private func isASCIIPunctuation(_ byte: UInt8) -> Bool {
    (byte >= 33 && byte <= 47) || (byte >= 58 && byte <= 64) || (byte >= 91 && byte <= 96) || (byte >= 123 && byte <= 126)
}
