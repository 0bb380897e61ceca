import Foundation
import Notebook
@testable import Render
import XCTest

/// GFM pipe tables: byte-identical to cmark-gfm's table extension on its 14 examples
/// (`Tests/Fixtures/gfm/tables.json`), and cells whose `|` sits inside math or code.
final class PipeTableTests: XCTestCase {
    struct Example: Decodable {
        var markdown: String
        var html: String
        var line: Int
        var source: String
    }

    func testTheFourteenGFMExamplesAreByteIdentical() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/gfm/tables.json")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: url.path), "\(url.path) is missing")
        let examples = try JSONDecoder().decode([Example].self, from: data)
        XCTAssertEqual(examples.count, 14)
        var identical = 0
        for example in examples {
            let html = try fragment(example.markdown, unsafeHTML: true)
            XCTAssertEqual(html, example.html, "\(example.source):\(example.line)")
            if html == example.html { identical += 1 }
        }
        print("GFM tables: \(identical) of \(examples.count) examples byte-identical to cmark-gfm")
    }

    func testPipesInsideMathAndCodeDoNotSplitCells() throws {
        let html = try fragment("| set | size |\n|:--|--:|\n| $\\{x : |x| < 1\\}$ | `a|b` |\n")
        XCTAssertEqual(html, """
            <table>
            <thead>
            <tr>
            <th align="left">set</th>
            <th align="right">size</th>
            </tr>
            </thead>
            <tbody>
            <tr>
            <td align="left">\(inlineMath("\\{x : |x| < 1\\}"))</td>
            <td align="right"><code>a|b</code></td>
            </tr>
            </tbody>
            </table>

            """)
    }

    /// Cells resolve link references defined anywhere in the page, and a trailing `#` stays.
    func testCellsAreInlineMarkdownOfThePage() throws {
        let html = try fragment("| a | b |\n| - | - |\n| [x] | C# |\n\n[x]: /u\n")
        XCTAssertTrue(html.contains("<td><a href=\"/u\">x</a></td>\n<td>C#</td>"), html)
    }

    func testMismatchedDelimiterRowStaysAParagraph() throws {
        XCTAssertEqual(try fragment("| a | b |\n| - |\n"), "<p>| a | b |\n| - |</p>\n")
    }

    func testTablesInsideListItemsAndQuotes() throws {
        let html = try fragment("> | a |\n> | - |\n> | $x$ |\n")
        XCTAssertEqual(html, "<blockquote>\n<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>\(inlineMath("x"))</td>\n</tr>\n</tbody>\n</table>\n</blockquote>\n")
    }

    /// Fresh-user review: on a 390 px phone a prose table was squeezed to the screen (the table
    /// itself was the scroll box, display: block, so its rows laid out as wide as the box) and
    /// its last column wrapped a word per line. A page now puts each pipe table, caption and
    /// all, in its own scroll box, and the style sheet sizes the table to its content on a
    /// phone, each cell at most 16em; the fragment keeps cmark-gfm's bytes (above).
    /// `BrowserTests.testBookReadsOnAnyScreen` measures the rows in Chromium.
    func testPageWrapsEachProseTableInItsScrollBox() throws {
        let markdown = "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: sizes {#tbl-s}\n\n> | c |\n> | - |\n"
        let page = try PageRenderer.renderPage(notebook: try Notebook.parse(text: markdown, file: "t.md"),
                                               provider: UnexecutedBlocks(), options: pageOptionsWithoutKaTeX())
        XCTAssertTrue(page.html.contains("""
            <div class="table-scroll prose-table">
            <table id="tbl-s">
            <caption>Table 1: sizes</caption>
            """), page.html)
        XCTAssertTrue(page.html.contains("</tbody>\n</table>\n</div>\n<blockquote>\n<div class=\"table-scroll prose-table\">\n<table>\n"), page.html)
        XCTAssertEqual(page.html.components(separatedBy: "<div class=\"table-scroll prose-table\">").count - 1, 2)
        XCTAssertFalse(page.html.contains("\u{E005}") || page.html.contains("\u{E006}"), "a table mark leaked")
        XCTAssertFalse(try fragment(markdown).contains("prose-table"))
        let style = EmbeddedTemplates.style
        XCTAssertTrue(style.contains("""
            @media (max-width: 600px) {
              main .table-scroll.prose-table > table { width: max-content; max-width: none; }
              main .table-scroll.prose-table > table th, main .table-scroll.prose-table > table td { max-width: 16em; }
            }
            """), "the phone rule for prose tables")
    }
}
