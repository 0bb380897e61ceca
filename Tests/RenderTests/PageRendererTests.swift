import Foundation
import Notebook
@testable import Render
import XCTest

/// Full pages: template, anchors, table of contents, assets, providers.
final class PageRendererTests: XCTestCase {
    let samplePath = repositoryRoot.appendingPathComponent("Tests/Fixtures/sample.md").path

    /// KaTeX stand-in so snapshots do not depend on the machine's KaTeX.
    let fakeKaTeX = MathAssets(
        directory: URL(fileURLWithPath: "/nonexistent"), script: "/* katex */", styleSheet: "", fontNames: [])

    func testSamplePageSnapshot() throws {
        let notebook = try Notebook.load(path: samplePath)
        var options = RenderOptions()
        options.assetFolder = "sample_files"
        options.mathAssets = .success(fakeKaTeX)
        let first = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options)
        let second = try PageRenderer.renderPage(
            notebook: try Notebook.load(path: samplePath), provider: UnexecutedBlocks(), options: options)
        XCTAssertEqual(first.html, second.html, "rendering is not deterministic")
        XCTAssertEqual(first.assets.map(\.relativePath), ["sample_files/katex.min.js", "sample_files/katex.min.css"])
        assertSnapshot(first.html, named: "testSamplePageSnapshot.html")
    }

    func testHeadingAnchorsDeduplicatedAndTOC() throws {
        let notebook = try Notebook.parse(
            text: "# Intro\n\n## Depth $L$ & width\n\n## Intro\n\n### Intro\n\n#### Deep\n\n- ## Intro\n",
            file: "t.md")
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: pageOptionsWithoutKaTeX())
        for expected in [
            "<h1 id=\"intro\">Intro</h1>",
            "<h2 id=\"depth-l--width\">Depth \(inlineMath("L")) &amp; width</h2>",
            "<h2 id=\"intro-1\">Intro</h2>",
            "<h3 id=\"intro-2\">Intro</h3>",
            "<h4 id=\"deep\">Deep</h4>",
            "<li>\n<h2 id=\"intro-3\">Intro</h2>\n</li>",
            "<li class=\"toc-level-2\"><a href=\"#depth-l--width\">Depth \(inlineMath("L")) &amp; width</a></li>",
        ] {
            XCTAssertTrue(page.html.contains(expected), "missing \(expected)")
        }
        XCTAssertFalse(page.html.contains("href=\"#deep\""), "level 4 is not in the table of contents")
    }

    /// Issue 12: a page without headings showed an empty "Contents" box.
    func testPageWithoutHeadingsHasNoContentsBox() throws {
        let notebook = try Notebook.parse(text: "Just prose, $x$.\n", file: "t.md")
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: pageOptionsWithoutKaTeX())
        XCTAssertFalse(page.html.contains("class=\"toc\""), page.html)
        let withHeading = try PageRenderer.renderPage(
            notebook: try Notebook.parse(text: "# A\n\ntext\n", file: "t.md"), provider: UnexecutedBlocks(),
            options: pageOptionsWithoutKaTeX())
        XCTAssertTrue(withHeading.html.contains("class=\"toc\""))
    }

    func testFragmentHasNoAnchorsTemplateOrAssets() throws {
        XCTAssertEqual(try fragment("# A\n\ntext $x$\n"), "<h1>A</h1>\n<p>text \(inlineMath("x"))</p>\n")
    }

    func testRawHTMLOmittedUnlessAllowed() throws {
        XCTAssertEqual(try fragment("<b>x</b>\n"), "<p><!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>\n")
        XCTAssertEqual(try fragment("<b>x</b>\n", unsafeHTML: true), "<p><b>x</b></p>\n")
        XCTAssertEqual(try fragment("---\nunsafe-html: true\n---\n<b>x</b>\n"), "<p><b>x</b></p>\n")
    }

    func testExperimentBlocksWrappedInAnchors() throws {
        let html = try fragment("```experiment\na: <1>\n```\n\n```experiment {#b}\n```\n\nSee @b.\n")
        XCTAssertTrue(html.hasPrefix("<div class=\"experiment-block\" id=\"block-1\">\n<figure class=\"experiment not-executed\">"), html)
        XCTAssertTrue(html.contains("a: &lt;1&gt;"))
        XCTAssertTrue(html.contains("<div class=\"experiment-block\" id=\"b\">"))
        XCTAssertTrue(html.contains("<p>See <a class=\"cross-reference\" href=\"#b\">b</a>.</p>"))
    }

    struct StrictProvider: BlockContentProvider {
        func html(for cell: ExperimentCell) -> String { "<p>ran \(cell.label)</p>\n" }
        func inlineHTML(for reference: InlineReference) throws -> String {
            guard reference.text == "known" else {
                throw RenderError.located(reference.location, message: "unknown reference \(reference.text)", hint: nil)
            }
            return "<b>42</b>"
        }
        func crossReferenceHTML(forBlockID id: String) -> String? { "<a href=\"#\(id)\">Figure 1</a>" }
    }

    func testProviderSuppliesBlocksReferencesAndLinks() throws {
        let notebook = try Notebook.parse(text: "x {{known}} (@e)\n\n```experiment {#e}\n```\n", file: "t.md")
        var options = RenderOptions()
        options.fragment = true
        let html = try PageRenderer.renderPage(notebook: notebook, provider: StrictProvider(), options: options).html
        XCTAssertEqual(html, "<p>x <b>42</b> (<a href=\"#e\">Figure 1</a>)</p>\n<div class=\"experiment-block\" id=\"e\">\n<p>ran e</p>\n</div>\n")
        let bad = try Notebook.parse(text: "a\n\nb {{ nope }}\n", file: "t.md")
        XCTAssertThrowsError(try PageRenderer.renderPage(notebook: bad, provider: StrictProvider(), options: options)) {
            XCTAssertEqual("\($0)", "t.md:3:3: unknown reference nope")
        }
    }

    func testTemplateErrorLocated() throws {
        XCTAssertThrowsError(try PageTemplate(text: "<html>\n<body>\n  {{#body}}\n</html>\n", path: "bad.mustache")) {
            XCTAssertEqual("\($0)", "bad.mustache:5:1: template: section is never closed; hint: check the {{#section}} … {{/section}} pairs and tag syntax")
        }
        XCTAssertThrowsError(try PageTemplate(text: "a\nb {{#x}} {{/y}}\n", path: "bad.mustache")) {
            XCTAssertEqual("\($0)", "bad.mustache:2:13: template: closing tag does not match the open section; hint: check the {{#section}} … {{/section}} pairs and tag syntax")
        }
    }

    func testCustomTemplate() throws {
        let notebook = try Notebook.parse(text: "---\ntitle: T & U\n---\nhi\n", file: "t.md")
        var options = pageOptionsWithoutKaTeX()
        options.template = try PageTemplate(text: "[{{title}}]{{{body}}}", path: "t.mustache")
        XCTAssertEqual(try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options).html,
                       "[T &amp; U]<p>hi</p>\n")
    }

    func testEmbeddedTemplatesMatchFiles() throws {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("templates/page.mustache"), encoding: .utf8)
        let style = try String(contentsOf: repositoryRoot.appendingPathComponent("templates/style.css"), encoding: .utf8)
        XCTAssertEqual(EmbeddedTemplates.page + "\n", page, "run Scripts/embed-templates.sh")
        XCTAssertEqual(EmbeddedTemplates.style + "\n", style, "run Scripts/embed-templates.sh")
        for name in ["--fg", "--bg", "--muted", "--accent", "table.results", "figure.experiment", "prefers-color-scheme", "@media print"]
            + (1...8).map({ "--series-\($0)" }) {
            XCTAssertTrue(style.contains(name), name)
        }
    }

    func testMissingKaTeXWarnsAndKeepsEscapedTeX() throws {
        let notebook = try Notebook.parse(text: "$a<b$\n", file: "t.md")
        var options = RenderOptions()
        options.mathAssets = MathAssets.load(environment: ["DEPTHBOOK_KATEX_DIR": "/nonexistent/katex"])
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options)
        XCTAssertEqual(page.warnings.count, 1)
        XCTAssertTrue(page.warnings[0].hasPrefix("warning: /nonexistent/katex: KaTeX not found"), page.warnings[0])
        XCTAssertTrue(page.html.contains(inlineMath("a<b")))
        XCTAssertFalse(page.html.contains("katex.min.js"))
        XCTAssertEqual(page.assets, [])
    }

    func testKaTeXStyleSheetKeepsOnlyWOFF2() {
        let css = "@font-face{font-family:A;src:url(fonts/A.woff2) format('woff2'),url(fonts/A.woff) format('woff'),url(fonts/A.ttf) format('truetype');}"
        let rewritten = MathAssets.woff2Only(css)
        XCTAssertEqual(rewritten, "@font-face{font-family:A;src:url(fonts/A.woff2) format('woff2');}")
        XCTAssertEqual(MathAssets.fontReferences(in: rewritten), ["A.woff2"])
    }

    func testSelfContainedInlinesSystemKaTeX() throws {
        guard case .success(let katex) = MathAssets.load() else {
            throw XCTSkip("KaTeX is not installed (apt-get install libjs-katex fonts-katex)")
        }
        let notebook = try Notebook.parse(text: "$x$\n", file: "t.md")
        var options = RenderOptions()
        options.selfContained = true
        options.mathAssets = .success(katex)
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options)
        XCTAssertEqual(page.assets, [])
        XCTAssertTrue(page.html.contains("url(data:font/woff2;base64,"))
        XCTAssertFalse(page.html.contains("url(fonts/"))
        XCTAssertFalse(page.html.contains("<script src="))
    }
}
