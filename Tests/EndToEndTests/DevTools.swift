import Foundation
import XCTest

/// Headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`.
///
/// Why a pipe and our own few lines instead of a WebSocket client library: with the pipe,
/// Chromium reads commands on fd 3 and writes replies on fd 4, each a JSON message ended by a
/// NUL byte (Chromium's `devtools_pipe_handler`), so no WebSocket framing is needed and the
/// test needs no extra package. `posix_spawn` places the two pipes at fds 3 and 4, which
/// Foundation's `Process` cannot.
final class DevToolsBrowser {
    private let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private var nextID = 0
    private var buffer = Data()
    private var session: String?

    init(chromium: String, profile: URL) throws {
        var toChrome: [Int32] = [0, 0], fromChrome: [Int32] = [0, 0]
        guard pipe(&toChrome) == 0, pipe(&fromChrome) == 0 else { throw XCTSkip("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChrome[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChrome[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile.path)",
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, chromium, &actions, nil, &argv, environ)
        close(toChrome[0]); close(fromChrome[1])
        guard status == 0 else { throw XCTSkip("cannot start \(chromium): \(String(cString: strerror(status)))") }
        pid = child
        commands = toChrome[1]
        replies = fromChrome[0]
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(commands); close(replies)
    }

    /// Sends one command (to the attached page once ``open(_:)`` ran) and returns its `result`.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], toPage: Bool = true) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if toPage, let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        _ = data.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
        while true {
            let reply = try readMessage()
            guard reply["id"] as? Int == nextID else { continue }   // events and older replies
            if let error = reply["error"] { throw XCTSkip("DevTools \(method) failed: \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    private func readMessage() throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = buffer[buffer.startIndex..<end]
                buffer.removeSubrange(buffer.startIndex...end)
                return (try JSONSerialization.jsonObject(with: message) as? [String: Any]) ?? [:]
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(replies, &chunk, chunk.count)
            guard count > 0 else { throw XCTSkip("Chromium closed its DevTools pipe") }
            buffer.append(chunk, count: count)
        }
    }

    /// Opens `url` in a new tab and attaches to it.
    func open(_ url: String) throws {
        let target = try send("Target.createTarget", ["url": url], toPage: false)
        let attached = try send("Target.attachToTarget", ["targetId": target["targetId"] as? String ?? "", "flatten": true], toPage: false)
        session = attached["sessionId"] as? String
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its JSON value.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` until it is truthy; returns its value, or nil after `timeout` seconds.
    func waitFor(_ expression: String, timeout: Double = 20) throws -> Any? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try evaluate(expression), !(value is NSNull) {
                if let flag = value as? Bool, !flag {} else { return value }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }
}
