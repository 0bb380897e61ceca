import Foundation
import XCTest

/// A `--self-contained` page in headless Chromium, offline: every math element is typeset by
/// KaTeX and the console stays clean.
final class BrowserTests: XCTestCase {
    static func chromium() -> String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    func testSelfContainedPageTypesetsEveryFormulaOffline() throws {
        guard let chromium = Self.chromium() else {
            print("BrowserTests: skipped, Chromium is not installed (make test-deps installs it)")
            throw XCTSkip("Chromium is not installed (apt-get install chromium)")
        }
        guard FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js")
                || ProcessInfo.processInfo.environment["DEPTHBOOK_KATEX_DIR"] != nil else {
            print("BrowserTests: skipped, KaTeX is not installed")
            throw XCTSkip("KaTeX is not installed (apt-get install libjs-katex fonts-katex)")
        }
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notebook = directory.appendingPathComponent("formulas.md")
        try """
            # Formulas

            Inline $a^2 + b^2 = c^2$, then $j<k$ and $\\{x\\}$, and one KaTeX cannot parse: $\\frac{1}{$.

            $$
            \\sum_{\\ell=1}^{L} L^{-1/2}\\, W_\\ell \\phi(h_{\\ell-1})
            $$

            - in a list: $\\eta^* \\propto L^{-\\gamma}$
              $$
              x
              - y
              $$

            > quoted $E = mc^2$

            \\begin{align}
            a &= b \\\\
            c &= d
            \\end{align}

            """.write(to: notebook, atomically: true, encoding: .utf8)
        let page = directory.appendingPathComponent("formulas.html")
        let render = try CommandRunner.run(["render", notebook.path, "--self-contained", "-o", page.path, "--quiet"])
        XCTAssertEqual(render.status, 0, render.stderr)
        let source = try String(contentsOf: page, encoding: .utf8)
        let mathCount = source.components(separatedBy: "<span class=\"math ").count - 1
        XCTAssertEqual(mathCount, 9)

        let browser = try CommandRunner.run([
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            // No network: every host resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server",
            "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
            "--dump-dom", page.absoluteString,
        ], program: URL(fileURLWithPath: chromium))
        let dom = browser.stdout, log = browser.stderr
        XCTAssertEqual(browser.status, 0, log)

        // Each math span now starts with KaTeX's output.
        let spans = dom.components(separatedBy: "<span class=\"math ").dropFirst()
        XCTAssertEqual(spans.count, mathCount)
        for (index, span) in spans.enumerated() {
            let head = span.prefix(200)
            XCTAssertTrue(head.contains("<span class=\"katex"), "math element \(index + 1) not typeset: \(head)")
        }
        XCTAssertEqual(dom.components(separatedBy: "class=\"katex-error\"").count - 1, 1, "the one bad formula shows its error in place")
        let consoleLines = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertEqual(consoleLines, [], "console messages")
    }
}
