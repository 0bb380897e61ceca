import Foundation
@testable import Notebook
import XCTest

/// Issue 12, item 1: an HTML block after a code block (or at the start of a file, or right after
/// front matter) crashed `CMarkDocument.cells` ("Range requires lowerBound <= upperBound"), because
/// cmark 0.30 reports such a block's end line before its start line.
final class HTMLBlockCrashTests: XCTestCase {
    /// Each form of the issue, as it ends a file.
    static let forms: [(name: String, text: String)] = [
        ("fenced code, comment", "```python\nx=1\n```\n\n<!-- c -->\n"),
        ("indented code, comment", "    x = 1\n\n<!-- c -->\n"),
        ("blank lines, comment", "\n\n<!-- c -->\n"),
        ("tab line, comment", "\t\n<!-- c -->\n"),
        ("code, doctype", "```\nx\n```\n<!DOCTYPE html>\n"),
        ("code, processing instruction", "```\nx\n```\n<?php echo 1; ?>\n"),
        ("front matter, comment", "---\ntitle: T\n---\n<!-- c -->\n"),
        ("front matter, processing instruction", "---\ntitle: T\n---\n<?php ?>\n"),
    ]

    /// Every form parses, at the end of the file and followed by more prose, and the cells cover
    /// the lines cmark gives them, in order, each range running forwards.
    func testEveryFormParsesAtTheEndAndInTheMiddle() throws {
        for (name, text) in Self.forms {
            for (place, document) in [("end", text), ("middle", text + "\nAfter $x$ it goes on.\n")] {
                do {
                    let options = ParseOptions(allowRawHTML: true)
                    let notebook = try Notebook.parse(text: document, file: "t.md", options: options)
                    XCTAssertFalse(notebook.cells.isEmpty, "\(name) at the \(place)")
                    var previousEnd = 0
                    for cell in notebook.cells {
                        XCTAssertLessThanOrEqual(cell.range.start.line, cell.range.end.line, "\(name) at the \(place)")
                        XCTAssertLessThanOrEqual(previousEnd, cell.range.start.line, "\(name) at the \(place)")
                        previousEnd = cell.range.end.line
                    }
                    if place == "middle" {
                        XCTAssertEqual(notebook.inlines.count, 1, "\(name) at the \(place)")
                        guard case .prose(let last)? = notebook.cells.last else {
                            XCTFail("\(name): no prose at the end")
                            continue
                        }
                        XCTAssertTrue(last.markdown.hasSuffix("After $x$ it goes on."), "\(name): \(last.markdown.debugDescription)")
                        XCTAssertTrue(last.html.contains("<!--") || last.html.contains("<?") || last.html.contains("<!DOCTYPE"),
                                      "\(name): \(last.html.debugDescription)")
                    }
                }
            }
        }
    }

    /// The prose cell of a comment after a code block holds the comment's own line.
    func testCommentAfterCodeKeepsItsLines() throws {
        let notebook = try Notebook.parse(text: "```python\nx=1\n```\n\n<!-- c -->\n", file: "t.md")
        XCTAssertEqual(notebook.cells.count, 2)
        guard case .prose(let prose) = notebook.cells[1] else { return XCTFail("\(notebook.cells)") }
        XCTAssertEqual(prose.markdown, "<!-- c -->")
        XCTAssertEqual(prose.range.start.line, 5)
        XCTAssertEqual(prose.range.end.line, 5)
    }

    /// The error the crash used to hide: an unknown key in a block followed by a trailing comment.
    func testUnknownKeyBeforeTrailingCommentIsLocated() throws {
        let text = "```experiment {#a}\nmodel: {widht: 8}\n```\n\n<!-- notes for later -->\n"
        let notebook = try Notebook.parse(text: text, file: "t.md")
        XCTAssertThrowsError(try ExperimentSpec.decode(notebook.experiments[0])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("t.md:2:"), message)
            XCTAssertTrue(message.contains("did you mean width?"), message)
        }
    }
}
