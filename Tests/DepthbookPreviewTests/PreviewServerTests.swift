import DepthbookKit
import DepthMuP
import Foundation
import Runner
import TestSupport
import XCTest
@testable import DepthbookPreview

/// Notebooks the preview tests serve.
enum PreviewFixtures {
    static let prose = """
        ---
        title: Preview
        ---
        First words.

        """

    /// One block of four fake points (depths 2, 4 × two rates).
    static func block(steps: Int = 2, extra: String = "") -> String {
        """
        ---
        title: Preview
        ---
        Prose before.

        ```experiment {#sweep}
        model: {width: 4, depth: [2, 4]}
        optimizer: {lr: [0.001, 0.01]}
        train: {steps: \(steps), batch: 2}
        show: [loss-table]\(extra)
        ```

        """
    }
}

/// A running server on a free port, stopped by ``stop()``.
final class RunningServer: @unchecked Sendable {
    let session: PreviewSession
    private(set) var port = 0
    private var task: Task<Void, Never>?
    private(set) var failure: Error?

    init(session: PreviewSession, host: String = "127.0.0.1", port: Int = 0) throws {
        self.session = session
        let bound = DispatchSemaphore(value: 0)
        let server = PreviewServer(session: session, host: host, port: port)
        task = Task { [self] in
            do {
                try await server.run { port in self.port = port; bound.signal() }
            } catch is CancellationError {
            } catch {
                self.failure = error
                bound.signal()
            }
        }
        _ = bound.wait(timeout: .now() + 20)
        if let failure { throw failure }
    }

    func stop() {
        session.shutdown()
        task?.cancel()
        let done = DispatchSemaphore(value: 0)
        let task = self.task
        Task { _ = await task?.value; done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }
}

final class PreviewRouteTests: XCTestCase {
    let assets: Set<String> = ["notes_files/katex.min.js", "notes_files/fonts/KaTeX_Main-Regular.woff2"]

    func route(_ path: String) -> PreviewRoute {
        PreviewRoute.resolve(path, isPage: { ["", "index.html", "notes.html"].contains($0) }, assets: assets)
    }

    func testPageEventsScriptAndAssetsResolve() {
        XCTAssertEqual(route("/"), .page(""))
        XCTAssertEqual(route("/notes.html"), .page("notes.html"))
        XCTAssertEqual(route("/index.html?x=1"), .page("index.html"))
        XCTAssertEqual(route("/__depthbook/events"), .events)
        XCTAssertEqual(route("/__depthbook/live.js"), .liveScript)
        XCTAssertEqual(route("/notes_files/katex.min.js"), .asset("notes_files/katex.min.js"))
        XCTAssertEqual(route("/notes_files/fonts/KaTeX%5FMain-Regular.woff2"), .asset("notes_files/fonts/KaTeX_Main-Regular.woff2"))
    }

    func testTraversalAbsoluteAndUnknownPathsAreNotFound() {
        for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/notes_files/../notes.md",
                     "/notes_files/%2e%2e/notes.md", "//etc/passwd", "/etc/passwd", "/notes.md", "/.depthbook/cache",
                     "/notes_files/./katex.min.js", "/notes_files\\katex.min.js", "/%00", "/%zz", "etc/passwd",
                     "http://127.0.0.1/etc/passwd", "/nope", "/notes_files/"] {
            XCTAssertEqual(route(path), .notFound, path)
        }
    }
}

final class PreviewServerTests: XCTestCase {
    func makeNotebook(_ text: String, name: String = "notes.md") throws -> URL {
        let directory = try makeTemporaryDirectory("preview")
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    func session(_ notebook: URL, executor: FakeExecutor = FakeExecutor()) -> PreviewSession {
        var options = PreviewOptions(notebookPath: notebook.path, run: RunOptions(jobs: 1))
        options.pollInterval = 0.02
        options.partialInterval = 0.1
        return PreviewSession(options: options, executors: .always(executor), log: { _ in })
    }

    /// The prose fixture, rendered once and served on a free port.
    func servedProse() throws -> (notebook: URL, session: PreviewSession, server: RunningServer) {
        let notebook = try makeNotebook(PreviewFixtures.prose)
        let session = session(notebook)
        session.start()
        XCTAssertGreaterThanOrEqual(session.waitForVersion(atLeast: 1, timeout: 20), 1)
        return (notebook, session, try RunningServer(session: session))
    }

    func testHTTPServesThePageAndAssetsAndRefusesEverythingElse() throws {
        let (notebook, session, server) = try servedProse()
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        let page = try rawGET(port: server.port, path: "/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("First words."), page.body)
        XCTAssertTrue(page.body.contains(LiveScript.path))
        XCTAssertEqual(try rawGET(port: server.port, path: "/__depthbook/live.js").status, 200)
        if let asset = session.snapshot().assets.keys.first {
            XCTAssertEqual(try rawGET(port: server.port, path: "/" + asset).status, 200, asset)
        }
        // A real file beside the notebook, and the system's: neither is reachable.
        for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/etc/passwd",
                     "/notes.md", "/\(notebook.path)", "/notes_files/../notes.md", "/nope"] {
            let response = try rawGET(port: server.port, path: path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertFalse(response.body.contains("root:"), path)
            XCTAssertFalse(response.body.contains("First words"), path)
        }
    }

    func testPortInUseIsAClearError() throws {
        let notebook = try makeNotebook(PreviewFixtures.prose)
        let first = try RunningServer(session: session(notebook))
        defer { first.stop() }
        XCTAssertThrowsError(try RunningServer(session: session(notebook), port: first.port)) { error in
            XCTAssertEqual(error as? PreviewError, .portInUse(host: "127.0.0.1", port: first.port))
            XCTAssertTrue("\(error)".contains("--port 0"), "\(error)")
        }
    }

    /// DNS rebinding: a loopback server answers only Hosts naming loopback (with its port, or
    /// none); a wildcard bind also IP literals; a DNS name other than localhost never, unless given.
    func testHostHeaderIsCheckedAgainstDNSRebinding() throws {
        let (_, session, server) = try servedProse()
        defer { server.stop() }
        let port = server.port
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "[::1]:\(port)", "127.0.0.1"] {
            let response = try rawGET(port: port, path: "/", host: host)
            XCTAssertEqual(response.status, 200, host)
            XCTAssertTrue(response.body.contains("First words."), host)
        }
        for host in ["evil.example:\(port)", "evil.example", "127.0.0.1.evil.example:\(port)", "localhost:\(port + 1)",
                     "10.0.0.7:\(port)", "127.0.0.1:\(port)@evil.example", ""] {
            for path in ["/", "/__depthbook/events", "/__depthbook/live.js"] {
                let response = try rawGET(port: port, path: path, host: host)
                XCTAssertEqual(response.status, 403, "\(host) \(path)")
                XCTAssertFalse(response.body.contains("First words"), host)
            }
        }
        let missing = try rawGET(port: port, path: "/", host: nil)
        XCTAssertEqual(missing.status, 403)
        XCTAssertTrue(missing.body.contains("hint: open http://127.0.0.1:\(port)/"), missing.body)

        // --host NAME: NAME is accepted too; a wildcard bind takes IP literals, never other names.
        XCTAssertTrue(HostCheck(host: "devbox.lan").allows("devbox.lan:8000", port: 8000))
        XCTAssertTrue(HostCheck(host: "devbox.lan").allows("localhost:8000", port: 8000))
        XCTAssertFalse(HostCheck(host: "devbox.lan").allows("evil.example:8000", port: 8000))
        XCTAssertTrue(HostCheck(host: "192.168.1.5").allows("192.168.1.5:8000", port: 8000))
        XCTAssertTrue(HostCheck(host: "fe80::1").allows("[fe80::1]:8000", port: 8000))
        let wildcard = try RunningServer(session: session, host: "0.0.0.0")
        defer { wildcard.stop() }
        XCTAssertEqual(try rawGET(port: wildcard.port, path: "/", host: "192.168.1.5:\(wildcard.port)").status, 200)
        XCTAssertEqual(try rawGET(port: wildcard.port, path: "/", host: "[fe80::1]:\(wildcard.port)").status, 200)
        XCTAssertEqual(try rawGET(port: wildcard.port, path: "/", host: "evil.example:\(wildcard.port)").status, 403)
    }

    func testLoopbackHosts() {
        XCTAssertTrue(PreviewServer.isLoopback("127.0.0.1"))
        XCTAssertTrue(PreviewServer.isLoopback("localhost"))
        XCTAssertTrue(PreviewServer.isLoopback("::1"))
        XCTAssertFalse(PreviewServer.isLoopback("0.0.0.0"))
        XCTAssertFalse(PreviewServer.isLoopback("::"))
    }
}

final class PreviewSessionTests: XCTestCase {
    func makeNotebook(_ text: String) throws -> URL {
        let url = try makeTemporaryDirectory("preview").appendingPathComponent("notes.md")
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    func session(_ notebook: URL, executor: FakeExecutor) -> PreviewSession {
        var options = PreviewOptions(notebookPath: notebook.path, run: RunOptions(jobs: 1))
        options.pollInterval = 0.02
        options.partialInterval = 0.1
        return PreviewSession(options: options, executors: .always(executor), log: { _ in })
    }

    /// Waits until `condition` holds of the session's state.
    func wait(_ session: PreviewSession, timeout: Double = 20, _ what: String,
              until condition: (PreviewState) -> Bool) -> PreviewState {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let state = session.snapshot()
            if condition(state) { return state }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTFail("timed out waiting for \(what)")
        return session.snapshot()
    }

    func testProseEditBrokenYAMLAndFixEachUpdateThePage() throws {
        let notebook = try makeNotebook(PreviewFixtures.block())
        let executor = FakeExecutor()
        let session = session(notebook, executor: executor)
        session.start()
        defer { session.shutdown() }
        var state = wait(session, "first page") { $0.html?.contains("Prose before.") == true }
        XCTAssertEqual(executor.runCount, 4)
        XCTAssertEqual(state.errors, [])

        try PreviewFixtures.block().replacingOccurrences(of: "Prose before.", with: "Prose after.")
            .write(to: notebook, atomically: false, encoding: .utf8)
        state = wait(session, "prose edit") { $0.html?.contains("Prose after.") == true }
        XCTAssertEqual(executor.runCount, 4, "a prose edit runs nothing")

        // Line 7 of the file is `model: …`; a typo in its key is reported there.
        try PreviewFixtures.block().replacingOccurrences(of: "model:", with: "modle:")
            .write(to: notebook, atomically: false, encoding: .utf8)
        // The watcher may catch the file half-written (empty) first: wait for the typo's error.
        state = wait(session, "error") { $0.errors.first?.contains("modle") == true }
        XCTAssertTrue(state.errors[0].contains("notes.md:7:1"), state.errors[0])
        XCTAssertTrue(state.errors[0].contains("modle"), state.errors[0])
        XCTAssertTrue(state.html?.contains("Prose after.") == true, "the last good page stays under the overlay")

        try PreviewFixtures.block().write(to: notebook, atomically: false, encoding: .utf8)
        state = wait(session, "fixed") { $0.errors.isEmpty && $0.html?.contains("Prose before.") == true }
        XCTAssertEqual(executor.runCount, 4, "fixing the file finds every point in the cache")
    }

    /// Regression: a save caught half-written (an editor truncates, then writes) flashed "the
    /// notebook is empty" in the page, and made tests that wait for one error flaky under load.
    /// The session starts on an empty file that is finished 10 ms later: no error is published.
    func testHalfWrittenSaveShowsNoError() throws {
        let notebook = try makeNotebook("")
        let executor = FakeExecutor()
        let session = session(notebook, executor: executor)
        let errors = ErrorLog()
        session.onPublish { if !session.snapshot().errors.isEmpty { errors.record(session.snapshot().errors) } }
        session.start()
        defer { session.shutdown() }
        Thread.sleep(forTimeInterval: 0.01)
        try PreviewFixtures.block().write(to: notebook, atomically: false, encoding: .utf8)
        let state = wait(session, "the finished save") { $0.html?.contains("Prose before.") == true }
        XCTAssertEqual(state.errors, [])
        XCTAssertEqual(errors.all, [], "the half-written save's error was published")
        // A notebook that stays empty is still an error.
        try "".write(to: notebook, atomically: false, encoding: .utf8)
        let empty = wait(session, "the empty notebook's error") { !$0.errors.isEmpty }
        XCTAssertTrue(empty.errors[0].contains("empty"), empty.errors[0])
        XCTAssertTrue(PreviewSession.changes(notebook.path, from: FileIdentity.stamp(notebook.path) + "x", within: 0))
        XCTAssertFalse(PreviewSession.changes(notebook.path, from: FileIdentity.stamp(notebook.path), within: 0.02))
    }

    func testDataFileChangeReRunsThePoints() throws {
        let notebook = try makeNotebook(PreviewFixtures.block())
        let data = notebook.deletingLastPathComponent().appendingPathComponent("data.txt")
        try "one".write(to: data, atomically: false, encoding: .utf8)
        let executor = FakeExecutor()
        executor.files = [data.path]
        let session = session(notebook, executor: executor)
        session.start()
        defer { session.shutdown() }
        let first = wait(session, "first page") { $0.html != nil }
        XCTAssertEqual(executor.runCount, 4)
        try "two!".write(to: data, atomically: false, encoding: .utf8)
        _ = wait(session, "re-render") { $0.version > first.version && $0.html != nil && executor.runCount == 8 }
        XCTAssertEqual(executor.runCount, 8, "the data's fingerprint changed, so every point runs again")
    }

    func testRunningBlockStreamsPartialResultsAndAnEditCancelsIt() throws {
        let notebook = try makeNotebook(PreviewFixtures.block(steps: 20))
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.01   // 0.2 s a point, 0.8 s the block
        let session = session(notebook, executor: executor)
        let started = Date()
        session.start()
        defer { session.shutdown() }
        let partial = wait(session, "a partial page") { state in
            state.html?.contains("Running:") == true && !state.progress.isEmpty
        }
        let firstPartial = Date().timeIntervalSince(started)
        XCTAssertNil(partial.html?.range(of: "4 of 4 points finished"))
        let progress = try XCTUnwrap(partial.progress["sweep"])
        XCTAssertEqual(progress.total, 4)
        XCTAssertLessThan(firstPartial, 0.6, "partial results arrive before the block's 0.8 s are over")
        let final = wait(session, "the final page") { $0.html?.contains("Running:") == false }
        XCTAssertTrue(final.progress.isEmpty)
        XCTAssertEqual(executor.runCount, 4)

        // Widen the sweep while it runs, then narrow it back: finished points stay cached.
        try PreviewFixtures.block(steps: 20).replacingOccurrences(of: "depth: [2, 4]", with: "depth: [2, 4, 8, 16]")
            .write(to: notebook, atomically: false, encoding: .utf8)
        _ = wait(session, "the wider sweep starts") { $0.progress["sweep"]?.total == 8 }
        try PreviewFixtures.block(steps: 20).write(to: notebook, atomically: false, encoding: .utf8)
        _ = wait(session, "the narrow page") { $0.html?.contains("Running:") == false && $0.progress.isEmpty
            && $0.html?.contains("depth=16") == false }
        XCTAssertLessThan(executor.runCount, 8, "the edit stopped the wider sweep before it finished")
    }
}

final class PreviewEventTests: XCTestCase {
    /// Regression: a run's final page must tell the browser that no block runs any more, or the
    /// progress bars of the partial pages stay up (the end-to-end test hung on that).
    func testPageEventCarriesTheBlocksStillRunning() throws {
        let text = PreviewEvent.page(version: 3, html: "<p>a\nb</p>", errors: [], running: []).serverSentEvent
        XCTAssertTrue(text.hasPrefix("event: page\ndata: {"), text)
        XCTAssertTrue(text.hasSuffix("}\n\n"), text)
        XCTAssertEqual(text.components(separatedBy: "\n").count, 4, "one data line: JSON escapes the newline")
        let json = try XCTUnwrap(text.split(separator: "\n")[1].dropFirst(6).data(using: .utf8))
        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(fields["running"] as? [String], [])
        XCTAssertEqual(fields["version"] as? Int, 3)
        XCTAssertEqual(fields["html"] as? String, "<p>a\nb</p>")
        XCTAssertTrue(PreviewEvent.error(version: 1, messages: ["x"]).serverSentEvent.hasPrefix("event: problem\n"),
                      "not `error`, which EventSource also fires for a lost connection")
    }
}

/// Errors seen by a publish callback (called from the session's threads).
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [[String]] = []
    func record(_ errors: [String]) { lock.lock(); seen.append(errors); lock.unlock() }
    var all: [[String]] { lock.lock(); defer { lock.unlock() }; return seen }
}
