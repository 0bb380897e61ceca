import Foundation
@testable import Notebook
@testable import Render
import XCTest

/// Labelled equations, captioned tables, `@id`/`[@id]` links and the check of `@word`s that
/// look like references (issue 15, item 4).
final class CrossReferenceTests: XCTestCase {
    let text = """
        The law (@eq-energy) and [@eq-momentum], see @tbl-sizes and [@tiny].

        $$ E = mc^2 $$ {#eq-energy}

        $$p = mv$$ {#eq-momentum}

        | width | depth |
        |---|---|
        | 16 | 4 |

        Table: Sizes for $L$ {#tbl-sizes}

        ```experiment
        id: tiny
        train: {steps: 3}
        ```
        Mail bob@tiny.org or @alice; `@tny` and $@tny$ are code and math.
        """

    func body(_ notebook: Notebook) throws -> String {
        var options = RenderOptions()
        options.fragment = true
        return try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options).html
    }

    func testEquationsAndTablesAreNumberedAndLinked() throws {
        let notebook = try Notebook.parse(text: text, file: "x.md")
        XCTAssertEqual(notebook.targets["eq-energy"], CrossReferenceTarget(kind: .equation, number: 1,
                                                                           location: SourceLocation(file: "x.md", line: 3, column: 16)))
        XCTAssertEqual(notebook.targets["eq-momentum"]?.number, 2)
        XCTAssertEqual(notebook.targets["tbl-sizes"], CrossReferenceTarget(kind: .table, number: 1,
                                                                           location: SourceLocation(file: "x.md", line: 11, column: 1)))
        let html = try body(notebook)
        for expected in [
            "The law (<a class=\"cross-reference\" href=\"#eq-energy\">Equation 1</a>) and <a class=\"cross-reference\" href=\"#eq-momentum\">Equation 2</a>, see <a class=\"cross-reference\" href=\"#tbl-sizes\">Table 1</a> and <a class=\"cross-reference\" href=\"#tiny\">tiny</a>.",
            "<span class=\"equation\" id=\"eq-energy\"><span class=\"math display\">E = mc^2</span><span class=\"equation-number\">(1)</span></span>",
            "<span class=\"equation\" id=\"eq-momentum\"><span class=\"math display\">p = mv</span><span class=\"equation-number\">(2)</span></span>",
            "<table id=\"tbl-sizes\">\n<caption>Table 1: Sizes for <span class=\"math inline\">L</span></caption>\n<thead>",
            "Mail bob@tiny.org or @alice; <code>@tny</code> and <span class=\"math inline\">@tny</span>",
        ] {
            XCTAssertTrue(html.contains(expected), "missing \(expected) in\n\(html)")
        }
        XCTAssertFalse(html.contains("{#"), html)
        XCTAssertFalse(html.contains("Table:"), html)
        // A handle, an e-mail address and `@` in code or math are not references.
        XCTAssertEqual(notebook.crossReferenceErrors(blockIDs: ["tiny"]), [])
    }

    func testWordsThatLookLikeReferencesAreLocatedErrors() throws {
        let notebook = try Notebook.parse(
            text: text + "\n\nSee @tny, @fig-tiny, @eq-enrgy and @tbl-none, not @bob or @zz.\n", file: "x.md")
        let errors = notebook.crossReferenceErrors(blockIDs: ["tiny"]).map(\.description)
        XCTAssertEqual(errors.count, 4, errors.joined(separator: "\n"))
        XCTAssertTrue(errors[0].hasPrefix("x.md:19:5: cross-reference @tny: no block, equation or table has this id; hint: did you mean @tiny? ids here: @eq-energy, @eq-momentum, @tbl-sizes, @tiny;"), errors[0])
        XCTAssertTrue(errors[1].hasPrefix("x.md:19:11: cross-reference @fig-tiny: no block, equation or table has this id; hint: did you mean @tiny?"), errors[1])
        XCTAssertTrue(errors[2].hasPrefix("x.md:19:22: cross-reference @eq-enrgy: no block, equation or table has this id; hint: did you mean @eq-energy?"), errors[2])
        XCTAssertTrue(errors[3].hasPrefix("x.md:19:36: cross-reference @tbl-none: no block, equation or table has this id; hint: ids here:"), errors[3])
    }

    /// A swap of two letters is one edit (optimal string alignment): `@bda` for a block `bad`
    /// was two Levenshtein edits of a three-letter id, so it printed as text (fresh-user review).
    func testASwappedPairOfLettersIsANearMiss() throws {
        XCTAssertEqual(DidYouMean.editDistance("bda", "bad"), 1)
        XCTAssertEqual(DidYouMean.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(DidYouMean.editDistance("ca", "abc"), 3, "restricted: a swapped pair is not edited again")
        XCTAssertEqual(DidYouMean.editDistance("", "abc"), 3)
        let notebook = try Notebook.parse(text: "# T\n\nSee @bda, not @dab or @bob.\n", file: "x.md")
        let errors = notebook.crossReferenceErrors(blockIDs: ["bad"]).map(\.description)
        XCTAssertEqual(errors.count, 1, errors.joined(separator: "\n"))
        XCTAssertTrue(errors.first?.hasPrefix("x.md:3:5: cross-reference @bda: no block, equation or table has this id; hint: did you mean @bad?") ?? false, errors.joined())
    }

    /// Fresh-user review: `{{b.best_lr[4}` and `{{b.best_lr[4] here` printed as text and passed
    /// `check`. A `{{name.` that no `}}` closes in its paragraph is a located error; other
    /// braces, and any in code, stay text.
    func testAnUnclosedInlineReferenceIsAnError() throws {
        let notebook = try Notebook.parse(text: "# T\n\nA {{b.best_lr[4} here, {{b.best_lr[4] there.\n\nBraces {{ alone, `{{b.x` in code.\n", file: "x.md")
        XCTAssertEqual(notebook.unclosedReferenceErrors.map(\.description), [
            "x.md:3:3: {{b.best_lr[4}: the inline reference is not closed with }}; hint: write {{block.quantity[…]}} with both braces, on one paragraph's lines",
            "x.md:3:24: {{b.best_lr[4]: the inline reference is not closed with }}; hint: write {{block.quantity[…]}} with both braces, on one paragraph's lines",
        ])
        XCTAssertEqual(try Notebook.parse(text: "# T\n\n{{b.best_lr[4]}} is fine.\n", file: "x.md").unclosedReferenceErrors.count, 0)
    }

    func testCaptionAwayFromATableIsAnError() throws {
        let notebook = try Notebook.parse(text: "See @tbl-lost.\n\nTable: Lost {#tbl-lost}\n", file: "x.md")
        XCTAssertEqual(notebook.crossReferenceErrors(blockIDs: []).map(\.description),
                       ["x.md:1:5: cross-reference @tbl-lost: the caption {#tbl-lost} belongs to no table; hint: put the `Table: … {#tbl-lost}` paragraph directly above or below the pipe table, with one blank line between"])
    }

    func testDuplicateLabelsAreErrors() {
        XCTAssertThrowsError(try Notebook.parse(text: "$$a$$ {#eq-a}\n\n$$b$$ {#eq-a}\n", file: "x.md")) { error in
            XCTAssertEqual("\(error)", "x.md:3:7: duplicate label {#eq-a} (lines 1 and 3); hint: give each equation and table its own label")
        }
    }

    func testCaptionAboveTableAndUnlabelledCaption() throws {
        let notebook = try Notebook.parse(text: "Table: Above\n\n| a |\n|---|\n| 1 |\n", file: "x.md")
        let html = try body(notebook)
        XCTAssertTrue(html.hasPrefix("<table>\n<caption>Above</caption>\n<thead>"), html)
        XCTAssertTrue(notebook.targets.isEmpty)
    }
}
