/// A GFM pipe table (cmark-gfm's table extension) recognised in the lines of one cmark
/// paragraph: the first line is the header row, the second a delimiter row with as many cells,
/// every further line of the paragraph a body row.
///
/// NOTE: libcmark 0.30 has no table extension, and cmark-gfm is not packaged for Debian as a
/// library, so the rows are recognised here, over paragraphs cmark has already delimited (so a
/// table ends where cmark's paragraph ends: a blank line or another block). Only the row and
/// cell boundaries are decided here; each cell's inline content is parsed and rendered by cmark
/// (`CMarkDocument`). Rules of GFM 0.29 section 4.10: leading and trailing pipes are optional,
/// cells are trimmed, `\|` is a pipe in the cell's content (also inside code spans), a body row
/// with fewer cells is padded with empty ones and extra cells are dropped. Deliberately unlike
/// GFM, a `|` inside a code span does not split a cell (nor one inside math, which is a token by
/// now).
struct PipeTable: Equatable {
    enum Alignment: Equatable {
        case unspecified, left, center, right

        /// The cell tag's attribute, as cmark-gfm writes it.
        var attribute: String {
            switch self {
            case .unspecified: return ""
            case .left: return " align=\"left\""
            case .center: return " align=\"center\""
            case .right: return " align=\"right\""
            }
        }
    }

    var alignments: [Alignment]
    /// The header's cell contents (trimmed, `\|` read as `|`), one per column.
    var header: [[UInt8]]
    /// Each body row's cell contents, exactly one per column.
    var rows: [[[UInt8]]]

    /// The table in `lines` (each a paragraph line without its container prefix and line break),
    /// or `nil` when the second line is not a delimiter row with as many cells as the first.
    static func recognize(_ lines: [ArraySlice<UInt8>]) -> PipeTable? {
        guard lines.count >= 2, lines[1].contains(UInt8(ascii: "|")) || lines[0].contains(UInt8(ascii: "|")) else { return nil }
        let delimiter = cells(lines[1])
        guard !delimiter.isEmpty, lines[1].contains(UInt8(ascii: "|")) else { return nil }
        var alignments: [Alignment] = []
        for cell in delimiter {
            guard let alignment = alignment(trimmed(cell)) else { return nil }
            alignments.append(alignment)
        }
        let header = cells(lines[0])
        guard header.count == alignments.count else { return nil }
        let rows = lines.dropFirst(2).map { line -> [[UInt8]] in
            let row = cells(line).prefix(alignments.count).map(content)
            return row + Array(repeating: [], count: alignments.count - row.count)
        }
        return PipeTable(alignments: alignments, header: header.map(content), rows: rows)
    }

    /// The table's HTML as cmark-gfm writes it (no final line break), given each cell's
    /// rendered inline HTML in reading order (header cells, then each row's); with an `id`
    /// attribute and a `<caption>` (HTML) when given.
    func html(cells rendered: [String], id: String? = nil, caption: String? = nil) -> String {
        var html = id.map { "<table id=\"\($0)\">\n" } ?? "<table>\n"
        if let caption { html += "<caption>\(caption)</caption>\n" }
        html += "<thead>\n<tr>\n"
        var next = rendered.makeIterator()
        for alignment in alignments { html += "<th\(alignment.attribute)>\(next.next() ?? "")</th>\n" }
        html += "</tr>\n</thead>\n"
        if !rows.isEmpty {
            html += "<tbody>\n"
            for _ in rows {
                html += "<tr>\n"
                for alignment in alignments { html += "<td\(alignment.attribute)>\(next.next() ?? "")</td>\n" }
                html += "</tr>\n"
            }
            html += "</tbody>\n"
        }
        return html + "</table>"
    }

    /// Every cell's content in reading order (header, then rows).
    var allCells: [[UInt8]] { header + rows.flatMap { $0 } }

    /// The cells of a row: split at each `|` that is not escaped and not inside a code span;
    /// a leading and a trailing pipe open and close the row.
    static func cells(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var start = line.startIndex
        while start < line.endIndex, isSpace(line[start]) { start += 1 }
        if start < line.endIndex, line[start] == UInt8(ascii: "|") { start += 1 }
        var cells: [ArraySlice<UInt8>] = []
        var cellStart = start
        var index = start
        var endedByPipe = false
        while index < line.endIndex {
            let byte = line[index]
            if byte == UInt8(ascii: "\\") {
                index = min(index + 2, line.endIndex)
                endedByPipe = false
            } else if byte == UInt8(ascii: "`") {
                var run = index
                while run < line.endIndex, line[run] == byte { run += 1 }
                index = codeSpanEnd(line, after: run, length: run - index) ?? run
                endedByPipe = false
            } else if byte == UInt8(ascii: "|") {
                cells.append(line[cellStart..<index])
                index += 1
                cellStart = index
                endedByPipe = true
            } else {
                if !isSpace(byte) { endedByPipe = false }
                index += 1
            }
        }
        let rest = line[cellStart..<line.endIndex]
        if !(endedByPipe && rest.allSatisfy(isSpace)) { cells.append(rest) }
        return cells
    }

    /// The end of the code span whose opening run of `length` backticks ends at `after`.
    private static func codeSpanEnd(_ line: ArraySlice<UInt8>, after: Int, length: Int) -> Int? {
        var index = after
        while index < line.endIndex {
            guard line[index] == UInt8(ascii: "`") else {
                index += 1
                continue
            }
            var run = index
            while run < line.endIndex, line[run] == UInt8(ascii: "`") { run += 1 }
            if run - index == length { return run }
            index = run
        }
        return nil
    }

    /// `:---`, `:---:`, `---:` or `---`; `nil` for anything else.
    private static func alignment(_ cell: ArraySlice<UInt8>) -> Alignment? {
        var body = cell
        let left = body.first == UInt8(ascii: ":")
        if left { body = body.dropFirst() }
        let right = body.last == UInt8(ascii: ":")
        if right { body = body.dropLast() }
        guard !body.isEmpty, body.allSatisfy({ $0 == UInt8(ascii: "-") }) else { return nil }
        switch (left, right) {
        case (true, true): return .center
        case (true, false): return .left
        case (false, true): return .right
        case (false, false): return .unspecified
        }
    }

    /// A cell's content: trimmed, with `\|` read as `|`.
    private static func content(_ cell: ArraySlice<UInt8>) -> [UInt8] {
        let cell = trimmed(cell)
        var output: [UInt8] = []
        output.reserveCapacity(cell.count)
        var index = cell.startIndex
        while index < cell.endIndex {
            if cell[index] == UInt8(ascii: "\\"), index + 1 < cell.endIndex, cell[index + 1] == UInt8(ascii: "|") {
                output.append(UInt8(ascii: "|"))
                index += 2
            } else {
                output.append(cell[index])
                index += 1
            }
        }
        return output
    }

    private static func trimmed(_ cell: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var cell = cell
        while let first = cell.first, isSpace(first) { cell = cell.dropFirst() }
        while let last = cell.last, isSpace(last) { cell = cell.dropLast() }
        return cell
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }
}
