import Foundation

/// Parameters from the command line: `--set KEY=VALUE`, a YAML value at a dotted path into every
/// experiment block or into the front matter (as Quarto's `-P` and papermill's `-p`).
///
/// The first key of the path says where it goes:
/// - a block key (`train.steps=50`, `model.depth=[4, 8]`, `scales.ci.train.steps=5`): merged over
///   every block, above every layer of the merge order (defaults < defaults' scale < block <
///   block's scale < `--set`), so the command line wins;
/// - `defaults.…` (`defaults.train.seeds=[0, 1]`): merged over the front matter's `defaults:`,
///   so a block's own key still beats it;
/// - any other front-matter key (`title="Draft"`, `scale=ci`, `show-source=false`): replaces it.
///   `title` is the page's title (a block's `title:` is no parameter).
///
/// VALUE is YAML, read like the notebook's own (`50` a number, `[0, 1]` a list, `2^-9` a rate),
/// and validated by the same decoders: an unknown key gets "did you mean", a bad value its
/// range. Every location is `--set[N]:1:COLUMN`, N counting the `--set`s from 1 and COLUMN the
/// character of `KEY=VALUE` where the offending key or value starts.
///
/// ```
/// $ depthbook render notes.md --set train.steps=50 --set 'defaults.train.seeds=[0, 1]'
/// $ depthbook check notes.md --set train.stesp=5
/// --set[1]:1:7: block lr-transfer: train.stesp: unknown key stesp; did you mean steps?
/// ```
public struct Parameters: Sendable, Hashable {
    /// One front-matter key to replace, with its YAML text and where that text starts.
    public struct FrontMatterValue: Sendable, Hashable {
        public var key: String
        public var yaml: String
        public var keyLocation: SourceLocation
        public var valueLocation: SourceLocation
    }

    /// Keys merged over every block, after its scales (nil: none).
    public var block: SpecNode?
    /// Keys merged over the front matter's `defaults:` (nil: none).
    public var defaults: SpecNode?
    /// Other front-matter keys, in command-line order (a later one wins).
    public var frontMatter: [FrontMatterValue] = []

    public init() {}

    /// Whether no `--set` was given.
    public var isEmpty: Bool { block == nil && defaults == nil && frontMatter.isEmpty }

    /// Parses the `--set` arguments, in order (a later one wins where two set the same key).
    ///
    /// - Throws: ``NotebookError/located(_:message:hint:)`` at `--set[N]:1:COLUMN` for a missing
    ///   `=` or value, an empty or malformed key, a first key that is neither a block nor a
    ///   front-matter key ("did you mean"), a path below a front-matter scalar; ``SpecError`` for
    ///   YAML the block decoder refuses (syntax, aliases, duplicate keys).
    public static func parse(_ arguments: [String]) throws -> Parameters {
        var parameters = Parameters()
        for (offset, argument) in arguments.enumerated() {
            let file = "--set[\(offset + 1)]"
            func at(_ column: Int) -> SourceLocation { SourceLocation(file: file, line: 1, column: column) }
            guard let equals = argument.firstIndex(of: "=") else {
                throw NotebookError.located(at(1), message: "expected KEY=VALUE, got \"\(argument)\"",
                                            hint: "hint: write --set train.steps=50 (a YAML path into every block, or defaults.… or a front-matter key)")
            }
            let key = String(argument[..<equals])
            let yaml = String(argument[argument.index(after: equals)...])
            let valueColumn = key.count + 2
            // Each segment and the column where it starts.
            var segments: [(name: String, column: Int)] = []
            var column = 1
            for part in key.split(separator: ".", omittingEmptySubsequences: false) {
                guard !part.isEmpty, part.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                    throw NotebookError.located(at(column), message: "\(key.isEmpty ? "no key before =" : "malformed key \"\(key)\"")",
                                                hint: "hint: a key is a dotted path of names, e.g. train.steps or defaults.model.width")
                }
                segments.append((String(part), column))
                column += part.count + 1
            }
            guard !yaml.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw NotebookError.located(at(valueColumn), message: "\(key) has no value after =",
                                            hint: "hint: write --set \(key)=VALUE (YAML: 50, [0, 1], {steps: 5}, \"text\")")
            }
            let first = segments[0].name
            let frontMatterOnly = FrontMatter.knownKeys.filter { $0 != "defaults" }
            if first == "defaults" || (ExperimentSpec.topLevelKeys.contains(first) && !frontMatterOnly.contains(first)) {
                let path = first == "defaults" ? Array(segments.dropFirst()) : segments
                // No block owns a `--set` value: its errors are `--set[N]:1:C: KEY: …`, not "block --set".
                let value: SpecNode
                do {
                    value = try SpecNode.compose(yaml: yaml, origin: at(valueColumn), block: "")
                } catch var error as SpecError where error.path.isEmpty {
                    error.path = key
                    throw error
                }
                // `defaults=…` alone sets the whole mapping.
                var node = value
                for segment in path.reversed() {
                    node = .mapping([SpecEntry(key: segment.name, keyLocation: at(segment.column), value: node)], at(segment.column))
                }
                if first == "defaults" {
                    parameters.defaults = parameters.defaults.map { $0.merged(with: node) } ?? node
                } else {
                    parameters.block = parameters.block.map { $0.merged(with: node) } ?? node
                }
            } else if frontMatterOnly.contains(first) {
                guard segments.count == 1 else {
                    throw NotebookError.located(at(segments[1].column), message: "\(first) takes one value, not keys below it",
                                                hint: "hint: write --set '\(first)=…' with the whole value")
                }
                parameters.frontMatter.append(FrontMatterValue(key: first, yaml: yaml, keyLocation: at(1), valueLocation: at(valueColumn)))
            } else {
                let known = (ExperimentSpec.topLevelKeys.filter { $0 != "title" } + FrontMatter.knownKeys)
                let near = DidYouMean.suggestion(for: first, among: known).map { "did you mean \($0)? " } ?? ""
                throw NotebookError.located(at(1), message: "unknown key \(first)",
                                            hint: "hint: \(near)a block key (\(ExperimentSpec.topLevelKeys.filter { $0 != "title" }.joined(separator: ", "))), defaults.…, or a front-matter key (\(frontMatterOnly.joined(separator: ", ")))")
            }
        }
        return parameters
    }
}
