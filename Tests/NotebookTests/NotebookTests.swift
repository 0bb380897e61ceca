import Foundation
@testable import Notebook
import XCTest

/// Cells, experiment fences, protected spans and their locations.
final class NotebookTests: XCTestCase {
    let sample = """
        ---
        title: T
        ---
        # Intro

        Prose with $x$ and {{ a.b }} and @run.

        ```python
        print(1)
        ```

        ```experiment {#run}
        model: {width: 8}
        train: {steps: 3}
        ```

          ```experiment
          a: 1
          ```
        Tail (@run).
        """

    /// A tree dump: one line per cell with its kind and range.
    private func dump(_ notebook: Notebook) -> String {
        notebook.cells.map { cell in
            let range = "\(cell.range.start.line):\(cell.range.start.column)-\(cell.range.end.line)"
            switch cell {
            case .prose(let prose): return "prose \(range) \(prose.markdown.debugDescription)"
            case .code(let code): return "code \(range) \(code.info) \(code.code.debugDescription)"
            case .experiment(let e):
                return "experiment \(range) #\(e.index) \(e.id ?? "-") body@\(e.bodyStart.line):\(e.bodyStart.column) \(e.body.debugDescription)"
            }
        }.joined(separator: "\n")
    }

    func testCellsInOrderWithLocations() throws {
        let notebook = try Notebook.parse(text: sample, file: "n.md")
        XCTAssertEqual(dump(notebook), """
            prose 4:1-6 "# Intro\\n\\nProse with $x$ and {{ a.b }} and @run."
            code 8:1-10 python "print(1)\\n"
            experiment 12:1-15 #1 run body@13:1 "model: {width: 8}\\ntrain: {steps: 3}\\n"
            experiment 17:3-19 #2 - body@18:3 "a: 1\\n"
            prose 20:1-20 "Tail (@run)."
            """)
        XCTAssertEqual(notebook.experiments.map(\.label), ["run", "2"])
    }

    func testInlineItemsWithLocations() throws {
        let notebook = try Notebook.parse(text: sample, file: "n.md")
        XCTAssertEqual(notebook.inlines, [
            .math(tex: "x", display: false, location: SourceLocation(file: "n.md", line: 6, column: 12)),
            .reference(text: "a.b", location: SourceLocation(file: "n.md", line: 6, column: 20)),
            .crossReference(id: "run", location: SourceLocation(file: "n.md", line: 6, column: 34)),
            .crossReference(id: "run", location: SourceLocation(file: "n.md", line: 20, column: 7)),
        ])
    }

    func testUnknownAtNameIsText() throws {
        let notebook = try Notebook.parse(text: "mail me@run.org or @nothing\n\n```experiment {#run}\n```\n", file: "n.md")
        XCTAssertEqual(notebook.inlines, [])
    }

    func testMultiLineMathKeepsLineNumbers() throws {
        let text = "a\n$$\nx\n- y\n$$\n\n```experiment {#late}\nk: 1\n```\n"
        let notebook = try Notebook.parse(text: text, file: "n.md")
        XCTAssertEqual(notebook.experiments.first?.range.start.line, 7)
        XCTAssertEqual(notebook.experiments.first?.bodyStart.line, 8)
    }

    /// The duplicate is an error the pipeline reports with the others (it stopped the parse, and
    /// so hid every other error: fresh-user review); the second block goes by its number.
    func testDuplicateIDsNameBothLines() throws {
        let text = "```experiment {#a}\nx: 1\n```\n\ntext\n\n```experiment {#a}\ny: 2\n```\n"
        let notebook = try Notebook.parse(text: text, file: "n.md")
        XCTAssertEqual(notebook.structureErrors.map(\.description), ["n.md:7:1: duplicate experiment id \"a\" (lines 1 and 7); hint: give each experiment block its own {#id}"])
        XCTAssertEqual(notebook.experiments.map(\.label), ["a", "2"])
    }

    func testMalformedExperimentInfo() {
        XCTAssertThrowsError(try Notebook.parse(text: "text\n\n```experiment #a\n```\n", file: "n.md")) { error in
            XCTAssertEqual("\(error)", "n.md:3:1: experiment fence: cannot read \"#a\" after `experiment`; hint: write ```experiment or ```experiment {#my-id} (letters, digits, - and _)")
        }
        XCTAssertNoThrow(try Notebook.parse(text: "```experimental\n```\n", file: "n.md"))
    }

    func testHeadingsWithMathText() throws {
        let notebook = try Notebook.parse(text: "# Depth $L$\n\n> ## Inner `code`\n", file: "n.md")
        XCTAssertEqual(notebook.headings.map(\.text), ["Depth L", "Inner code"])
        XCTAssertEqual(notebook.headings.map(\.level), [1, 2])
    }

    func testBinaryAndEmptyInput() {
        XCTAssertThrowsError(try Notebook.parse(data: Data([0x61, 0x00, 0x62]), file: "b.md")) {
            XCTAssertEqual("\($0)", "b.md:1:2: holds NUL bytes (a binary file?); hint: a notebook is a UTF-8 Markdown text file")
        }
        XCTAssertThrowsError(try Notebook.parse(data: Data([0x61, 0xFF, 0x62]), file: "b.md")) {
            XCTAssertEqual("\($0)", "b.md:1:2: byte 0xFF is not valid UTF-8 (re-save the file as UTF-8); hint: a notebook is a UTF-8 Markdown text file")
        }
        // Regression (issue 15, item 3): the byte's line:col, counted as locations are (a BOM
        // dropped, CRLF one break, columns in scalars: "é" is one).
        XCTAssertThrowsError(try Notebook.parse(data: Data("\u{FEFF}# T\r\n\nsé ".utf8) + Data([0xE9, 0x74]), file: "b.md")) {
            XCTAssertEqual("\($0)", "b.md:3:4: byte 0xE9 is not valid UTF-8 (re-save the file as UTF-8); hint: a notebook is a UTF-8 Markdown text file")
        }
        XCTAssertThrowsError(try Notebook.parse(data: Data(), file: "e.md")) {
            XCTAssertEqual("\($0)", "e.md:1:1: the notebook is empty; hint: write some Markdown (prose, math, experiment blocks)")
        }
        XCTAssertThrowsError(try Notebook.parse(text: " \n\n", file: "e.md")) {
            XCTAssertEqual($0 as? NotebookError, .empty(file: "e.md"))
        }
        // Issue 16: front matter alone is not "empty"; the message says what is missing, where.
        XCTAssertThrowsError(try Notebook.parse(text: "---\ntitle: x\n---\n\n", file: "e.md")) {
            XCTAssertEqual($0 as? NotebookError, .located(SourceLocation(file: "e.md", line: 4, column: 1),
                                                          message: "the notebook has front matter but nothing after it",
                                                          hint: "hint: write some Markdown after the closing ---"))
        }
    }
}

extension NotebookTests {
    func testOnlyTopLevelExperimentsCanBeCited() throws {
        let text = "See @inner and @outer.\n\n- item\n\n  ```experiment {#inner}\n  ```\n\n```experiment {#outer}\n```\n"
        let notebook = try Notebook.parse(text: text, file: "n.md")
        XCTAssertEqual(notebook.experiments.map(\.label), ["outer"])
        XCTAssertEqual(notebook.inlines, [.crossReference(id: "outer", location: SourceLocation(file: "n.md", line: 1, column: 16))])
    }
}
