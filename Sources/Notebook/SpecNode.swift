import Yams

/// A YAML value of an experiment block, with every node located in the notebook file.
///
/// Experiment YAML is composed with Yams into a tree, then converted into this tree, whose plain
/// scalars are resolved by the YAML 1.2 core schema (see ``SpecScalar/resolve(plain:)``) rather
/// than by Yams's YAML 1.1-flavoured default resolver. Locations are absolute, so that a value
/// merged in from the front matter's `defaults` still points at the front matter.
public indirect enum SpecNode: Sendable, Hashable {
    case scalar(SpecScalar, SourceLocation)
    case mapping([SpecEntry], SourceLocation)
    case sequence([SpecNode], SourceLocation)

    /// Where the node starts in the notebook file.
    public var location: SourceLocation {
        switch self {
        case .scalar(_, let location), .mapping(_, let location), .sequence(_, let location):
            return location
        }
    }

    /// A short noun for messages: `number 3`, `string "fast"`, `a list`, `a mapping`.
    var kindDescription: String {
        switch self {
        case .scalar(let scalar, _): return scalar.kindDescription
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// One `key: value` pair of a mapping, in document order.
public struct SpecEntry: Sendable, Hashable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: SpecNode

    public init(key: String, keyLocation: SourceLocation, value: SpecNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// A resolved YAML scalar.
public enum SpecScalar: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)

    /// Resolves a plain (unquoted) scalar by the YAML 1.2 core schema.
    ///
    /// Rules (YAML 1.2.2 §10.3.2): `null`, `Null`, `NULL`, `~` and the empty scalar are null;
    /// `true`/`True`/`TRUE` and `false`/`False`/`FALSE` are booleans (never `yes`, `no`, `on`,
    /// `off`, `y`, `n`); `[-+]?[0-9]+` is a decimal integer (`010` is ten), `0o17` octal and
    /// `0x1F` hexadecimal; `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` is a float (so
    /// `1e-3` and `5E-4` are numbers), as are `.inf`, `-.inf`, `.nan`. Anything else is a string.
    /// Quoted scalars are always strings and never come here.
    public static func resolve(plain text: String) -> SpecScalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let scalars = Array(text.unicodeScalars)
        if scalars.count > 2, scalars[0] == "0", scalars[1] == "o" || scalars[1] == "x" {
            let digits = String(text.dropFirst(2))
            let radix = scalars[1] == "o" ? 8 : 16
            if let value = Int(digits, radix: radix), !digits.hasPrefix("+"), !digits.hasPrefix("-") {
                return .int(value)
            }
            return .string(text)
        }
        if isDecimalInteger(scalars) {
            // NOTE: Int("010") is 10: YAML 1.2 has no implicit octal. Too large → a float.
            if let value = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .int(value) }
            if let value = Double(text) { return .double(value) }
        }
        if isFloat(scalars), let value = Double(text) { return .double(value) }
        return .string(text)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }

    private static func isDecimalInteger(_ scalars: [Unicode.Scalar]) -> Bool {
        var index = 0
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
        guard index < scalars.count else { return false }
        return scalars[index...].allSatisfy(isDigit)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloat(_ scalars: [Unicode.Scalar]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < scalars.count, isDigit(scalars[index]) { index += 1 }
            return index - start
        }
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
        if index < scalars.count, scalars[index] == "." {
            index += 1
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if index < scalars.count, scalars[index] == "." {
                index += 1
                _ = digits()
            }
        }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            index += 1
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == scalars.count
    }

    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "boolean \(value)"
        case .int(let value): return "number \(value)"
        case .double(let value): return "number \(value)"
        case .string(let value): return "\"\(value)\""
        }
    }
}

extension SpecNode {
    /// Composes YAML text into a located tree.
    ///
    /// A YAML position (line `k`, column `c`, both 1-based) maps to the notebook position
    /// `origin.line + k - 1`, `origin.column + c - 1` (see ``ExperimentCell/bodyStart``).
    ///
    /// - Throws: ``SpecError`` for YAML syntax errors, duplicate keys (naming both lines), aliases,
    ///   and non-scalar keys. An empty document gives an empty mapping.
    public static func compose(yaml: String, origin: SourceLocation, block: String) throws -> SpecNode {
        func locate(_ mark: Mark?) -> SourceLocation {
            guard let mark else { return origin }
            return SourceLocation(file: origin.file, line: origin.line + mark.line - 1,
                                  column: origin.column + mark.column - 1)
        }
        if let position = YamsConversion.aliasKey(in: yaml) {
            let location = SourceLocation(file: origin.file, line: origin.line + position.line - 1,
                                          column: origin.column + position.column - 1)
            throw YamsConversion.aliasKeyError(at: location, block: block)
        }
        let root: Node?
        do {
            // NOTE: `.basic` resolves nothing: every plain scalar stays text, so `NO` is never
            // false and `1e-3` never stays a string; `resolve(plain:)` applies YAML 1.2 core.
            root = try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw SpecError.fromYams(error, yaml: yaml, locate: locate, block: block)
        }
        guard let root else { return .mapping([], origin) }
        return try SpecNode(yams: root, locate: locate, block: block)
    }

    /// Converts a composed Yams node (e.g. the front matter's `defaults`) whose marks count from
    /// `origin`, like ``compose(yaml:origin:block:)``.
    public init(yams node: Node, origin: SourceLocation, block: String) throws {
        func locate(_ mark: Mark?) -> SourceLocation {
            guard let mark else { return origin }
            return SourceLocation(file: origin.file, line: origin.line + mark.line - 1,
                                  column: origin.column + mark.column - 1)
        }
        try self.init(yams: node, locate: locate, block: block)
    }

    init(yams node: Node, locate: @escaping (Mark?) -> SourceLocation, block: String) throws {
        var conversion = YamsConversion(locate: locate, block: block)
        self = try conversion.convert(node, path: "", usedAt: locate(node.mark))
    }

    /// Deep-merges `overlay` over `self`: mappings merge key by key (recursively), anything else
    /// in `overlay` replaces the base value. Used for front-matter `defaults` and `scales:`.
    public func merged(with overlay: SpecNode) -> SpecNode {
        guard case .mapping(var base, let location) = self,
              case .mapping(let top, _) = overlay else { return overlay }
        for entry in top {
            if let index = base.firstIndex(where: { $0.key == entry.key }) {
                base[index] = SpecEntry(key: entry.key, keyLocation: entry.keyLocation,
                                        value: base[index].value.merged(with: entry.value))
            } else {
                base.append(entry)
            }
        }
        return .mapping(base, location)
    }
}

/// Converts a composed Yams tree into ``SpecNode``s, refusing what a block must not hold.
///
/// Yams resolves an alias (`*name`) by handing back the anchored node itself, so the composed
/// tree shares it and costs nothing, but converting it would copy it at every use: a 479-byte
/// "billion laughs" block expands to ~10⁹ nodes. Aliases are therefore refused, detected before
/// any copy: a mapping or list met a second time (same start mark, same kind) is an alias use.
/// Tags other than YAML's core ones (`!foo`, `!!binary`) are refused too,
/// and so is a null key (`: 1`), instead of being read as the key "".
struct YamsConversion {
    /// A node's identity in the composed tree: where it starts and its kind (0 scalar, 1 list,
    /// 2 mapping; a block mapping starts at its first key, so only the kind tells them apart).
    struct Container: Hashable {
        var line: Int, column: Int, kind: Int
    }

    let locate: (Mark?) -> SourceLocation
    let block: String
    private var seen: Set<Container> = []

    init(locate: @escaping (Mark?) -> SourceLocation, block: String) {
        self.locate = locate
        self.block = block
    }

    /// Tags a block may carry: the ones a resolver gives untagged nodes anyway (the front matter
    /// is composed with Yams's default resolver, so `3` arrives tagged `int` there).
    static let allowedTags: Set<String> = Set(["", "!"] + ["str", "seq", "map", "null", "bool", "int", "float", "timestamp"]
        .map { "tag:yaml.org,2002:" + $0 })

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// - Parameter usedAt: where the node is used (its key, or its list): an alias's location.
    mutating func convert(_ node: Node, path: String, usedAt: SourceLocation) throws -> SpecNode {
        let tag = node.tag.description
        if !Self.allowedTags.contains(tag) {
            throw SpecError(location: locate(node.mark), block: block, path: path,
                            message: "YAML tag \(tag) is not supported; hint: remove it (values are plain numbers, strings, lists and mappings)")
        }
        switch node {
        case .scalar(let scalar):
            // Empty scalars (`key:`) may share a mark; they cannot be anchored usefully anyway.
            if !scalar.string.isEmpty { try visit(scalar.mark, kind: 0, path: path, usedAt: usedAt) }
            let value: SpecScalar = scalar.style == .plain
                ? .resolve(plain: scalar.string) : .string(scalar.string)
            return .scalar(value, locate(scalar.mark))
        case .sequence(let sequence):
            try visit(sequence.mark, kind: 1, path: path, usedAt: usedAt)
            let location = locate(sequence.mark)
            var items: [SpecNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", usedAt: location))
            }
            return .sequence(items, location)
        case .mapping(let mapping):
            try visit(mapping.mark, kind: 2, path: path, usedAt: usedAt)
            var entries: [SpecEntry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw SpecError(location: locate(key.mark), block: block, path: path,
                                    message: "keys must be plain words, got a \(key.sequence != nil ? "list" : "mapping")")
                }
                let keyLocation = locate(keyScalar.mark)
                if !keyScalar.string.isEmpty { try visit(keyScalar.mark, kind: 0, path: path, usedAt: keyLocation) }
                if keyScalar.style == .plain, case .null = SpecScalar.resolve(plain: keyScalar.string) {
                    throw SpecError(location: keyLocation, block: block, path: path,
                                    message: "a key is missing (YAML reads `\(keyScalar.string.isEmpty ? ": …" : keyScalar.string + ":")` as a null key); hint: write key: value")
                }
                entries.append(SpecEntry(key: keyScalar.string, keyLocation: keyLocation,
                                         value: try convert(value, path: join(path, keyScalar.string), usedAt: keyLocation)))
            }
            return .mapping(entries, locate(mapping.mark))
        case .alias(let alias):
            throw aliasError(at: locate(alias.mark), path: path)
        }
    }

    private mutating func visit(_ mark: Mark?, kind: Int, path: String, usedAt: SourceLocation) throws {
        guard let mark else { return }
        guard seen.insert(Container(line: mark.line, column: mark.column, kind: kind)).inserted else {
            throw aliasError(at: usedAt, path: path)
        }
    }

    /// The first alias used as a mapping key (`? *a` or `*a :`), by a scan of the text before
    /// Yams composes it: Yams hashes every key to find duplicates, and hashing an alias of a
    /// "billion laughs" tree walks all of it (it hung for minutes). A scan, not a YAML parser:
    /// it runs only when the text has an anchor (`&`) at all, and a false match inside a quoted
    /// string can only refuse text that names an alias-like `*word :`.
    static func aliasKey(in yaml: String) -> (line: Int, column: Int)? {
        guard yaml.contains("&"), yaml.contains("*") else { return nil }
        for (number, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let scalars = Array(line.unicodeScalars)
            for (index, scalar) in scalars.enumerated() where scalar == "*" {
                let before = index == 0 ? " " : scalars[index - 1]
                guard [" ", "\t", "{", ",", "[", "?"].contains(before) else { continue }
                var end = index + 1
                while end < scalars.count, !" \t,[]{}".unicodeScalars.contains(scalars[end]) { end += 1 }
                guard end > index + 1 else { continue }
                let explicitKey = scalars[..<index].reversed().drop { $0 == " " || $0 == "\t" }.first == "?"
                var after = end
                while after < scalars.count, scalars[after] == " " || scalars[after] == "\t" { after += 1 }
                let implicitKey = after < scalars.count && scalars[after] == ":"
                if explicitKey || implicitKey { return (number + 1, index + 1) }
            }
        }
        return nil
    }

    /// A flow collection (`{…}`, `[…]`) left open or closed by the wrong bracket: libyaml says
    /// "did not find expected ',' or '}'" at the next token, which for a missing `}` is the
    /// start of the following line. Returns the message, the hint and where to put the error:
    /// the end of the opener's last non-blank line before the mark when the mark is on a later
    /// line (the author's line, not the next), else the mark.
    /// - Parameters:
    ///   - opener: where the collection starts (the error's context mark), as a file location.
    ///   - mark: the error's place, as a file location; `markLine`/`openerLine` the same in `yaml` (1-based).
    ///   - columnShift: file column − YAML column (a block's indentation).
    static func unclosedFlow(problem: String, yaml: String, opener: SourceLocation, openerLine: Int,
                             mark: SourceLocation, markLine: Int, columnShift: Int) -> (message: String, hint: String, location: SourceLocation)? {
        guard problem.hasPrefix("did not find expected ',' or '") else { return nil }
        let closer = problem.hasSuffix("']'") ? "]" : "}"
        let bracket = closer == "]" ? "[" : "{"
        let message = "the \(bracket) opened at \(opener.line):\(opener.column) is not closed: expected ',' or '\(closer)'"
        let hint = "hint: close each { with } and each [ with ] (a flow mapping or list of a block is best kept on one line)"
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        var line = markLine - 1
        guard markLine > openerLine, line >= 1, line <= lines.count else { return (message, hint, mark) }
        while line > openerLine, lines[line - 1].allSatisfy({ $0 == " " || $0 == "\t" }) { line -= 1 }
        let text = lines[line - 1]
        let column = text.unicodeScalars.count - text.reversed().prefix(while: { $0 == " " || $0 == "\t" }).count + 1
        return (message, hint, SourceLocation(file: mark.file, line: mark.line - (markLine - line), column: column + columnShift))
    }

    /// The hint for a YAML scanner error on a line indented with a tab (YAML allows only
    /// spaces there; Yams says "found character that cannot start any token"), or nil.
    /// - Parameter line: the error's line within `yaml`, counting from 0 (`Mark.line` − 1).
    static func tabIndentationHint(in yaml: String, line: Int) -> String? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 0, line < lines.count,
              lines[line].prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") else { return nil }
        return "hint: YAML indents with spaces, not tabs; replace the tab at the start of the line with spaces"
    }

    /// The hint for a key indented to a column no mapping above it uses (libyaml says "mapping
    /// values are not allowed in this context" when it is deeper than its neighbour, "did not
    /// find expected key" when it falls between two levels), or nil when the line's indentation
    /// is one of them (the error is something else).
    ///
    /// The columns a key may take are those of the nearest key line above and of each line
    /// above that opens a shallower level (YAML nests block mappings by indentation only).
    /// - Parameter line: the error's line within `yaml`, counting from 0 (`Mark.line` − 1).
    static func indentationHint(problem: String, in yaml: String, line: Int) -> String? {
        guard problem.hasPrefix("mapping values are not allowed") || problem.hasPrefix("did not find expected key")
        else { return nil }
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        func indent(_ text: Substring) -> Int { text.prefix(while: { $0 == " " }).count }
        func isContent(_ text: Substring) -> Bool {
            let rest = text.drop(while: { $0 == " " })
            return !rest.isEmpty && !rest.hasPrefix("#")
        }
        guard line > 0, line < lines.count, isContent(lines[line]), !lines[line].hasPrefix("\t") else { return nil }
        let own = indent(lines[line])
        var levels: [Int] = []
        for above in lines[..<line].reversed() where isContent(above) {
            let column = indent(above)
            if levels.isEmpty || column < levels.last! { levels.append(column) }
            if column == 0 { break }
        }
        guard !levels.isEmpty, !levels.contains(own) else { return nil }
        let key = lines[line].drop(while: { $0 == " " }).prefix(while: { $0 != ":" && $0 != " " })
        let choices = levels.reversed().map(String.init)
        let list = (choices.count == 1 ? choices[0] : choices.dropLast().joined(separator: ", ") + " or " + choices.last!)
            + (levels == [1] ? " space" : " spaces")
        return "hint: `\(key)` is indented \(own) \(own == 1 ? "space" : "spaces"), but the keys above it are at \(list); "
            + "YAML nests by indentation, so line it up with the keys of the mapping it belongs to"
    }

    /// Where to report an error whose mark is past the last non-blank line of `yaml` (libyaml
    /// at the end of the input: `[4,` left open): the end of that line, the author's, not the
    /// line after (a block's closing fence, or line 2 of a one-line `--set`); else `location`.
    /// - Parameters:
    ///   - location: the mark as a file location; `markLine` the same in `yaml` (1-based).
    ///   - columnShift: file column − YAML column (a block's indentation).
    static func endOfInput(_ location: SourceLocation, markLine: Int, in yaml: String, columnShift: Int) -> SourceLocation {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard let last = lines.lastIndex(where: { !$0.allSatisfy(\.isWhitespace) }), markLine - 1 > last else { return location }
        let text = lines[last]
        let end = text.count - text.reversed().prefix(while: \.isWhitespace).count + 1
        return SourceLocation(file: location.file, line: location.line - (markLine - 1 - last), column: end + columnShift)
    }

    /// The hint for libyaml's "did not find expected node content": a value is missing where
    /// the mark is (after a `,` or `:` inside `[…]`/`{…}`, before a closing bracket, or at the
    /// end of a collection left open); nil for other problems.
    static func missingValueHint(problem: String) -> String? {
        guard problem.hasPrefix("did not find expected node content") else { return nil }
        return "hint: a value is missing here: drop a trailing comma (`[4, 8,]` → `[4, 8]`), give the key its value, or close the [ or { left open"
    }

    static func aliasKeyError(at location: SourceLocation, block: String) -> SpecError {
        SpecError(location: location, block: block, path: "",
                  message: "YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
    }

    private func aliasError(at location: SourceLocation, path: String) -> SpecError {
        SpecError(location: location, block: block, path: path,
                  message: "YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
    }
}
