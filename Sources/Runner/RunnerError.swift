/// An error of the Runner: the cache directory cannot be written, or a notebook-level input to a
/// run is wrong.
public struct RunnerError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
