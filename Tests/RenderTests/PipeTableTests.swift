import Foundation
import Notebook
import Render
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
}
