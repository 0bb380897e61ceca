import Yams

/// The YAML front matter of a notebook: page metadata and notebook-wide settings.
///
/// The front matter sits between a first line `---` and the next line `---` (or `...`). Unknown
/// keys are errors with a "did you mean" hint; every error names `file:line:col` in the notebook.
///
/// ```markdown
/// ---
/// title: Depth-μP in one page
/// math: brackets
/// defaults: {train: {steps: 300}}
/// ---
/// ```
// NOTE: `@unchecked` only because Yams' `Node` (a tree of value types) is not marked Sendable.
public struct FrontMatter: @unchecked Sendable {
    /// Which delimiters form math besides the always-on `$…$` and `$$…$$`.
    public enum MathDelimiters: String, Sendable, CaseIterable {
        /// `$…$`, `$$…$$` and block-level `\begin{…}` environments (pandoc `tex_math_dollars`).
        case dollars
        /// Also `\(…\)` and `\[…\]` (pandoc `tex_math_single_backslash`).
        case brackets
    }

    public var title: String?
    public var author: String?
    public var date: String?
    public var description: String?
    public var math: MathDelimiters = .dollars
    /// Raw HTML passes through (cmark without its safe mode). `nil` when the key is absent.
    public var unsafeHTML: Bool?
    /// Notebook-wide defaults for experiment keys, undecoded; the Runner decodes them.
    public var defaults: Node?
    /// Where `defaults` starts in the notebook file, to locate decoding errors.
    public var defaultsLocation: SourceLocation?
    /// The run scale (`full` unless the front matter says otherwise); the Runner interprets it.
    public var scale: String = "full"
    /// `executor: {name: slurm, partition: …}`: where the notebook's points run unless
    /// `render --executor` says otherwise; nil when the key is absent.
    public var executor: ExecutorSettings?
    /// Position in a book (`depthbook render FOLDER`): notebooks sort by `order`, then by file
    /// name; one without `order` comes after those with one.
    public var order: Int?
    /// Whether each experiment figure shows its block's YAML in a collapsed `<details>` (default true).
    public var showSource = true
    /// One sentence for the book's index page, quoting a result with `{{block.quantity}}`,
    /// e.g. `"depth-μP's optimum moves by {{lr-transfer.spread_octaves[depth-mup]}}"`.
    public var headline: String?
    /// Where `headline`'s text starts in the notebook file, to locate its reference errors.
    public var headlineLocation: SourceLocation?
    /// The line after the closing `---`, or 1 without front matter.
    public var bodyStartLine: Int = 1

    /// The keys a front matter may hold.
    public static let knownKeys = [
        "title", "author", "date", "description", "math", "unsafe-html", "defaults", "scale",
        "order", "show-source", "headline", "executor",
    ]

    public init() {}
}

extension FrontMatter {
    /// Splits off and decodes the front matter of `lines` (LF-split, BOM already dropped).
    ///
    /// - Returns: the front matter and the number of lines it occupies (0 without front matter).
    /// - Throws: `NotebookError.located` for an unclosed block, YAML syntax errors, duplicate or
    ///   unknown keys and values of the wrong kind.
    static func extract(lines: [Substring], file: String) throws -> (FrontMatter, Int) {
        var matter = FrontMatter()
        guard let first = lines.first, first.trimmingTrailingSpaces() == "---" else {
            return (matter, 0)
        }
        var closing: Int?
        for index in 1..<lines.count {
            let line = lines[index].trimmingTrailingSpaces()
            if line == "---" || line == "..." {
                closing = index
                break
            }
        }
        // Like pandoc: the line after the opening `---` is not blank, and the block must be a YAML
        // mapping; otherwise the lines are Markdown (a thematic break, a setext heading).
        guard let closing, closing > 1, !lines[1].trimmingTrailingSpaces().isEmpty else {
            if closing == nil, looksLikeMapping(lines.dropFirst().first) {
                throw NotebookError.located(
                    SourceLocation(file: file, line: 1, column: 1),
                    message: "front matter is not closed",
                    hint: "hint: end it with a line `---`, or remove the first line `---`")
            }
            return (matter, 0)
        }
        let yaml = lines[1..<closing].joined(separator: "\n")
        // YAML line k is file line k + 1 (the opening `---` is line 1).
        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: (mark?.line ?? 1) + 1, column: mark?.column ?? 1)
        }
        // Duplicate top-level keys, named with both lines (Yams reports only one place).
        var firstLine: [Substring: Int] = [:]
        for index in 1..<closing {
            let line = lines[index]
            guard let colon = line.firstIndex(of: ":"), let first = line.first, first.isLetter else { continue }
            let key = line[..<colon]
            guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { continue }
            if let previous = firstLine[key] {
                throw NotebookError.located(
                    SourceLocation(file: file, line: index + 1, column: 1),
                    message: "front matter: duplicate key \(key) (lines \(previous) and \(index + 1))",
                    hint: "hint: keep one of them")
            }
            firstLine[key] = index + 1
        }
        if let position = YamsConversion.aliasKey(in: yaml) {
            throw NotebookError.located(SourceLocation(file: file, line: position.line + 1, column: position.column),
                                        message: "front matter: YAML aliases (*name) are not supported",
                                        hint: "hint: write the value out")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            guard looksLikeMapping(lines[1]) else { return (matter, 0) }
            throw Self.located(error, at: location, file: file, yaml: yaml)
        }
        guard let root, case .mapping(let mapping) = root else {
            return (matter, 0)
        }
        matter.bodyStartLine = closing + 2
        for (keyNode, value) in mapping {
            try matter.set(keyNode.string ?? "", keyMark: keyNode.mark, value: value, location: location)
        }
        return (matter, closing + 1)
    }

    /// Sets front-matter key `key` from its YAML node (the notebook's own, or a `--set`'s).
    ///
    /// - Parameter location: where a mark of `value` (or `keyMark`) is in the user's input.
    /// - Throws: `NotebookError.located` for an unknown key ("did you mean") or a value of the
    ///   wrong kind, with a hint.
    mutating func set(_ key: String, keyMark: Mark?, value: Node, location: (Mark?) -> SourceLocation) throws {
        func string() throws -> String {
            guard case .scalar(let scalar) = value else {
                throw NotebookError.located(
                    location(value.mark), message: "front matter key \(key): expected text",
                    hint: "hint: write `\(key): some text`")
            }
            return scalar.string
        }
        func boolean() throws -> Bool {
            let text = try string()
            guard case .scalar(let scalar) = value, scalar.style == .plain,
                  text == "true" || text == "false" else {
                throw NotebookError.located(
                    location(value.mark),
                    message: "front matter key \(key): expected true/false, got \"\(text)\"",
                    hint: "hint: write `\(key): true` or `\(key): false`")
            }
            return text == "true"
        }
        switch key {
        case "title": self.title = try string()
        case "author": self.author = try string()
        case "date": self.date = try string()
        case "description": self.description = try string()
        case "scale": self.scale = try string()
        case "math":
            let text = try string()
            guard let math = MathDelimiters(rawValue: text) else {
                throw NotebookError.located(
                    location(value.mark),
                    message: "front matter key math: unknown value \"\(text)\"",
                    hint: "hint: use `dollars` (default) or `brackets`")
            }
            self.math = math
        case "unsafe-html": self.unsafeHTML = try boolean()
        case "show-source": self.showSource = try boolean()
        case "headline":
            self.headline = try string()
            self.headlineLocation = location(value.mark)
        case "order":
            let text = try string()
            guard case .scalar(let scalar) = value, scalar.style == .plain, let number = Int(text) else {
                throw NotebookError.located(
                    location(value.mark), message: "front matter key order: expected a whole number, got \"\(text)\"",
                    hint: "hint: write `order: 2` to place this notebook second in its book")
            }
            self.order = number
        case "executor":
            self.executor = try ExecutorSettings.decode(value, location: location)
        case "defaults":
            self.defaults = value
            self.defaultsLocation = location(value.mark)
        default:
            var hint = "hint: known keys are " + Self.knownKeys.joined(separator: ", ")
            if let near = Self.knownKeys.min(by: { editDistance($0, key) < editDistance($1, key) }),
               editDistance(near, key) <= max(2, key.count / 3) {
                hint = "hint: did you mean `\(near)`?"
            }
            throw NotebookError.located(
                location(keyMark), message: "unknown front matter key \"\(key)\"", hint: hint)
        }
    }

    /// Applies the front-matter keys of `--set` (``Parameters/frontMatter``), each composed as
    /// YAML with the front matter's resolver and located at its `--set[N]`.
    ///
    /// - Throws: as ``set(_:keyMark:value:location:)``, or `NotebookError.located` for bad YAML.
    public mutating func apply(_ parameters: Parameters) throws {
        for item in parameters.frontMatter {
            func location(_ mark: Mark?) -> SourceLocation {
                guard let mark else { return item.valueLocation }
                return SourceLocation(file: item.valueLocation.file, line: mark.line,
                                      column: item.valueLocation.column + mark.column - 1)
            }
            let node: Node?
            do {
                node = try Yams.compose(yaml: item.yaml)
            } catch {
                throw NotebookError.located(item.valueLocation, message: "\(item.key): invalid YAML value \"\(item.yaml)\"",
                                            hint: "hint: quote text with spaces or colons, e.g. --set '\(item.key)=\"A title: draft\"'")
            }
            guard let node else { continue }
            try set(item.key, keyMark: nil, value: node, location: location)
        }
    }

    /// Whether `line` starts like a YAML mapping entry (`key:`), the sign that the author meant
    /// front matter rather than a Markdown thematic break.
    private static func looksLikeMapping(_ line: Substring?) -> Bool {
        guard let line, let colon = line.firstIndex(of: ":") else { return false }
        let key = line[..<colon]
        return !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    private static func located(
        _ error: YamlError, at location: (Mark?) -> SourceLocation, file: String, yaml: String
    ) -> NotebookError {
        let hint = "hint: front matter is YAML between two `---` lines"
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let at = location(mark)
            if let context, let flow = YamsConversion.unclosedFlow(
                problem: problem, yaml: yaml, opener: location(context.mark), openerLine: context.mark.line,
                mark: at, markLine: mark.line, columnShift: at.column - mark.column) {
                return .located(flow.location, message: "front matter: \(flow.message)", hint: flow.hint)
            }
            let indentation = YamsConversion.tabIndentationHint(in: yaml, line: mark.line - 1)
                ?? YamsConversion.indentationHint(problem: problem, in: yaml, line: mark.line - 1)
                ?? YamsConversion.missingValueHint(problem: problem)
            var message = "front matter: \(problem)"
            // The context names a second place; with an indentation hint the hint says all
            // (issue 15: two lines named for one tab confused), else it is said as the file's line:col.
            if let context, indentation == nil {
                let start = location(context.mark)
                message += " (\(context.text) that began at \(start.line):\(start.column))"
            }
            return .located(at, message: message, hint: indentation ?? hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            return .located(
                location(context.mark),
                message: "front matter: duplicate key \(duplicates.joined(separator: ", "))",
                hint: "hint: keep one of them")
        default:
            return .located(location(nil), message: "front matter: \(error)", hint: hint)
        }
    }
}

/// Edit distance, for "did you mean" hints (``DidYouMean/editDistance(_:_:)``).
func editDistance(_ a: String, _ b: String) -> Int { DidYouMean.editDistance(a, b) }

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" {
            end = index(before: end)
        }
        return self[startIndex..<end]
    }
}

/// Front matter `executor:`: the `render` execution flags a notebook asks for, e.g.
/// `executor: {name: slurm, partition: short, time: "00:30:00", max-parallel: 50,
/// sbatch-args: [--mem=2G]}`. Keys are the flags' names (`sbatch-args` a list of `--sbatch-arg`s).
public struct ExecutorSettings: Sendable, Hashable {
    /// `local`, `process` or `slurm`.
    public var name: String
    public var partition: String?
    public var time: String?
    public var cpusPerTask: Int?
    public var maxParallel: Int?
    public var pointsPerTask: Int?
    public var sbatchArgs: [String] = []
    public var worker: String?

    public static let names = ["local", "process", "slurm"]

    public init(name: String) { self.name = name }
    public static let keys = ["name", "partition", "time", "cpus-per-task", "max-parallel", "points-per-task", "sbatch-args", "worker"]

    /// Decodes `executor:`'s node (a mapping, or a bare name).
    ///
    /// - Throws: `NotebookError.located` at the offending key or value, with a hint.
    static func decode(_ node: Node, location: (Mark?) -> SourceLocation) throws -> ExecutorSettings {
        func fail(_ mark: Mark?, _ message: String, _ hint: String) -> NotebookError {
            NotebookError.located(location(mark), message: "front matter key executor\(message)", hint: "hint: " + hint)
        }
        func checkedName(_ scalar: Node.Scalar, mark: Mark?) throws -> String {
            guard names.contains(scalar.string) else {
                throw fail(mark, ".name: unknown executor \"\(scalar.string)\"", "use one of " + names.joined(separator: ", "))
            }
            return scalar.string
        }
        if case .scalar(let scalar) = node { return ExecutorSettings(name: try checkedName(scalar, mark: node.mark)) }
        guard case .mapping(let mapping) = node else {
            throw fail(node.mark, ": expected a mapping", "write `executor: {name: slurm, partition: short}`")
        }
        var settings = ExecutorSettings(name: "")
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            func text() throws -> String {
                guard case .scalar(let scalar) = value else { throw fail(value.mark, ".\(key): expected text", "write `\(key): value`") }
                return scalar.string
            }
            func count() throws -> Int {
                guard case .scalar(let scalar) = value, scalar.style == .plain, let number = Int(scalar.string), number >= 1 else {
                    throw fail(value.mark, ".\(key): expected a whole number ≥ 1", "write `\(key): 4`")
                }
                return number
            }
            switch key {
            case "name":
                guard case .scalar(let scalar) = value else { throw fail(value.mark, ".name: expected text", "use one of " + names.joined(separator: ", ")) }
                settings.name = try checkedName(scalar, mark: value.mark)
            case "partition": settings.partition = try text()
            case "time": settings.time = try text()
            case "worker": settings.worker = try text()
            case "cpus-per-task": settings.cpusPerTask = try count()
            case "max-parallel": settings.maxParallel = try count()
            case "points-per-task": settings.pointsPerTask = try count()
            case "sbatch-args":
                guard case .sequence(let items) = value else {
                    throw fail(value.mark, ".sbatch-args: expected a list", "write `sbatch-args: [--mem=2G]`")
                }
                settings.sbatchArgs = try items.map { item in
                    guard case .scalar(let scalar) = item else { throw fail(item.mark, ".sbatch-args: expected text", "write `sbatch-args: [--mem=2G]`") }
                    return scalar.string
                }
            default:
                throw fail(keyNode.mark, ": unknown key \"\(key)\"", "known keys are " + keys.joined(separator: ", "))
            }
        }
        guard !settings.name.isEmpty else { throw fail(node.mark, ": name is missing", "add `name: slurm` (or local, process)") }
        return settings
    }
}
