/// A position in a notebook file, as a person counts it: 1-based line and column.
///
/// Lines and columns refer to the original file, after the UTF-8 BOM is dropped and CRLF is read as
/// LF. Columns count Unicode scalars (so a tab is one column), matching cmark's
/// `cmark_node_get_start_column` for ASCII input.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The path as the user gave it (e.g. `notes.md`).
    public var file: String
    /// 1-based line number in the original file.
    public var line: Int
    /// 1-based column number.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`, the prefix of every located error message.
    public var description: String { "\(file):\(line):\(column)" }
}

/// A span of a notebook file from `start` to `end`, both inclusive.
public struct SourceRange: Hashable, Sendable, Codable {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(start: SourceLocation, end: SourceLocation) {
        self.start = start
        self.end = end
    }
}

/// An error that knows where in a file it is, so a list of them can be put in source order.
public protocol LocatedError: Error {
    /// Where the error is; nil for one about the whole file (unreadable, empty).
    var sourceLocation: SourceLocation? { get }
}

extension Array where Element == Error {
    /// The errors in source order (line, then column), stably: those of `file` by their place,
    /// those elsewhere (`--set[N]`) or of the whole file first, in the order they came.
    public func inSourceOrder(of file: String) -> [Error] {
        func key(_ error: Error) -> (Int, Int) {
            guard let location = (error as? LocatedError)?.sourceLocation, location.file == file else { return (0, 0) }
            return (location.line, location.column)
        }
        return enumerated().sorted { a, b in
            let keyA = key(a.element), keyB = key(b.element)
            return keyA != keyB ? keyA < keyB : a.offset < b.offset
        }.map(\.element)
    }
}
