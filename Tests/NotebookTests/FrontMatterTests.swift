import Foundation
@testable import Notebook
import XCTest

/// Front matter decoding and its located errors (line and column in the notebook file).
final class FrontMatterTests: XCTestCase {
    private func error(_ text: String) -> String? {
        do {
            _ = try Notebook.parse(text: text, file: "notes.md")
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testKeysDecoded() throws {
        let notebook = try Notebook.parse(text: """
            ---
            title: Depth
            author: A. Author
            date: 2026-01-01
            description: About depth.
            math: brackets
            unsafe-html: true
            scale: reduced
            defaults: {train: {steps: 300}}
            ---
            Text.
            """, file: "notes.md")
        let front = notebook.frontMatter
        XCTAssertEqual(front.title, "Depth")
        XCTAssertEqual(front.author, "A. Author")
        XCTAssertEqual(front.date, "2026-01-01")
        XCTAssertEqual(front.description, "About depth.")
        XCTAssertEqual(front.math, .brackets)
        XCTAssertEqual(front.unsafeHTML, true)
        XCTAssertEqual(front.scale, "reduced")
        XCTAssertEqual(front.defaults?["train"]?["steps"]?.int, 300)
        XCTAssertEqual(front.defaultsLocation, SourceLocation(file: "notes.md", line: 9, column: 11))
        XCTAssertTrue(notebook.rawHTMLAllowed)
        XCTAssertEqual(notebook.cells.first?.range.start.line, 11)
    }

    func testDefaultsWithoutFrontMatter() throws {
        let front = try Notebook.parse(text: "# Hi\n", file: "notes.md").frontMatter
        XCTAssertNil(front.title)
        XCTAssertEqual(front.math, .dollars)
        XCTAssertEqual(front.scale, "full")
        XCTAssertNil(front.unsafeHTML)
    }

    func testUnknownKeyNamesLineColumnAndSuggestion() {
        XCTAssertEqual(
            error("---\ntitle: T\n  \nauthr: me\n---\ntext\n"),
            "notes.md:4:1: unknown front matter key \"authr\"; hint: did you mean `author`?")
    }

    func testYAMLSyntaxErrorLocatedInFile() {
        XCTAssertEqual(
            error("---\ntitle: T\ndate: [2026\n---\ntext\n"),
            // Regression (issue 15, item 3): at the end of the author's line, not the next one.
            "notes.md:3:12: front matter: the [ opened at 3:7 is not closed: expected ',' or ']'; hint: close each { with } and each [ with ] (a flow mapping or list of a block is best kept on one line)")
    }

    /// A misindented front-matter key got libyaml's words and the generic front-matter hint.
    func testMisindentedKeyGetsTheColumnsItMayTake() {
        XCTAssertEqual(
            error("---\ntitle: x\ndefaults:\n  train:\n    steps: 3\n   model: {width: 8}\n---\ntext\n"),
            "notes.md:6:4: front matter: did not find expected key; hint: `model` is indented 3 spaces, but the keys above it are at 0, 2 or 4 spaces; YAML nests by indentation, so line it up with the keys of the mapping it belongs to")
    }

    func testTabIndentationGetsAHint() {
        XCTAssertEqual(
            error("---\ntitle: T\ndefaults:\n\twidth: 8\n---\ntext\n"),
            // Regression (issue 15, item 3): the tab's line only (the context named a second one).
            "notes.md:4:1: front matter: found character that cannot start any token; hint: YAML indents with spaces, not tabs; replace the tab at the start of the line with spaces")
        XCTAssertEqual(
            error("---\ntitle: x\n\tauthor: y\n---\ntext\n"),
            "notes.md:3:1: front matter: found a tab character that violates indentation; hint: YAML indents with spaces, not tabs; replace the tab at the start of the line with spaces")
    }

    func testBadValuesLocated() {
        XCTAssertEqual(
            error("---\nmath: latex\n---\nx\n"),
            "notes.md:2:7: front matter key math: unknown value \"latex\"; hint: use `dollars` (default) or `brackets`")
        XCTAssertEqual(
            error("---\nunsafe-html: yes\n---\nx\n"),
            "notes.md:2:14: front matter key unsafe-html: expected true/false, got \"yes\"; hint: write `unsafe-html: true` or `unsafe-html: false`")
        XCTAssertEqual(
            error("---\ntitle: [a, b]\n---\nx\n"),
            "notes.md:2:8: front matter key title: expected text; hint: write `title: some text`")
    }

    func testDuplicateKeyLocated() {
        XCTAssertEqual(
            error("---\ntitle: A\ntitle: B\n---\nx\n"),
            "notes.md:3:1: front matter: duplicate key title (lines 2 and 3); hint: keep one of them")
        XCTAssertEqual(
            error("---\ndefaults:\n  train: {steps: 1}\n  train: {steps: 2}\n---\nx\n"),
            "notes.md:3:3: front matter: duplicate key train; hint: keep one of them")
    }

    func testUnclosedFrontMatter() {
        XCTAssertEqual(
            error("---\ntitle: A\n\nText\n"),
            "notes.md:1:1: front matter is not closed; hint: end it with a line `---`, or remove the first line `---`")
    }

    func testLocationsCountCRLFAndBOMLikeLF() {
        let text = "\u{FEFF}---\r\ntitle: T\r\nbogus: 1\r\n---\r\nx\r\n"
        XCTAssertEqual(
            error(text)?.hasPrefix("notes.md:3:1: unknown front matter key \"bogus\""), true, error(text) ?? "")
    }

    func testThematicBreaksAreNotFrontMatter() throws {
        let notebook = try Notebook.parse(text: "---\nFoo\n---\n", file: "notes.md")
        XCTAssertNil(notebook.frontMatter.title)
        XCTAssertEqual(notebook.headings.map(\.text), ["Foo"])
    }
}
