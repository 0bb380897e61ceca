import Foundation
import Hummingbird
import Logging
import NIOCore

/// What a request path names: a page, the event stream, the live script, one of the pages'
/// assets, or nothing.
enum PreviewRoute: Equatable {
    /// A page by its path without the leading `/` (`""`, `index.html`, `notes.html`).
    case page(String)
    case events
    case liveScript
    /// An asset by its path relative to the page (`notes_files/katex.min.js`).
    case asset(String)
    case notFound

    /// Resolves a request path (as sent, percent-encoded) against the site's pages and assets.
    ///
    /// Nothing is read from the file system by URL: assets are the rendered page's own files,
    /// held in memory and found by exact name, so a path can only name one of them. On top of
    /// that, a path with a `.` or `..` segment (also percent-encoded, `%2e%2e`), an empty
    /// segment (`//etc/passwd`), a backslash, a NUL or invalid percent-encoding is refused
    /// before the lookup: it is never a link the page makes.
    ///
    /// - Parameter isPage: whether a decoded path without its leading `/` names a page.
    static func resolve(_ rawPath: String, isPage: (String) -> Bool, assets: Set<String>) -> PreviewRoute {
        let path = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path.hasPrefix("/"), let decoded = path.removingPercentEncoding,
              !decoded.contains("\\"), !decoded.contains("\0") else { return .notFound }
        let segments = decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if decoded != "/", segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) { return .notFound }
        let relative = String(decoded.dropFirst())
        switch decoded {
        case LiveScript.eventsPath: return .events
        case LiveScript.path: return .liveScript
        case _ where isPage(relative): return .page(relative)
        default: return assets.contains(relative) ? .asset(relative) : .notFound
        }
    }
}

/// Which `Host` headers the server answers: a guard against DNS rebinding.
///
/// A page on `evil.example` whose name the attacker re-points at 127.0.0.1 makes the browser
/// send it requests that reach the preview and read the answers (same origin, as far as the
/// browser knows); they still say `Host: evil.example:PORT`. So a request is answered only when
/// its Host names this server: `127.0.0.1`, `localhost` or `[::1]` (any name of a loopback
/// bind, the only names a browser on this machine uses for it), the `--host` given, and, for a
/// wildcard bind (`0.0.0.0`, `::`), any IP literal (an IP is its own origin: no name to
/// rebind). The port, when the Host has one, must be the bound port. Everything else gets
/// 403 with a hint; so does a request without a Host (HTTP/1.1 requires one).
struct HostCheck: Sendable {
    /// The allowed names, lowercased, IPv6 in brackets (`[::1]`).
    let names: Set<String>
    /// A wildcard bind: also any IP-literal Host.
    let anyAddress: Bool

    init(host: String) {
        let bound = host.lowercased()
        let bracketed = bound.contains(":") && !bound.hasPrefix("[") ? "[\(bound)]" : bound
        names = ["127.0.0.1", "localhost", "[::1]", bracketed]
        anyAddress = bound == "0.0.0.0" || bound == "::" || bound == "[::]"
    }

    /// Whether a request with `Host: authority` to `port` is answered.
    func allows(_ authority: String?, port: Int) -> Bool {
        guard let authority = authority?.lowercased(), !authority.isEmpty else { return false }
        // `name:port`, `[v6]:port`, or either without a port.
        var name = authority
        var given: Substring?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            name = String(authority[..<colon])
            given = authority[authority.index(after: colon)...]
        }
        if let given, Int(given) != port { return false }
        if names.contains(name) { return true }
        guard anyAddress else { return false }
        let bare = name.hasPrefix("[") && name.hasSuffix("]") ? String(name.dropFirst().dropLast()) : name
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }
}

/// The HTTP side of `depthbook preview` (Hummingbird 2): the pages of a ``PreviewSite``, their
/// assets, the live script and each page's event stream; everything else is 404, and a request
/// whose Host is not this server's is 403 (``HostCheck``).
public final class PreviewServer: Sendable {
    public let site: any PreviewSite
    public let host: String
    public let port: Int

    public init(site: any PreviewSite, host: String = "127.0.0.1", port: Int) {
        self.site = site
        self.host = host
        self.port = port
    }

    public convenience init(session: PreviewSession, host: String = "127.0.0.1", port: Int) {
        self.init(site: session, host: host, port: port)
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
        let site = self.site
        let check = HostCheck(host: host)
        let port = self.port
        let bound = BoundPort(port)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            guard check.allows(request.head.authority, port: bound.value) else {
                return Self.forbidden(host: request.head.authority, port: bound.value)
            }
            return Self.respond(to: request, site: site)
        }
        var logger = Logger(label: "depthbook-preview")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let actual = channel.localAddress?.port ?? port
                bound.set(actual)
                onListening(actual)
            },
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

    /// 403 for a request whose Host is not this server's (``HostCheck``), saying which to use.
    static func forbidden(host: String?, port: Int) -> Response {
        let message = "forbidden: Host \(host.map { "'\($0)'" } ?? "(none)") is not this preview's address "
            + "(DNS rebinding guard); hint: open http://127.0.0.1:\(port)/, or start the preview with --host NAME to serve it as NAME\n"
        return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: message)))
    }

    static func respond(to request: Request, site: any PreviewSite) -> Response {
        guard request.method == .get || request.method == .head else {
            return Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD"], body: .init(byteBuffer: ByteBuffer(string: "method not allowed\n")))
        }
        let pages = site.livePages.map { $0.snapshot() }
        let assets = pages.reduce(into: [String: Data]()) { all, state in all.merge(state.assets) { a, _ in a } }
        let isPage = { (name: String) in site.page(named: name) != nil }
        switch PreviewRoute.resolve(request.uri.path, isPage: isPage, assets: Set(assets.keys)) {
        case .page(let name):
            let state = site.page(named: name)?.snapshot() ?? PreviewState()
            let title = name.isEmpty ? "index" : URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            let html = state.html.map { LiveScript.inject(into: $0, version: state.version, errors: state.errors) }
                ?? LiveScript.placeholderPage(title: title, version: state.version, errors: state.errors)
            return Self.file(Data(html.utf8), type: "text/html; charset=utf-8")
        case .liveScript:
            return Self.file(Data(LiveScript.source.utf8), type: "text/javascript; charset=utf-8")
        case .asset(let name):
            return Self.file(assets[name] ?? Data(), type: Self.contentType(of: name))
        case .events:
            // `?page=/NAME.html`: the page the browser shows (`location.pathname`); `/` without it.
            let target = request.uri.queryParameters["page"].map(String.init) ?? "/"
            guard case .page(let name) = PreviewRoute.resolve(target, isPage: isPage, assets: []),
                  let page = site.page(named: name) else { return Self.notFound() }
            let stream = page.subscribe()
            let body = ResponseBody { writer in
                for await event in stream {
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        case .notFound:
            return Self.notFound()
        }
    }

    static func notFound() -> Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
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

/// The port the server listens on, known once it is bound (`--port 0` picks one).
private final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int
    init(_ port: Int) { self.port = port }
    var value: Int { lock.lock(); defer { lock.unlock() }; return port }
    func set(_ port: Int) { lock.lock(); self.port = port; lock.unlock() }
}
