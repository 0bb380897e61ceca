import Foundation
import XCTest

/// `depthbook render FOLDER -o OUT/`: pages in order, an index quoting each headline live,
/// contents and neighbour links; bad input is a located error.
final class BookCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CommandRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, to name: String) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func notebook(title: String, order: Int) -> String {
        """
        ---
        title: \(title)
        order: \(order)
        headline: "\(title) ran {{runs.points}} points."
        ---
        Text.

        ```experiment {#runs}
        data: {name: teacher, train: 64, input_dim: 8, classes: 2}
        model: {width: 8, depth: [2, 4]}
        train: {steps: 2, batch: 16}
        ```

        """
    }

    func testFolderRendersABookInFrontMatterOrder() throws {
        try write(Self.notebook(title: "Second", order: 2), to: "nb/a-second.md")
        try write(Self.notebook(title: "First", order: 1), to: "nb/b-first.md")
        try write("---\ntitle: The book\n---\nAn introduction with [a link](https://example.org).\n", to: "nb/index.md")
        let result = try CommandRunner.run(["render", "nb", "-o", "out", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = directory.appendingPathComponent("out")
        let listing = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertTrue(Set(listing).isSuperset(of: ["a-second.html", "b-first.html", "index.html", "a-second.results.json", "b-first.results.json"]), "\(listing)")
        XCTAssertFalse(listing.contains("index.results.json"), "index.md is the introduction, not a chapter")
        let index = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(index.contains("<h1>The book</h1>"))
        XCTAssertTrue(index.contains("<a href=\"https://example.org\">a link</a>"))
        let first = try XCTUnwrap(index.range(of: "\"b-first.html\"")), second = try XCTUnwrap(index.range(of: "\"a-second.html\""))
        XCTAssertLessThan(first.lowerBound, second.lowerBound, "order: 1 comes first")
        XCTAssertTrue(index.contains("First ran <span class=\"reference\" title=\"runs.points\">2</span> points."), index)
        let page = try String(contentsOf: out.appendingPathComponent("b-first.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<a rel=\"index\" href=\"index.html\">Contents</a> <a rel=\"next\" href=\"a-second.html\">2. Second →</a>"), page)
        XCTAssertTrue(page.contains("href=\"b-first_files/katex.min.css\"") || !FileManager.default.fileExists(atPath: "/usr/share/javascript/katex"))
        XCTAssertTrue(page.contains("<a href=\"b-first.results.json\">all results (JSON)</a>"))
    }

    /// A folder cannot go to standard output; an empty folder says so; a headline naming an
    /// unknown block is located in the front matter and exits 2.
    func testBookInputErrors() throws {
        try write(Self.notebook(title: "One", order: 1), to: "nb/one.md")
        let stdout = try CommandRunner.run(["render", "nb", "-o", "-"], in: directory)
        XCTAssertEqual(stdout.status, 2)
        XCTAssertTrue(stdout.stderr.contains("a folder renders to a folder of pages; hint:"), stdout.stderr)
        // `-o a.html` made a folder named a.html (fresh-user review): it is refused with a hint.
        let page = try CommandRunner.run(["render", "nb", "-o", "book.html"], in: directory)
        XCTAssertEqual(page.status, 2)
        XCTAssertTrue(page.stderr.hasPrefix("error: book.html: a folder renders to a folder of pages"), page.stderr)
        XCTAssertTrue(page.stderr.contains("hint: give a folder, e.g. -o book/"), page.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("book.html").path))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let empty = try CommandRunner.run(["render", "empty", "-o", "out"], in: directory)
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("empty: no notebooks (*.md) in the folder; hint:"), empty.stderr)
        try write(Self.notebook(title: "One", order: 1).replacingOccurrences(of: "{{runs.points}}", with: "{{nope.points}}"), to: "bad/one.md")
        let bad = try CommandRunner.run(["render", "bad", "-o", "out2", "--quiet"], in: directory)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: bad/one.md:4:11: {{nope.points}}: unknown block \"nope\""), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad/.depthbook").path),
                       "nothing ran: the headline is checked before the experiments")
    }
}
