import Notebook

/// Everything that can go wrong while rendering a page, located where possible.
///
/// Messages follow `file:line:col: what; hint`. A bad template or an unknown inline reference is
/// bad input (exit code 2); so is an unreadable template.
public enum RenderError: Error, CustomStringConvertible {
    /// A located problem (template syntax, unknown inline reference).
    case located(SourceLocation, message: String, hint: String?)
    /// A file could not be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .located(location, message, hint):
            if let hint { return "\(location): \(message); \(hint)" }
            return "\(location): \(message)"
        case let .io(path, reason):
            return "\(path): \(reason)"
        }
    }
}

extension RenderError: LocatedError {
    public var sourceLocation: SourceLocation? {
        if case .located(let location, _, _) = self { return location }
        return nil
    }
}
