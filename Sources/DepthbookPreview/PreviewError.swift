import Foundation

/// Why `depthbook preview` cannot serve: each message says what, where and how to fix it.
public enum PreviewError: Error, CustomStringConvertible, Equatable {
    /// Another process listens on the port.
    case portInUse(host: String, port: Int)
    /// The host cannot be bound (not an address of this machine, or unresolvable).
    case cannotBind(host: String, port: Int, reason: String)
    /// The notebook argument is not a readable file.
    case noNotebook(path: String)

    public var description: String {
        switch self {
        case .portInUse(let host, let port):
            return "\(host):\(port): port \(port) is already in use; hint: pass --port N for another port, or --port 0 for any free one"
        case .cannotBind(let host, let port, let reason):
            return "\(host):\(port): cannot listen: \(reason); hint: --host 127.0.0.1 (the default) serves this machine only"
        case .noNotebook(let path):
            return "\(path): no such notebook or folder; hint: pass a .md file, or a folder of them (a book)"
        }
    }
}
