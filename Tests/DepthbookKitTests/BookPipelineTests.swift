import DepthbookKit
import Foundation
import Notebook
import Render
import Runner
import TestSupport
import XCTest

/// A book rendered through the library with the fake engine: order, navigation, the index
/// with live headlines and the introduction, checks before runs, one all-or-nothing write.
final class BookPipelineTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("depthbookkit-book")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, _ name: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// `b.md` (``NotebookPipelineTests/notebook`` with front matter) comes first by `order:`; its
    /// headline quotes its sweep's best rate.
    func writeBook() throws {
        try write("""
            ---
            title: Rates
            order: 1
            description: A sweep.
            headline: "Best rate {{lr.best_lr}}."
            ---

            """ + NotebookPipelineTests.notebook, "b.md")
        try write("""
            ---
            order: 2
            ---
            # Depths

            Prose only.
            """, "a.md")
        try write("""
            ---
            title: My book
            ---
            Read these in order.
            """, "index.md")
    }

    func testBookRendersPagesWithNavigationAndAnIndexOfLiveHeadlines() throws {
        try writeBook()
        let out = directory.appendingPathComponent("out").path
        let fake = FakeExecutor()
        var request = BookRequest(folder: directory.path, outputFolder: out)
        request.page.selfContained = true
        let pipeline = NotebookPipeline(executors: .always(fake))
        let book = try pipeline.renderBook(request)

        XCTAssertEqual(fake.runCount, 3)
        XCTAssertEqual(book.pages.map(\.destination), [out + "/b.html", out + "/a.html"])
        XCTAssertEqual(book.failures, [])
        XCTAssertEqual(book.results.count, 1)
        XCTAssertEqual(book.indexPath, out + "/index.html")

        let first = book.pages[0].rendered.page.html
        let second = book.pages[1].rendered.page.html
        XCTAssertTrue(first.contains("<nav class=\"book-nav\" aria-label=\"Book\"><a rel=\"index\" href=\"index.html\">Contents</a> <a rel=\"next\" href=\"a.html\">2. Depths →</a></nav>"), first)
        XCTAssertFalse(first.contains("rel=\"prev\""))
        XCTAssertTrue(second.contains("<a rel=\"prev\" href=\"b.html\">← 1. Rates</a>"), second)
        XCTAssertFalse(second.contains("rel=\"next\""))
        // The figure links the page's results JSON, which is written beside it.
        XCTAssertTrue(first.contains("href=\"b.results.json\""), first)
        XCTAssertEqual(book.pages[0].rendered.sideFiles.map(\.name), ["b.results.json", "b.lr.best-lr.csv"])

        XCTAssertTrue(book.indexHTML.contains("<title>My book</title>"), book.indexHTML)
        XCTAssertTrue(book.indexHTML.contains("Read these in order."))
        XCTAssertTrue(book.indexHTML.contains("Best rate <span class=\"reference\" title=\"lr.best_lr\">2⁻⁶</span>."), book.indexHTML)
        XCTAssertLessThan(book.indexHTML.range(of: "b.html")!.lowerBound, book.indexHTML.range(of: "a.html")!.lowerBound)

        // Nothing is written until writeBook, which writes every page, side file and the index.
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/index.html"))
        try pipeline.writeBook(book)
        for name in ["index.html", "a.html", "b.html", "b.results.json", "b.lr.best-lr.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        XCTAssertEqual(try String(contentsOfFile: out + "/index.html", encoding: .utf8), book.indexHTML)
    }

    func testBadChapterStopsTheBookBeforeAnythingRuns() throws {
        try writeBook()
        try write("# Typo\n\nSee {{nope.best_lr}}.\n", "c.md")
        let fake = FakeExecutor()
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(fake)).renderBook(BookRequest(folder: directory.path))) { error in
            XCTAssertTrue("\(error)".contains("c.md:3:"), "\(error)")
        }
        XCTAssertEqual(fake.runCount, 0)
    }
}
