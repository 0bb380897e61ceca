/// One cell of a notebook: a run of prose, a fenced code block shown as code, or an experiment.
///
/// Cells are in document order and carry their location in the original file, so every later
/// error (spec decoding, a failed run) can name `file:line:col`.
public enum Cell: Sendable {
    case prose(ProseCell)
    case code(CodeCell)
    case experiment(ExperimentCell)

    /// Where the cell sits in the original file.
    public var range: SourceRange {
        switch self {
        case .prose(let cell): return cell.range
        case .code(let cell): return cell.range
        case .experiment(let cell): return cell.range
        }
    }
}

/// Markdown prose (with math) between code and experiment blocks.
public struct ProseCell: Sendable {
    /// The prose Markdown, LF line endings, as it appears in the file.
    public var markdown: String
    public var range: SourceRange
    /// cmark's HTML of the prose, with placeholder tokens for protected spans (see `Placeholder`).
    public var html: String

    public init(markdown: String, range: SourceRange, html: String = "") {
        self.markdown = markdown
        self.range = range
        self.html = html
    }
}

/// A fenced code block that is not an experiment: shown as code, never executed.
public struct CodeCell: Sendable {
    /// The info string (e.g. `python`), possibly empty.
    public var info: String
    /// The literal content of the block, LF line endings.
    public var code: String
    public var range: SourceRange
    /// cmark's HTML of the block (`<pre><code …>`).
    public var html: String

    public init(info: String, code: String, range: SourceRange, html: String = "") {
        self.info = info
        self.code = code
        self.range = range
        self.html = html
    }
}

/// A fenced code block whose info string is `experiment` (optionally followed by `{#id}`).
///
/// The body is YAML (schema v1, see DESIGN.md). `bodyStart` locates its first line so that a YAML
/// line `k` (1-based) and column `c` map to `bodyStart.line + k - 1` and
/// `bodyStart.column + c - 1` in the notebook file.
public struct ExperimentCell: Sendable {
    /// 1-based position among the notebook's experiment blocks.
    public var index: Int
    /// The id from `{#id}`, if any. Unique within a notebook.
    public var id: String?
    /// The YAML body, LF line endings, exactly the fence's content.
    public var body: String
    /// The whole fence, opening to closing line.
    public var range: SourceRange
    /// Line and column of the first character of the body's first line.
    public var bodyStart: SourceLocation

    public init(index: Int, id: String?, body: String, range: SourceRange, bodyStart: SourceLocation) {
        self.index = index
        self.id = id
        self.body = body
        self.range = range
        self.bodyStart = bodyStart
    }

    /// How messages name the block: its id, or its index when it has none (`block 2`).
    public var label: String { id ?? String(index) }
}
