import Foundation

/// A parsed notebook: front matter, cells in document order, and the inline items (math,
/// references, cross-references) that the cells' HTML refers to by placeholder.
///
/// Parsing never executes anything. The prose HTML is cmark's own (`cmark_render_html`) with each
/// protected span replaced by a placeholder token; `Render` substitutes the tokens.
///
/// ```swift
/// let notebook = try Notebook.load(path: "notes.md")
/// for cell in notebook.cells { print(cell.range.start) }
/// ```
public struct Notebook: Sendable {
    /// The path as the user gave it; the file part of every location.
    public var file: String
    public var frontMatter: FrontMatter
    public var cells: [Cell]
    /// Every heading (also inside lists and block quotes), in document order.
    public var headings: [Heading]
    /// The protected spans, indexed by the number in their placeholder token.
    public var inlines: [InlineItem]
    /// Whether the HTML keeps raw HTML (cmark without safe mode).
    public var rawHTMLAllowed: Bool
    /// The numbered things `@label` cites besides experiment blocks: labelled equations and
    /// captioned tables, by label.
    public var targets: [String: CrossReferenceTarget] = [:]
    /// The label of each labelled display equation, by the index of its item in ``inlines``.
    public var equationLabels: [Int: String] = [:]
    /// Every `@word` in prose (where a cross-reference may start) that names no block, equation
    /// or table: handles and typos, for ``CrossReferenceTarget`` checks by the pipeline.
    public var uncitedWords: [UncitedWord] = []
    /// Each `{{BLOCK.…` in prose that no `}}` closes in its paragraph: printed as text, so
    /// ``unclosedReferenceErrors`` makes each an error (`id` holds the text from `{{` to the end of its line).
    public var unclosedReferences: [UncitedWord] = []
    /// Errors of the notebook's structure that do not stop its parse: a block whose `{#id}` an
    /// earlier block took (it goes by its number). The pipeline reports them with the others.
    public var structureErrors: [NotebookError] = []
    /// The labels of every `Table: … {#label}` caption paragraph, whether or not a table took it.
    public var captionLabels: Set<String> = []

    init(file: String, frontMatter: FrontMatter, cells: [Cell], headings: [Heading], inlines: [InlineItem],
         rawHTMLAllowed: Bool) {
        self.file = file
        self.frontMatter = frontMatter
        self.cells = cells
        self.headings = headings
        self.inlines = inlines
        self.rawHTMLAllowed = rawHTMLAllowed
    }
    /// The command line's `--set`s (``ParseOptions/parameters``): its front-matter keys are
    /// applied to ``frontMatter`` already; its block and `defaults.…` keys wait for decoding.
    public var parameters = Parameters()

    /// The experiment cells, in document order.
    public var experiments: [ExperimentCell] {
        cells.compactMap { if case .experiment(let cell) = $0 { return cell } else { return nil } }
    }
}

/// A labelled equation or captioned table: what `@label` links to and the number it shows.
public struct CrossReferenceTarget: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `$$ … $$ {#eq-x}`: shown as "Equation n", numbered "(n)" at the equation.
        case equation
        /// A pipe table with a caption `Table: … {#tbl-x}`: shown as "Table n".
        case table
    }

    public var kind: Kind
    /// 1-based, in document order among targets of the same kind.
    public var number: Int
    /// Where the label is written.
    public var location: SourceLocation

    /// What a cross-reference shows: `Equation 2`, `Table 1`.
    public var name: String {
        switch kind {
        case .equation: return "Equation \(number)"
        case .table: return "Table \(number)"
        }
    }
}

/// An `@word` that names no target, with where it is written.
public struct UncitedWord: Sendable, Hashable {
    public var id: String
    public var location: SourceLocation
}

extension Notebook {
    /// Adds target `label`, numbered after the others of its kind.
    ///
    /// - Throws: ``NotebookError`` when `label` is already an experiment id or another target's.
    mutating func addTarget(_ label: String, kind: CrossReferenceTarget.Kind, at location: SourceLocation) throws {
        if let other = targets[label] {
            throw NotebookError.located(location, message: "duplicate label {#\(label)} (lines \(other.location.line) and \(location.line))",
                                        hint: "hint: give each equation and table its own label")
        }
        if let block = experiments.first(where: { $0.id == label }) {
            throw NotebookError.located(location, message: "label {#\(label)} is also experiment block \(block.index)'s id (line \(block.range.start.line))",
                                        hint: "hint: labels and block ids share one name space; rename one (eq-…, tbl-…)")
        }
        let number = targets.values.filter { $0.kind == kind }.count + 1
        targets[label] = CrossReferenceTarget(kind: kind, number: number, location: location)
    }

    /// Adds the labelled equations protection found, numbered in document order.
    mutating func addEquationLabels(_ labels: [(item: Int, label: String, location: SourceLocation)]) throws {
        for (item, label, location) in labels {
            try addTarget(label, kind: .equation, at: location)
            equationLabels[item] = label
        }
    }
}

/// A heading of the notebook, for anchors and the table of contents.
public struct Heading: Sendable, Hashable {
    /// 1...6.
    public var level: Int
    /// The heading's plain text with math as its TeX (the source of the slug).
    public var text: String
    /// The heading's HTML content (between `<hN>` and `</hN>`), with placeholder tokens.
    public var html: String
    public var location: SourceLocation
}

/// A span protected from Markdown before cmark parses the prose.
public enum InlineItem: Sendable, Hashable {
    /// Math: `tex` is the TeX exactly as written, without delimiters.
    case math(tex: String, display: Bool, location: SourceLocation)
    /// `{{ text }}`: `text` trimmed.
    case reference(text: String, location: SourceLocation)
    /// `@id` naming an experiment block of this notebook.
    case crossReference(id: String, location: SourceLocation)
}

/// Options that change how a notebook is parsed.
public struct ParseOptions: Sendable {
    /// Overrides the front matter's `unsafe-html` when set (the CLI's `--unsafe-html`).
    public var allowRawHTML: Bool?
    /// Overrides the front matter's `math` when set.
    public var math: FrontMatter.MathDelimiters?
    /// Whether GFM pipe tables are recognised (always, except where a test compares with
    /// plain cmark).
    public var pipeTables = true
    /// `--set KEY=VALUE`s, applied over the front matter and every block.
    public var parameters = Parameters()

    public init(allowRawHTML: Bool? = nil, math: FrontMatter.MathDelimiters? = nil, parameters: Parameters = Parameters()) {
        self.allowRawHTML = allowRawHTML
        self.math = math
        self.parameters = parameters
    }
}

extension Notebook {
    /// Reads and parses the notebook at `path`.
    ///
    /// - Throws: `NotebookError` for an unreadable, binary or empty file and for every located
    ///   problem of its content.
    public static func load(path: String, options: ParseOptions = ParseOptions()) throws -> Notebook {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ELOOP {
                throw NotebookError.unreadable(file: path, reason: "is a symlink loop", hint: "hint: fix the link, or name the notebook file itself")
            }
            throw NotebookError.unreadable(
                file: path, reason: "no such file", hint: "hint: check the path (it is relative to the current directory)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            throw NotebookError.unreadable(
                file: path, reason: "is a directory, not a notebook file",
                hint: "hint: name a .md file inside it")
        default:
            // A FIFO would block and /dev/zero never ends: only regular files are notebooks.
            let what = info.st_mode & S_IFMT == S_IFIFO ? "a named pipe" : "a device"
            throw NotebookError.unreadable(file: path, reason: "is \(what), not a notebook file",
                                           hint: "hint: a notebook is a regular .md file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotebookError.unreadable(
                file: path, reason: "cannot be read (\(String(cString: strerror(errno))))", hint: "hint: check the file's permissions")
        }
        return try parse(data: data, file: path, options: options)
    }

    /// Parses notebook bytes; `file` names the source in locations.
    public static func parse(data: Data, file: String, options: ParseOptions = ParseOptions()) throws -> Notebook {
        if let (location, byte) = firstNonText(in: data, file: file) {
            throw NotebookError.binary(location, reason: byte == 0 ? "holds NUL bytes (a binary file?)"
                                       : String(format: "byte 0x%02X is not valid UTF-8 (re-save the file as UTF-8)", byte))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw NotebookError.binary(SourceLocation(file: file, line: 1, column: 1), reason: "is not valid UTF-8")
        }
        return try parse(text: text, file: file, options: options)
    }

    /// Where the first NUL byte of `data` is, else its first invalid UTF-8 sequence, and that
    /// byte; nil for UTF-8 text without NUL. Located as ``SourceLocation`` counts (Unicode
    /// scalars, an invalid sequence one column; a BOM dropped; CRLF one line break).
    static func firstNonText(in data: Data, file: String) -> (SourceLocation, UInt8)? {
        let bytes = [UInt8](data)
        var offset = bytes.firstIndex(of: 0)
        if offset == nil {
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            var position = 0
            decoding: while true {
                switch decoder.decode(&iterator) {
                case .emptyInput: break decoding
                case .error: offset = position; break decoding
                case .scalarValue(let scalar): position += UTF8.width(scalar)
                }
            }
        }
        guard let offset else { return nil }
        var line = 1, column = 1
        let prefix = String(decoding: bytes[..<offset], as: UTF8.self).unicodeScalars
        var previous: Unicode.Scalar?
        for (index, scalar) in prefix.enumerated() {
            if scalar == "\n" {
                if previous != "\r" { line += 1 }
                column = 1
            } else if scalar == "\r" {
                line += 1
                column = 1
            } else if !(scalar == "\u{FEFF}" && index == 0) {
                column += 1
            }
            previous = scalar
        }
        return (SourceLocation(file: file, line: line, column: column), bytes[offset])
    }

    /// Parses notebook text; `file` names the source in locations.
    public static func parse(text: String, file: String, options: ParseOptions = ParseOptions()) throws -> Notebook {
        let source = SourceText(text)
        var (frontMatter, frontLines) = try FrontMatter.extract(lines: source.lines, file: file)
        try frontMatter.apply(options.parameters)
        var bytes = source.bytes
        // Blank the front matter, keeping its line breaks so cmark's lines are the file's lines.
        if frontLines > 0 {
            let end = source.lineStarts[frontLines]
            for index in 0..<end where bytes[index] != UInt8(ascii: "\n") { bytes[index] = UInt8(ascii: " ") }
        }
        if !bytes.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\t") }) {
            if frontLines > 0 {
                throw NotebookError.located(SourceLocation(file: file, line: frontLines + 1, column: 1),
                                            message: "the notebook has front matter but nothing after it",
                                            hint: "hint: write some Markdown after the closing ---")
            }
            throw NotebookError.empty(file: file)
        }
        let rawHTML = options.allowRawHTML ?? frontMatter.unsafeHTML ?? false
        let math = options.math ?? frontMatter.math
        var notebook = try CMarkDocument.notebook(
            bytes: bytes, file: file, frontMatter: frontMatter, math: math, rawHTML: rawHTML,
            pipeTables: options.pipeTables, lineStarts: source.lineStarts)
        notebook.parameters = options.parameters
        return notebook
    }

    /// The plain cmark HTML of `markdown` (no math protection): the benchmark's baseline.
    public static func plainCMarkHTML(_ markdown: String, rawHTML: Bool = false) -> String {
        CMarkDocument.plainHTML(markdown, rawHTML: rawHTML)
    }
}

/// Notebook text normalized for parsing: BOM dropped, CRLF and lone CR read as LF.
struct SourceText {
    var bytes: [UInt8]
    /// Byte offset of each line's first byte; a final entry `bytes.count` closes the last line.
    var lineStarts: [Int]
    /// The lines that may be front matter, as text (empty unless the file starts with `---`).
    var lines: [Substring]

    init(_ text: String) {
        var input = Array(text.utf8)
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input.removeFirst(3) }
        // Most files have neither CR nor a placeholder character: nothing to rewrite.
        let clean = !input.contains(where: { $0 == UInt8(ascii: "\r") || $0 == Placeholder.lead.0 })
        var output = clean ? input : [UInt8]()
        output.reserveCapacity(input.count)
        var index = clean ? input.count : 0
        while index < input.count {
            let byte = input[index]
            // NOTE: U+E000…U+E006 are the placeholder characters (`Placeholder`); one in the file would be read as
            // a token, so it becomes U+FFFD.
            if byte == Placeholder.lead.0, Placeholder.isReserved(input, at: index) {
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                index += 3
                continue
            }
            if byte == UInt8(ascii: "\r") {
                output.append(UInt8(ascii: "\n"))
                if index + 1 < input.count, input[index + 1] == UInt8(ascii: "\n") { index += 1 }
            } else {
                output.append(byte)
            }
            index += 1
        }
        bytes = output
        lineStarts = [0]
        for (offset, byte) in output.enumerated() where byte == UInt8(ascii: "\n") {
            lineStarts.append(offset + 1)
        }
        if lineStarts.last != output.count { lineStarts.append(output.count) }
        // Only front matter needs the lines as text, and only a file starting with `---` has one.
        // Split only up to the closing `---`/`...` (or the first two lines without one).
        lines = []
        guard output.starts(with: Array("---".utf8)) else { return }
        var prefixEnd = lineStarts[min(2, lineStarts.count - 1)]
        for line in 1..<max(1, lineStarts.count - 1) {
            var content = output[lineStarts[line]..<lineStarts[line + 1]]
            while let last = content.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
                content = content.dropLast()
            }
            if content.elementsEqual("---".utf8) || content.elementsEqual("...".utf8) {
                prefixEnd = lineStarts[line + 1]
                break
            }
        }
        lines = String(decoding: output[0..<prefixEnd], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
    }
}
