/// Protects math, inline references and cross-references from Markdown before cmark parses the
/// prose, by replacing each span with an opaque placeholder token (see `Placeholder`).
///
/// The rules are pandoc's `tex_math_dollars` (and `tex_math_single_backslash` in brackets mode):
///
/// - `$…$` inline: the opening `$` is not followed by whitespace; the closing `$` is the next
///   unescaped `$`, and when that one is preceded by whitespace or followed by a digit there is no
///   math at this opener (`$5 and $10` stays text). It may span lines of one paragraph.
/// - `$$…$$` display, anywhere in prose (also in list items and block quotes); it may span lines
///   but never a blank line, and its lines never become Markdown blocks (lists, headings).
/// - `\begin{equation}` … `\end{equation}` (align, gather, multline, eqnarray, … and starred)
///   at the start of a line: display math including the environment.
/// - `\$` is a literal dollar; any backslash escape is skipped; code spans win over `$` (a `$`
///   inside a code span never delimits math). Code blocks and HTML blocks are never scanned.
/// - brackets mode: `\(…\)` inline and `\[…\]` display.
///
/// Inline references `{{ text }}` and cross-references `@id` or `[@id]` (`@` preceded by the
/// line start, whitespace, `(` or `[`, naming one of `targets`: an experiment block, a table
/// caption's label, a labelled equation) are protected the same way. Display math followed on its
/// closing line by `{#label}` (`$$ E = mc^2 $$ {#eq-energy}`, Quarto's syntax) is a labelled
/// equation: the label is taken out of the text and listed in `equationLabels`. An `@word` that
/// names no target stays text and is listed in `uncited`, for the check that flags the ones that
/// look like references (`CrossReferenceCheck`).
///
/// NOTE: a span that covers several lines becomes one token on its first line and a filler on
/// each following line, behind the same container prefix (`> `, list indentation), so the block
/// structure and every line number that cmark reports stay those of the original file.
struct MathProtection {
    /// Classification of each line from a first cmark parse of the unprotected text.
    enum LineKind: Equatable {
        /// In a code block or an HTML block: never scanned.
        case verbatim
        /// Not part of a paragraph or heading (blank, thematic break, link definitions …).
        case other
        /// Part of paragraph or heading number `id`.
        case leaf(Int)
    }

    let bytes: [UInt8]
    let lineStarts: [Int]
    let kinds: [LineKind]
    /// Byte offset where each leaf (paragraph or heading) starts.
    let leafStarts: [Int]
    /// The ids `@id` may cite: experiment blocks, table captions' labels, equation labels.
    let targets: Set<String>
    let brackets: Bool
    let file: String

    private(set) var output: [UInt8] = []
    private(set) var items: [InlineItem] = []
    /// Each labelled display equation: its item's index, its label and where the label is.
    private(set) var equationLabels: [(item: Int, label: String, location: SourceLocation)] = []
    /// Each `{{` in prose followed by `BLOCK.QUANTITY` but not closed by `}}` in its paragraph
    /// (`{{b.best_lr[4}`): the text up to the line's end, and where the `{{` is.
    private(set) var unclosedReferences: [(text: String, location: SourceLocation)] = []
    /// Each `@word` (at a place a cross-reference may start) that names no target.
    private(set) var uncited: [(id: String, location: SourceLocation)] = []

    /// Whether failed searches are remembered (always, except in the test that checks the memo
    /// changes nothing).
    var memoize = true
    /// Positions from which a search for a closer (keyed by closer and `sameLeaf`) is known to
    /// fail. NOTE: a search's outcome depends only on the position it has reached (line kinds,
    /// escapes and code spans ahead), so once a new search reaches a position an earlier failed
    /// search passed through, it fails too; this keeps `{{ {{ {{ …` and unclosed
    /// `\begin{equation}` lines linear instead of quadratic.
    private(set) var failedFrom: [SearchKey: [Bool]] = [:]
    /// Per (leaf, run length): the earliest opener position whose code span search failed.
    private(set) var failedCodeSpans: [CodeSpanKey: Int] = [:]
    /// A line and a position on it from which no `>` follows on that line.
    private(set) var noAngleFrom: (line: Int, pos: Int) = (-1, 0)
    /// The last location computed (line, byte offset, column), so columns are counted once
    /// per line, not once per span.
    private(set) var lastLocation: (line: Int, pos: Int, column: Int) = (-1, 0, 1)
    /// The positions a search visits, as runs of consecutive positions (`start..<end`), reused
    /// from search to search.
    private(set) var visited: [Range<Int>] = []

    struct SearchKey: Hashable {
        var needle: [UInt8]
        var sameLeaf: Bool
    }

    struct CodeSpanKey: Hashable {
        var leaf: Int
        var run: Int
    }

    static let mathEnvironments: Set<String> = [
        "equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign", "math",
        "displaymath", "split", "aligned", "gathered", "cases", "CD",
    ]

    var lineCount: Int { lineStarts.count - 1 }

    /// The bytes that may start a protected construct: `\\`, `` ` ``, `$`, `{`, `@`, `<`.
    static let triggers: [Bool] = (0..<256).map { "\\`${@<".utf8.contains(UInt8($0)) }

    /// The byte offset of line `line`'s `\n`, or the end of the text.
    func lineEnd(_ line: Int) -> Int {
        let next = lineStarts[line + 1]
        return next > lineStarts[line] && bytes[next - 1] == UInt8(ascii: "\n") ? next - 1 : next
    }

    mutating func run() {
        output.reserveCapacity(bytes.count + 64)
        var pos = 0
        var line = 0
        while line < lineCount {
            if case .leaf = kinds[line] {} else {
                output.append(contentsOf: bytes[pos..<lineStarts[line + 1]])
                pos = lineStarts[line + 1]
                line += 1
                continue
            }
            var end = lineEnd(line)
            while pos < end {
                guard Self.triggers[Int(bytes[pos])] else {
                    // Copy the run of ordinary bytes in one go.
                    var next = pos + 1
                    while next < end, !Self.triggers[Int(bytes[next])] { next += 1 }
                    output.append(contentsOf: bytes[pos..<next])
                    pos = next
                    continue
                }
                if let (to, toLine) = match(at: pos, line: line) {
                    pos = to
                    line = toLine
                    end = lineEnd(line)
                    continue
                }
                output.append(bytes[pos])
                pos += 1
            }
            output.append(contentsOf: bytes[end..<lineStarts[line + 1]])
            pos = lineStarts[line + 1]
            line += 1
        }
    }

    // MARK: - Dispatch

    /// Tries every protected construct at `pos`; on success emits its output and returns where
    /// scanning resumes.
    private mutating func match(at pos: Int, line: Int) -> (Int, Int)? {
        switch bytes[pos] {
        case UInt8(ascii: "\\"):
            let next = byte(pos + 1)
            if brackets, next == UInt8(ascii: "(") || next == UInt8(ascii: "[") {
                let display = next == UInt8(ascii: "[")
                let closer: [UInt8] = display ? Array("\\]".utf8) : Array("\\)".utf8)
                if let (close, closeLine) = find(closer, from: pos + 2, line: line, sameLeaf: !display),
                   close > pos + 2 {
                    return emitMath(open: pos, line: line, texStart: pos + 2, texEnd: close,
                                    resume: close + 2, resumeLine: closeLine, display: display)
                }
            }
            if next == UInt8(ascii: "b"), atLineStart(pos, line: line), let environment = environment(at: pos) {
                let closer = Array("\\end{\(environment)}".utf8)
                if let (close, closeLine) = find(closer, from: pos, line: line, sameLeaf: false) {
                    return emitMath(open: pos, line: line, texStart: pos, texEnd: close + closer.count,
                                    resume: close + closer.count, resumeLine: closeLine, display: true)
                }
            }
            if next != nil, next != UInt8(ascii: "\n") {
                output.append(bytes[pos])
                output.append(bytes[pos + 1])
                return (pos + 2, line)
            }
            return nil
        case UInt8(ascii: "`"):
            let run = runLength(of: UInt8(ascii: "`"), at: pos)
            if let (to, toLine) = codeSpanEnd(at: pos, run: run, line: line) {
                copy(from: pos, to: to)
                return (to, toLine)
            }
            output.append(contentsOf: bytes[pos..<pos + run])
            return (pos + run, line)
        case UInt8(ascii: "$"):
            return dollar(at: pos, line: line)
        case UInt8(ascii: "{"):
            guard byte(pos + 1) == UInt8(ascii: "{") else { return nil }
            guard let (close, closeLine) = find(Array("}}".utf8), from: pos + 2, line: line, sameLeaf: true) else {
                // NOTE: it printed as text, and `check` passed it (fresh-user review). Only a
                // `{{` that starts like a reference (`name.`) is one; other braces stay text.
                var end = pos + 2
                while end < bytes.count, isIDByte(bytes[end]) { end += 1 }
                if end > pos + 2, byte(end) == UInt8(ascii: ".") {
                    // Shown up to a lone `}`, else a space after `]`, else the line's end.
                    var last = end
                    while last < bytes.count, bytes[last] != UInt8(ascii: "\n"), bytes[last] != UInt8(ascii: "}"),
                          !(bytes[last] == UInt8(ascii: " ") && bytes[last - 1] == UInt8(ascii: "]")) { last += 1 }
                    if last < bytes.count, bytes[last] == UInt8(ascii: "}") { last += 1 }
                    unclosedReferences.append((String(decoding: bytes[pos..<last], as: UTF8.self).trimmedWhitespace(),
                                               location(pos, line: line)))
                }
                return nil
            }
            let text = String(decoding: bytes[(pos + 2)..<close], as: UTF8.self).trimmedWhitespace()
            guard !text.isEmpty else { return nil }
            emit(.reference(text: text, location: location(pos, line: line)), from: pos, to: close + 2)
            return (close + 2, closeLine)
        case UInt8(ascii: "@"):
            var bracketed = false
            if pos > lineStarts[line] {
                let before = bytes[pos - 1]
                guard before == UInt8(ascii: " ") || before == UInt8(ascii: "\t") || before == UInt8(ascii: "(")
                        || before == UInt8(ascii: "[")
                else { return nil }
                bracketed = before == UInt8(ascii: "[")
            }
            var end = pos + 1
            while end < bytes.count, isIDByte(bytes[end]) { end += 1 }
            guard end > pos + 1 else { return nil }
            let id = String(decoding: bytes[(pos + 1)..<end], as: UTF8.self)
            guard targets.contains(id) else {
                uncited.append((id, location(pos, line: line)))
                return nil
            }
            // `[@id]` (pandoc's citation brackets) is one reference: the `[`, copied as an
            // ordinary byte just before, and the `]` go with it.
            if bracketed, byte(end) == UInt8(ascii: "]"), byte(end + 1) != UInt8(ascii: "("), output.last == UInt8(ascii: "[") {
                output.removeLast()
                emit(.crossReference(id: id, location: location(pos, line: line)), from: pos, to: end + 1)
                return (end + 1, line)
            }
            emit(.crossReference(id: id, location: location(pos, line: line)), from: pos, to: end)
            return (end, line)
        case UInt8(ascii: "<"):
            if let end = rawHTMLEnd(at: pos, line: line) {
                output.append(contentsOf: bytes[pos..<end])
                return (end, line)
            }
            return nil
        default:
            return nil
        }
    }

    private mutating func dollar(at pos: Int, line: Int) -> (Int, Int)? {
        let dollarByte = UInt8(ascii: "$")
        if byte(pos + 1) == dollarByte {
            if let (close, closeLine) = find([dollarByte, dollarByte], from: pos + 2, line: line, sameLeaf: false),
               !isBlank(bytes[(pos + 2)..<close]) {
                return emitMath(open: pos, line: line, texStart: pos + 2, texEnd: close,
                                resume: close + 2, resumeLine: closeLine, display: true)
            }
            output.append(contentsOf: [dollarByte, dollarByte])
            return (pos + 2, line)
        }
        guard let next = byte(pos + 1), !isSpace(next) else { return nil }
        guard let (close, closeLine) = find([dollarByte], from: pos + 1, line: line, sameLeaf: true),
              !isSpace(bytes[close - 1]), !isDigit(byte(close + 1))
        else { return nil }
        return emitMath(open: pos, line: line, texStart: pos + 1, texEnd: close,
                        resume: close + 1, resumeLine: closeLine, display: false)
    }

    // MARK: - Searching

    /// The next unescaped occurrence of `needle` at or after `from`, skipping code spans; stays in
    /// the leaf of `line` when `sameLeaf`, else stops at a blank or verbatim line.
    private mutating func find(_ needle: [UInt8], from: Int, line: Int, sameLeaf: Bool) -> (Int, Int)? {
        let key = SearchKey(needle: needle, sameLeaf: sameLeaf)
        var failed = memoize ? failedFrom[key] : nil
        visited.removeAll(keepingCapacity: true)
        var pos = from
        var line = line
        let leaf = kinds[line]
        // The run of consecutive positions visited so far (one array entry per run, not per byte).
        var runStart = from, runEnd = from
        scan: while pos < bytes.count {
            if let failed, failed[pos] { break scan }
            if pos != runEnd {
                if memoize, runEnd > runStart { visited.append(runStart..<runEnd) }
                runStart = pos
            }
            runEnd = pos + 1
            let c = bytes[pos]
            if c == UInt8(ascii: "\n") {
                line += 1
                guard line < lineCount else { break scan }
                if sameLeaf {
                    // Only a paragraph or heading continues on the next line.
                    guard case .leaf = leaf, kinds[line] == leaf else { break scan }
                } else {
                    guard kinds[line] != .verbatim, !isBlank(bytes[lineStarts[line]..<lineEnd(line)]) else { break scan }
                }
                pos += 1
                continue
            }
            if c == needle[0], matches(needle, at: pos) { return (pos, line) }
            if c == UInt8(ascii: "\\") {
                if byte(pos + 1) != nil, byte(pos + 1) != UInt8(ascii: "\n") { pos += 2 } else { pos += 1 }
                continue
            }
            if c == UInt8(ascii: "`") {
                let run = runLength(of: c, at: pos)
                if let (to, toLine) = codeSpanEnd(at: pos, run: run, line: line) {
                    pos = to
                    line = toLine
                } else {
                    pos += run
                }
                continue
            }
            pos += 1
        }
        guard memoize else { return nil }
        if runEnd > runStart { visited.append(runStart..<runEnd) }
        guard !visited.isEmpty else { return nil }
        failed = nil  // one reference to the marks, so they are updated in place
        let runs = visited
        failedFrom[key, default: Array(repeating: false, count: bytes.count + 1)].withUnsafeMutableBufferPointer { marks in
            for run in runs { for position in run { marks[position] = true } }
        }
        return nil
    }

    /// The end (exclusive) of the code span opened by `run` backticks at `pos`, if a closing run
    /// of exactly that length follows in the same leaf (CommonMark 6.1).
    private mutating func codeSpanEnd(at pos: Int, run: Int, line: Int) -> (Int, Int)? {
        guard case .leaf(let leafID) = kinds[line] else { return nil }
        let leaf = kinds[line]
        let key = CodeSpanKey(leaf: leafID, run: run)
        if memoize, let failed = failedCodeSpans[key], pos >= failed { return nil }
        var index = pos + run
        var line = line
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\n") {
                line += 1
                guard line < lineCount, kinds[line] == leaf else { break }
                index += 1
            } else if c == UInt8(ascii: "`") {
                let length = runLength(of: c, at: index)
                if length == run { return (index + length, line) }
                index += length
            } else {
                index += 1
            }
        }
        if memoize { failedCodeSpans[key] = min(failedCodeSpans[key] ?? pos, pos) }
        return nil
    }

    /// The end (exclusive) of an autolink or a raw HTML tag at `pos` on the same line, so that a
    /// `$` inside (`<a title="$x$">`) is left alone.
    private mutating func rawHTMLEnd(at pos: Int, line: Int) -> Int? {
        let end = lineEnd(line)
        var index = pos + 1
        guard index < end else { return nil }
        let first = bytes[index]
        if first == UInt8(ascii: "!") || first == UInt8(ascii: "?") {
            // Comments, declarations, processing instructions: up to the next `>`.
            if noAngleFrom.line == line, index >= noAngleFrom.pos { return nil }
            let searchStart = index
            while index < end, bytes[index] != UInt8(ascii: ">") { index += 1 }
            if index == end { noAngleFrom = (line, searchStart) }
            return index < end ? index + 1 : nil
        }
        if first == UInt8(ascii: "/") { index += 1 }
        guard index < end, isLetter(bytes[index]) else { return nil }
        while index < end, isLetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "-")
                || bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: ".") { index += 1 }
        if index < end, bytes[index] == UInt8(ascii: ":") {
            // Autolink: no spaces, `<` or `>` before the closing `>`.
            while index < end, bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "<"),
                  !isSpace(bytes[index]) { index += 1 }
            return index < end && bytes[index] == UInt8(ascii: ">") ? index + 1 : nil
        }
        // Attributes: name, optionally `=` and a value.
        while index < end {
            var spaced = false
            while index < end, isSpace(bytes[index]) { index += 1; spaced = true }
            guard index < end else { return nil }
            if bytes[index] == UInt8(ascii: ">") { return index + 1 }
            if bytes[index] == UInt8(ascii: "/"), byte(index + 1) == UInt8(ascii: ">") { return index + 2 }
            guard spaced, isLetter(bytes[index]) || bytes[index] == UInt8(ascii: "_") || bytes[index] == UInt8(ascii: ":")
            else { return nil }
            while index < end, isLetter(bytes[index]) || isDigit(bytes[index])
                    || "_.:-".utf8.contains(bytes[index]) { index += 1 }
            var probe = index
            while probe < end, isSpace(bytes[probe]) { probe += 1 }
            guard probe < end, bytes[probe] == UInt8(ascii: "=") else { continue }
            index = probe + 1
            while index < end, isSpace(bytes[index]) { index += 1 }
            guard index < end else { return nil }
            let quote = bytes[index]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                index += 1
                while index < end, bytes[index] != quote { index += 1 }
                guard index < end else { return nil }
                index += 1
            } else {
                let start = index
                while index < end, !isSpace(bytes[index]), !"\"'=<>`".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { return nil }
            }
        }
        return nil
    }

    /// The environment name of `\begin{name}` at `pos`, if it is a math environment.
    private func environment(at pos: Int) -> String? {
        let prefix = Array("\\begin{".utf8)
        guard matches(prefix, at: pos) else { return nil }
        var index = pos + prefix.count
        let start = index
        while index < bytes.count, isLetter(bytes[index]) { index += 1 }
        let name = String(decoding: bytes[start..<index], as: UTF8.self)
        var full = name
        if byte(index) == UInt8(ascii: "*") { full += "*"; index += 1 }
        guard byte(index) == UInt8(ascii: "}"), Self.mathEnvironments.contains(name) else { return nil }
        return full
    }

    // MARK: - Emitting

    private mutating func emitMath(
        open: Int, line: Int, texStart: Int, texEnd: Int, resume: Int, resumeLine: Int, display: Bool
    ) -> (Int, Int) {
        let limit = contentLimit(line: line)
        var tex = stripPrefixes(bytes[texStart..<texEnd], limit: limit)
        if display { tex = tex.trimmedWhitespace() }
        emit(.math(tex: tex, display: display, location: location(open, line: line)), from: open, to: resume)
        guard display else { return (resume, resumeLine) }
        return (equationLabel(after: resume, line: resumeLine), resumeLine)
    }

    /// Where scanning resumes after display math that ended at `resume` on `line`: past a
    /// `{#label}` that follows it on that line (spaces or tabs between), which is recorded in
    /// `equationLabels` and left out of the text; else `resume`.
    private mutating func equationLabel(after resume: Int, line: Int) -> Int {
        let end = lineEnd(line)
        var index = resume
        while index < end, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        guard matches(Array("{#".utf8), at: index) else { return resume }
        var close = index + 2
        while close < end, isIDByte(bytes[close]) { close += 1 }
        guard close > index + 2, close < end, bytes[close] == UInt8(ascii: "}") else { return resume }
        let label = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
        equationLabels.append((items.count - 1, label, location(index, line: line)))
        return close + 1
    }

    /// Appends the token for `item`, then a filler line for every line break in `from..<to`.
    private mutating func emit(_ item: InlineItem, from: Int, to: Int) {
        Placeholder.append(.inline(items.count), to: &output)
        items.append(item)
        guard bytes[from..<to].contains(UInt8(ascii: "\n")) else { return }
        var line = lineIndex(containing: from)
        let limit = contentLimit(line: line)
        for index in from..<to where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            let start = lineStarts[line]
            var prefixEnd = start
            while prefixEnd < start + limit, prefixEnd < bytes.count, isPrefixByte(bytes[prefixEnd]) { prefixEnd += 1 }
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: bytes[start..<prefixEnd])
            Placeholder.append(.filler, to: &output)
        }
    }

    private mutating func copy(from: Int, to: Int) {
        output.append(contentsOf: bytes[from..<to])
    }

    // MARK: - Helpers

    /// How many bytes of container prefix (`>`, spaces) the first line of a span has before its
    /// content; continuation lines lose up to that many prefix bytes.
    private func contentLimit(line: Int) -> Int {
        if case .leaf(let id) = kinds[line], leafStarts[id] >= lineStarts[line], leafStarts[id] <= lineEnd(line) {
            return leafStarts[id] - lineStarts[line]
        }
        var index = lineStarts[line]
        while index < lineEnd(line), isPrefixByte(bytes[index]) { index += 1 }
        return index - lineStarts[line]
    }

    private func stripPrefixes(_ slice: ArraySlice<UInt8>, limit: Int) -> String {
        // Most spans sit on one line: nothing to strip, no scratch copy.
        guard slice.contains(UInt8(ascii: "\n")) else { return String(decoding: slice, as: UTF8.self) }
        var result = [UInt8]()
        result.reserveCapacity(slice.count)
        var index = slice.startIndex
        while index < slice.endIndex {
            let c = slice[index]
            result.append(c)
            index += 1
            if c == UInt8(ascii: "\n") {
                var skipped = 0
                while skipped < limit, index < slice.endIndex, isPrefixByte(slice[index]) { index += 1; skipped += 1 }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private func atLineStart(_ pos: Int, line: Int) -> Bool {
        if case .leaf(let id) = kinds[line], leafStarts[id] == pos { return true }
        // Backwards, so a line of many `\\b` costs one step each, not the line's length.
        var index = pos
        while index > lineStarts[line], isPrefixByte(bytes[index - 1]) { index -= 1 }
        return index == lineStarts[line]
    }

    private func lineIndex(containing offset: Int) -> Int {
        var low = 0, high = lineCount - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    private mutating func location(_ pos: Int, line: Int) -> SourceLocation {
        var column = 1
        var from = lineStarts[line]
        if lastLocation.line == line, lastLocation.pos <= pos { (from, column) = (lastLocation.pos, lastLocation.column) }
        for index in from..<pos where bytes[index] & 0xC0 != 0x80 { column += 1 }
        lastLocation = (line, pos, column)
        return SourceLocation(file: file, line: line + 1, column: column)
    }

    private func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func matches(_ needle: [UInt8], at pos: Int) -> Bool {
        guard pos + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count where bytes[pos + offset] != needle[offset] { return false }
        return true
    }

    private func runLength(of c: UInt8, at pos: Int) -> Int {
        var end = pos
        while end < bytes.count, bytes[end] == c { end += 1 }
        return end - pos
    }

    private func isBlank(_ slice: ArraySlice<UInt8>) -> Bool {
        slice.allSatisfy { isSpace($0) || $0 == UInt8(ascii: ">") }
    }
}

private func isSpace(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n")
}

private func isPrefixByte(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: ">")
}

private func isDigit(_ c: UInt8?) -> Bool {
    guard let c else { return false }
    return c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
}

private func isLetter(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
}

func isIDByte(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmedWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !" \t\n".unicodeScalars.contains($0) }),
              let last = scalars.lastIndex(where: { !" \t\n".unicodeScalars.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
