/// Everything that can be wrong with a notebook file, each case located in the original file.
///
/// Messages follow `file:line:col: what; hint`, so editors can jump to the place and the author
/// knows how to fix it. Every case is bad input: the CLI maps all of them to exit code 2.
public enum NotebookError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read (missing, permissions, a directory).
    case unreadable(file: String, reason: String, hint: String)
    /// The file holds a NUL byte or is not valid UTF-8, first at the location (of that byte).
    case binary(SourceLocation, reason: String)
    /// The file has no Markdown content (empty or whitespace only); located at 1:1.
    case empty(file: String)
    /// A located problem: front matter, an experiment fence, a duplicate id.
    case located(SourceLocation, message: String, hint: String?)

    public var description: String {
        switch self {
        case let .unreadable(file, reason, hint):
            return "\(file): \(reason); \(hint)"
        case let .binary(location, reason):
            return "\(location): \(reason); hint: a notebook is a UTF-8 Markdown text file"
        case let .empty(file):
            return "\(file):1:1: the notebook is empty; hint: write some Markdown (prose, math, experiment blocks)"
        case let .located(location, message, hint):
            if let hint { return "\(location): \(message); \(hint)" }
            return "\(location): \(message)"
        }
    }
}

extension NotebookError: LocatedError {
    public var sourceLocation: SourceLocation? {
        switch self {
        case .located(let location, _, _), .binary(let location, _): return location
        case .empty(let file): return SourceLocation(file: file, line: 1, column: 1)
        case .unreadable: return nil
        }
    }
}
