import Foundation
import XCTest

/// A running `depthbook preview` (the built binary) on a free port.
final class PreviewProcess {
    let process = Process()
    let url: String
    private let errors: URL

    init(_ arguments: [String], in directory: URL) throws {
        process.executableURL = try CommandRunner.executable()
        process.arguments = ["preview"] + arguments + ["--port", "0"]
        process.currentDirectoryURL = directory
        let out = Pipe()
        errors = directory.appendingPathComponent("preview.stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // The first line is `preview: http://127.0.0.1:PORT/  (Ctrl-C stops)`.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let start = text.range(of: "http://"), let end = text[start.lowerBound...].firstIndex(of: " ") else {
            process.terminate()
            throw XCTSkip("preview printed no URL: \(text) \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        }
        url = String(text[start.lowerBound..<end])
    }

    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Ctrl-C; returns the exit status.
    func interrupt() -> Int32 {
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); return -1 }
        return process.terminationStatus
    }
}

/// `depthbook preview` end to end: the built binary, headless Chromium over DevTools.
final class PreviewTests: XCTestCase {
    static let notebook = """
        ---
        title: Live
        ---
        Words before the edit.

        ```experiment {#sweep}
        data: {name: teacher, train: 64, test: 0}
        model: {width: 8, depth: [2, 4]}
        optimizer: {lr: [0.001, 0.01]}
        train: {steps: 5, batch: 8}
        show: [loss-table]
        ```

        """

    func testEditsUpdateTheOpenPageErrorsOverlayAndClear() throws {
        guard let chromium = BrowserTests.chromium() else {
            print("PreviewTests: skipped, Chromium is not installed (make test-deps installs it)")
            throw XCTSkip("Chromium is not installed (apt-get install chromium)")
        }
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notebook = directory.appendingPathComponent("live.md")
        try Self.notebook.write(to: notebook, atomically: false, encoding: .utf8)
        let preview = try PreviewProcess(["live.md", "--jobs", "1"], in: directory)
        var stopped = false
        defer { if !stopped { _ = preview.interrupt() } }
        let browser = try DevToolsBrowser(chromium: chromium, profile: directory.appendingPathComponent("profile"))
        try browser.open(preview.url)
        XCTAssertNotNil(try browser.waitFor("document.body && document.body.innerText.includes('Words before the edit.') && !document.body.innerText.includes('Running:')"),
                        preview.stderr)
        // Marks this window: a reload would lose it.
        try browser.evaluate("window.__notReloaded = true; window.scrollTo(0, 0); true")

        try Self.notebook.replacingOccurrences(of: "Words before the edit.", with: "Words after the edit.")
            .write(to: notebook, atomically: false, encoding: .utf8)
        XCTAssertNotNil(try browser.waitFor("document.body.innerText.includes('Words after the edit.')"), preview.stderr)
        XCTAssertEqual(try browser.evaluate("window.__notReloaded === true") as? Bool, true, "updated in place, not reloaded")

        // Line 8 of the file is `model: …`: a bad value there is reported at 8:col.
        try Self.notebook.replacingOccurrences(of: "width: 8", with: "width: wide")
            .write(to: notebook, atomically: false, encoding: .utf8)
        let overlay = try browser.waitFor("(document.getElementById('depthbook-overlay') || {}).textContent")
        let text = try XCTUnwrap(overlay as? String, preview.stderr)
        XCTAssertTrue(text.contains("live.md:8:"), text)
        XCTAssertTrue(text.contains("model.width"), text)
        XCTAssertTrue(preview.stderr.contains("live.md:8:"), "the terminal shows it too")

        try Self.notebook.write(to: notebook, atomically: false, encoding: .utf8)
        XCTAssertNotNil(try browser.waitFor("!document.getElementById('depthbook-overlay') && document.body.innerText.includes('Words before the edit.')"))
        XCTAssertEqual(try browser.evaluate("window.__notReloaded === true") as? Bool, true)

        // A slower block (about 1.5 s on one core): partial results (a progress bar,
        // "Running") show before it ends.
        try Self.notebook.replacingOccurrences(of: "steps: 5, batch: 8", with: "steps: 150, batch: 32")
            .replacingOccurrences(of: "width: 8, depth: [2, 4]", with: "width: 64, depth: [8, 16]")
            .replacingOccurrences(of: "train: 64", with: "train: 256")
            .write(to: notebook, atomically: false, encoding: .utf8)
        XCTAssertNotNil(try browser.waitFor("document.querySelector('.depthbook-progress') && document.body.innerText.includes('Running:')"),
                        preview.stderr)
        XCTAssertNotNil(try browser.waitFor("!document.querySelector('.depthbook-progress') && !document.body.innerText.includes('Running:')", timeout: 60),
                        preview.stderr)

        stopped = true
        XCTAssertEqual(preview.interrupt(), 130, preview.stderr)
    }

    func testPortTakenIsAClearError() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "# Hi\n".write(to: directory.appendingPathComponent("a.md"), atomically: false, encoding: .utf8)
        let first = try PreviewProcess(["a.md"], in: directory)
        defer { _ = first.interrupt() }
        let port = try XCTUnwrap(first.url.split(separator: ":").last?.dropLast(1))
        let second = try CommandRunner.run(["preview", "a.md", "--port", String(port)], in: directory)
        XCTAssertEqual(second.status, 2, second.stderr)
        XCTAssertTrue(second.stderr.contains("port \(port) is already in use"), second.stderr)
        XCTAssertTrue(second.stderr.contains("--port 0"), second.stderr)

        let exposed = try PreviewProcess(["a.md", "--host", "0.0.0.0"], in: directory)
        XCTAssertEqual(exposed.interrupt(), 130)
        XCTAssertTrue(exposed.stderr.contains("warning: --host 0.0.0.0"), exposed.stderr)
    }
}
