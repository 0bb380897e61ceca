/// A fast, conservative classification of notebook lines for `MathProtection`, used before the
/// one cmark parse so that a typical notebook is parsed once, not twice.
///
/// It recognizes top-level fenced code blocks (B12: only a fence of the same character, at least as long,
/// closes) and where paragraphs and headings start: after a blank line, at a list marker, an ATX heading, a
/// deeper block quote, a fence or a thematic break. Indented code and anything subtler
/// are left to the check in `CMarkDocument`: a token that does not come out of cmark as prose
/// sends the notebook through cmark's own block structure instead.
enum LineClassifier {
    /// - Returns: `nil` when the text holds something the scan does not model (a line starting
    ///   with `<`, which may open an HTML block, or an indented line after a blank line, which may
    ///   be indented code); the caller then asks cmark.
    static func structure(bytes: [UInt8], lines: SourceLines) -> CMarkDocument.Structure? {
        var structure = CMarkDocument.Structure(
            kinds: Array(repeating: .other, count: lines.count), leafStarts: [], experimentIDs: [])
        var fence: (character: UInt8, length: Int)?
        var leaf: Int?
        var previousDepth = 0
        for line in 0..<lines.count {
            let start = lines.lineStarts[line]
            var end = lines.lineStarts[line + 1]
            if end > start, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
            // Container prefix: spaces, tabs and `>`.
            var content = start
            var depth = 0
            while content < end, bytes[content] == 32 || bytes[content] == 9 || bytes[content] == 62 {
                if bytes[content] == 62 { depth += 1 }
                content += 1
            }
            let blank = content == end
            if let open = fence {
                structure.kinds[line] = .verbatim
                let run = runLength(bytes, from: content, to: end, of: open.character)
                if run >= open.length, bytes[(content + run)..<end].allSatisfy({ $0 == 32 || $0 == 9 }) {
                    fence = nil
                }
                continue
            }
            if blank {
                leaf = nil
                previousDepth = depth
                continue
            }
            let first = bytes[content]
            if first == UInt8(ascii: "`") || first == UInt8(ascii: "~") {
                let run = runLength(bytes, from: content, to: end, of: first)
                let info = bytes[(content + run)..<end]
                if run >= 3, first == UInt8(ascii: "~") || !info.contains(UInt8(ascii: "`")) {
                    // A fence in a container (quote, list, indentation) ends with its container:
                    // not modelled.
                    if content > start { return nil }
                    fence = (first, run)
                    structure.kinds[line] = .verbatim
                    leaf = nil
                    if case .experiment(let id?) = ExperimentInfo(String(decoding: info, as: UTF8.self)) {
                        structure.experimentIDs.insert(id)
                    }
                    continue
                }
            }
            // Indented code (4+ columns after a blank line) or a tab: not modelled.
            if leaf == nil, bytes[start..<content].contains(9) || indentation(bytes, from: start, to: content) >= 4 {
                return nil
            }
            if isThematicBreak(bytes[content..<end]) || (leaf != nil && isSetextUnderline(bytes[content..<end])) {
                leaf = nil
                continue
            }
            // List markers (possibly several: `- 1. text`), then an ATX heading.
            // A deeper quote opens a new block; a shallower line continues the paragraph lazily.
            var startsBlock = depth > previousDepth
            previousDepth = depth
            while let after = listMarkerEnd(bytes, at: content, end: end) {
                // Inside a paragraph, an empty item or an ordered item not numbered 1 is text
                // (CommonMark 5.2: only those list items can interrupt a paragraph).
                if leaf != nil, !startsBlock {
                    let first = bytes[content]
                    let ordered = first >= 48 && first <= 57
                    if after == end || (ordered && !(first == 49 && (bytes[content + 1] == 46 || bytes[content + 1] == 41))) {
                        break
                    }
                }
                startsBlock = true
                content = after
            }
            if content < end, bytes[content] == UInt8(ascii: "<") { return nil }  // maybe an HTML block
            if bytes[content..<end].starts(with: "```".utf8) || bytes[content..<end].starts(with: "~~~".utf8) {
                return nil  // a fence in a list item
            }
            var heading = false
            let hashes = runLength(bytes, from: content, to: end, of: UInt8(ascii: "#"))
            if hashes >= 1, hashes <= 6, content + hashes == end || bytes[content + hashes] == 32 || bytes[content + hashes] == 9 {
                heading = true
                startsBlock = true
            }
            let current: Int
            if let open = leaf, !startsBlock {
                current = open
            } else {
                current = structure.leafStarts.count
                structure.leafStarts.append(content)
            }
            leaf = current
            structure.kinds[line] = .leaf(current)
            if heading { leaf = nil }
        }
        return structure
    }

    private static func runLength(_ bytes: [UInt8], from: Int, to end: Int, of character: UInt8) -> Int {
        var index = from
        while index < end, bytes[index] == character { index += 1 }
        return index - from
    }

    /// The offset after a list marker (`-`, `+`, `*`, or 1–9 digits and `.`/`)`) and its spaces.
    private static func listMarkerEnd(_ bytes: [UInt8], at content: Int, end: Int) -> Int? {
        guard content < end else { return nil }
        var index = content
        let c = bytes[index]
        if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: "*") {
            index += 1
        } else {
            while index < end, index - content < 9, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            guard index > content, index < end, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ")")
            else { return nil }
            index += 1
        }
        guard index == end || bytes[index] == 32 || bytes[index] == 9 else { return nil }
        while index < end, bytes[index] == 32 || bytes[index] == 9 { index += 1 }
        return index
    }

    /// `===` or `---` (any length, trailing spaces allowed) under a paragraph line.
    private static func isSetextUnderline(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "-") else { return false }
        var trailing = false
        for c in line {
            if c == 32 || c == 9 { trailing = true } else if c != first || trailing { return false }
        }
        return true
    }

    private static func isThematicBreak(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "*") || first == UInt8(ascii: "_")
        else { return false }
        var count = 0
        for c in line {
            if c == first { count += 1 } else if c != 32 && c != 9 { return false }
        }
        return count >= 3
    }

    /// Columns of spaces after the last `>` of the prefix.
    private static func indentation(_ bytes: [UInt8], from start: Int, to content: Int) -> Int {
        var count = 0
        for index in start..<content {
            if bytes[index] == 62 { count = 0 } else { count += 1 }
        }
        return count
    }
}
