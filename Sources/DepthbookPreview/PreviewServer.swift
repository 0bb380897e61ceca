import Foundation
import Hummingbird
import Logging
import NIOCore

/// What a request path names: the page, the event stream, the live script, one of the page's
/// assets, or nothing.
enum PreviewRoute: Equatable {
    case page
    case events
    case liveScript
    /// An asset by its path relative to the page (`notes_files/katex.min.js`).
    case asset(String)
    case notFound

    /// Resolves a request path (as sent, percent-encoded) against the page's name and assets.
    ///
    /// Nothing is read from the file system by URL: assets are the rendered page's own files,
    /// held in memory and found by exact name, so a path can only name one of them. On top of
    /// that, a path with a `.` or `..` segment (also percent-encoded, `%2e%2e`), an empty
    /// segment (`//etc/passwd`), a backslash, a NUL or invalid percent-encoding is refused
    /// before the lookup: it is never a link the page makes.
    static func resolve(_ rawPath: String, pageName: String, assets: Set<String>) -> PreviewRoute {
        let path = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path.hasPrefix("/"), let decoded = path.removingPercentEncoding,
              !decoded.contains("\\"), !decoded.contains("\0") else { return .notFound }
        let segments = decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if decoded != "/", segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) { return .notFound }
        switch decoded {
        case "/", "/index.html", "/\(pageName).html": return .page
        case LiveScript.eventsPath: return .events
        case LiveScript.path: return .liveScript
        default:
            let relative = String(decoded.dropFirst())
            return assets.contains(relative) ? .asset(relative) : .notFound
        }
    }
}

/// The HTTP side of `depthbook preview` (Hummingbird 2): the page, its assets, the live script
/// and the event stream of a ``PreviewSession``; everything else is 404.
public final class PreviewServer: Sendable {
    public let session: PreviewSession
    public let host: String
    public let port: Int

    public init(session: PreviewSession, host: String = "127.0.0.1", port: Int) {
        self.session = session
        self.host = host
        self.port = port
    }

    /// Whether `host` binds this machine only (127.0.0.0/8, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Serves until the calling task is cancelled.
    ///
    /// - Parameter onListening: called once with the bound port (the free one `port: 0` got).
    /// - Throws: ``PreviewError/portInUse(host:port:)``, ``PreviewError/cannotBind(host:port:reason:)``.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        let session = self.session
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            Self.respond(to: request, session: session)
        }
        var logger = Logger(label: "depthbook-preview")
        logger.logLevel = .critical
        let port = self.port
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        do {
            // No signal handling here: the command owns Ctrl-C (stop points, then the server).
            try await app.runService(gracefulShutdownSignals: [])
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw PreviewError.portInUse(host: host, port: port)
        } catch let error as IOError {
            throw PreviewError.cannotBind(host: host, port: port, reason: String(cString: strerror(error.errnoCode)))
        } catch let error as SocketAddressError {
            throw PreviewError.cannotBind(host: host, port: port, reason: "\(error)")
        }
    }

    static func respond(to request: Request, session: PreviewSession) -> Response {
        guard request.method == .get || request.method == .head else {
            return Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD"], body: .init(byteBuffer: ByteBuffer(string: "method not allowed\n")))
        }
        let state = session.snapshot()
        switch PreviewRoute.resolve(request.uri.path, pageName: session.pageName, assets: Set(state.assets.keys)) {
        case .page:
            let html = state.html.map { LiveScript.inject(into: $0, version: state.version, errors: state.errors) }
                ?? LiveScript.placeholderPage(title: session.pageName, version: state.version, errors: state.errors)
            return Self.file(Data(html.utf8), type: "text/html; charset=utf-8")
        case .liveScript:
            return Self.file(Data(LiveScript.source.utf8), type: "text/javascript; charset=utf-8")
        case .asset(let name):
            return Self.file(state.assets[name] ?? Data(), type: Self.contentType(of: name))
        case .events:
            let stream = session.subscribe()
            let body = ResponseBody { writer in
                for await event in stream {
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        case .notFound:
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
        }
    }

    static func file(_ data: Data, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store", .init("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func contentType(of name: String) -> String {
        switch URL(fileURLWithPath: name).pathExtension.lowercased() {
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "ttf": return "font/ttf"
        case "svg": return "image/svg+xml"
        case "json": return "application/json"
        case "csv": return "text/csv; charset=utf-8"
        case "html": return "text/html; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
