/// Errors of the DepthMuP engine; each message says what was wrong, where, and how to fix it.
public enum DepthMuPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A data file could not be opened.
    case fileNotFound(path: String)
    /// A data file was shorter than its header promised.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// A data file's IDX magic number was not the expected one.
    case wrongMagic(path: String, expected: UInt32, found: UInt32)
    /// An IDX file had an unexpected shape or the two files disagree.
    case malformed(path: String, reason: String)
    /// A configuration value was out of range.
    case invalidConfig(String)
    /// `shouldStop` returned true.
    case cancelled(step: Int)

    /// One sentence of what, where, and how to fix.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file, or it cannot be read; check the path (Fashion-MNIST comes with Debian's dataset-fashion-mnist)"
        case .truncated(let path, let expected, let actual):
            return "\(path): truncated IDX file: header promises \(expected) data bytes but only \(actual) were read; re-download the file"
        case .wrongMagic(let path, let expected, let found):
            var hint = "check that the path points at the right IDX file"
            if expected == 0x803 && found == 0x801 { hint = "this is a label file: did you swap IMAGES and LABELS?" }
            if expected == 0x801 && found == 0x803 { hint = "this is an image file: did you swap IMAGES and LABELS?" }
            return "\(path): wrong IDX magic number 0x\(String(found, radix: 16)) (expected 0x\(String(expected, radix: 16))); \(hint)"
        case .malformed(let path, let reason):
            return "\(path): \(reason)"
        case .invalidConfig(let message):
            return "invalid configuration: \(message)"
        case .cancelled(let step):
            return "training cancelled at step \(step) (shouldStop returned true)"
        }
    }
}
