import Yams

/// A located error in an experiment block: bad YAML, an unknown key, a wrong type or a value out
/// of range.
///
/// The message reads `file:line:col: block <label>: <key path>: message`, for example
/// `notes.md:15:9: block 2: optimizer.lr[1]: expected number, got "fast"`.
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the offending value (or key) starts in the notebook file.
    public var location: SourceLocation
    /// The block's label: its id, or its 1-based index among experiment blocks; empty for an
    /// error in the front matter's `defaults:` (or `--set defaults.…`), which no block holds.
    public var block: String
    /// Dotted key path with list indices, e.g. `optimizer.lr[1]`; empty for the whole block.
    public var path: String
    /// What was wrong and, where it helps, how to fix it.
    public var message: String

    public init(location: SourceLocation, block: String, path: String, message: String) {
        self.location = location
        self.block = block
        self.path = path
        self.message = message
    }

    public var description: String {
        let owner = block.isEmpty ? "" : "block \(block): "
        return path.isEmpty ? "\(location): \(owner)\(message)" : "\(location): \(owner)\(path): \(message)"
    }

    static func fromYams(_ error: YamlError, yaml: String, locate: (Mark?) -> SourceLocation,
                         block: String) -> SpecError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let at = locate(mark)
            if let context, let flow = YamsConversion.unclosedFlow(
                problem: problem, yaml: yaml, opener: locate(context.mark), openerLine: context.mark.line,
                mark: at, markLine: mark.line, columnShift: at.column - mark.column) {
                return SpecError(location: flow.location, block: block, path: "", message: "invalid YAML: \(flow.message); \(flow.hint)")
            }
            let hint = YamsConversion.tabIndentationHint(in: yaml, line: mark.line - 1)
                ?? YamsConversion.indentationHint(problem: problem, in: yaml, line: mark.line - 1)
                ?? YamsConversion.missingValueHint(problem: problem)
            return SpecError(location: YamsConversion.endOfInput(at, markLine: mark.line, in: yaml, columnShift: at.column - mark.column),
                             block: block, path: "", message: "invalid YAML: \(problem)" + (hint.map { "; " + $0 } ?? ""))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = context.mark
            let firstLocation = locate(first)
            let second = Self.laterOccurrence(of: key, line: first.line, column: first.column, in: yaml)
                .map { SourceLocation(file: firstLocation.file, line: firstLocation.line + $0.line - first.line,
                                      column: firstLocation.column + $0.column - first.column) }
            let lines = second.map { $0.line == firstLocation.line ? "line \($0.line), columns \(firstLocation.column) and \($0.column)"
                                                                   : "lines \(firstLocation.line) and \($0.line)" }
                ?? "line \(firstLocation.line) and a later line"
            return SpecError(location: second ?? firstLocation, block: block, path: "",
                             message: "duplicate key \(key) (\(lines)); keep one of them")
        default:
            return SpecError(location: locate(nil), block: block, path: "", message: "invalid YAML: \(error)")
        }
    }

    /// Finds the repeated key after its first occurrence: the next `key:` at the same column
    /// (block mappings) or later on the same line (flow mappings).
    static func laterOccurrence(of key: String, line firstLineNumber: Int, column firstColumn: Int,
                                in yaml: String) -> (line: Int, column: Int)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard firstLineNumber >= 1, firstLineNumber <= lines.count else { return nil }
        func keyStarts(_ line: [Unicode.Scalar], at index: Int) -> Bool {
            let keyScalars = Array(key.unicodeScalars)
            guard index + keyScalars.count <= line.count,
                  Array(line[index..<index + keyScalars.count]) == keyScalars else { return false }
            var rest = index + keyScalars.count
            while rest < line.count, line[rest] == " " { rest += 1 }
            return rest < line.count && line[rest] == ":"
        }
        let firstLine = Array(lines[firstLineNumber - 1].unicodeScalars)
        var index = firstColumn - 1 + key.unicodeScalars.count
        while index < firstLine.count {
            if keyStarts(firstLine, at: index), index > 0,
               firstLine[index - 1] == " " || firstLine[index - 1] == "," || firstLine[index - 1] == "{" {
                return (firstLineNumber, index + 1)
            }
            index += 1
        }
        for lineNumber in firstLineNumber..<lines.count {
            let line = Array(lines[lineNumber].unicodeScalars)
            if keyStarts(line, at: firstColumn - 1),
               line[..<(firstColumn - 1)].allSatisfy({ $0 == " " || $0 == "-" }) {
                return (lineNumber + 1, firstColumn)
            }
        }
        return nil
    }
}

/// Every error of one experiment block, in source order (line, then column); at least one.
///
/// ``ExperimentSpec/decodeReportingAll(_:defaults:scale:overrides:)`` throws it, so `check`
/// lists two unknown keys, a bad value and an unknown view of one block together.
public struct SpecErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [SpecError]

    /// - Precondition: `errors` is not empty.
    public init(_ errors: [SpecError]) {
        precondition(!errors.isEmpty, "SpecErrors needs at least one error")
        self.errors = errors
    }

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The errors a decode has found so far, shared by the copies of one ``SpecDecoder``.
final class SpecErrorSink: @unchecked Sendable {
    var errors: [SpecError] = []

    /// Thrown by a part of a decode that recorded its errors in the sink: it stops that part,
    /// and its caller goes on with the next key.
    struct Recorded: Error {}
}

extension SpecError: LocatedError {
    public var sourceLocation: SourceLocation? { location }
}
