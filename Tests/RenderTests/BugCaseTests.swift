import Notebook
import Render
import XCTest

/// The bug cases B01–B18 of ../shared/cases/CASES.md, each with the general rule behind it.
final class BugCaseTests: XCTestCase {
    // MARK: B01 — dollar amounts are not math; a lone `$` is literal.

    func testB01DollarAmountsStayText() throws {
        XCTAssertEqual(try fragment("We paid $400, not $300.\n"), "<p>We paid $400, not $300.</p>\n")
        XCTAssertEqual(try fragment("Cost: **35$** per run.\n"), "<p>Cost: <strong>35$</strong> per run.</p>\n")
    }

    func testB01RuleOpenerFollowedBySpaceOrCloserBeforeDigit() throws {
        XCTAssertEqual(try fragment("a $ b$ c\n"), "<p>a $ b$ c</p>\n")
        XCTAssertEqual(try fragment("from $5 to $10\n"), "<p>from $5 to $10</p>\n")
        XCTAssertEqual(try fragment("$x$5 then\n"), "<p>$x$5 then</p>\n")
        // The next `$` closes, even when a later one would have worked.
        XCTAssertEqual(try fragment("$a $b$\n"), "<p>$a \(inlineMath("b"))</p>\n")
    }

    // MARK: B02 — emphasis never reaches inside math.

    func testB02UnderscoresInsideMath() throws {
        XCTAssertEqual(try fragment("$A_i, A_{i+1}$\n"), "<p>\(inlineMath("A_i, A_{i+1}"))</p>\n")
        XCTAssertEqual(
            try fragment("$[Q,P]_{q,p}=1$ and $x_{i}$\n"),
            "<p>\(inlineMath("[Q,P]_{q,p}=1")) and \(inlineMath("x_{i}"))</p>\n")
    }

    func testB02RuleSeveralDollarsOnOneLine() throws {
        XCTAssertEqual(
            try fragment("$a*b$ *x* $c*d$ and $e_1$_f_\n"),
            "<p>\(inlineMath("a*b")) <em>x</em> \(inlineMath("c*d")) and \(inlineMath("e_1"))_f_</p>\n")
        XCTAssertEqual(
            try fragment("$a$$b$ $$c$$\n"),
            "<p>\(inlineMath("a"))\(inlineMath("b")) \(displayMath("c"))</p>\n")
    }

    func testB02RuleMathAtParagraphStartAndEnd() throws {
        XCTAssertEqual(try fragment("$x$ starts, ends $y$\n"), "<p>\(inlineMath("x")) starts, ends \(inlineMath("y"))</p>\n")
        XCTAssertEqual(try fragment("**$x$**\n"), "<p><strong>\(inlineMath("x"))</strong></p>\n")
    }

    // MARK: B04 — no Markdown escapes inside math.

    func testB04BackslashesReachKaTeXUnchanged() throws {
        XCTAssertEqual(
            try fragment("$$\n\\{a\\} \\\\\na \\, b\n$$\n"),
            "<p>\(displayMath("\\{a\\} \\\\\na \\, b"))</p>\n")
        XCTAssertEqual(try fragment("$\\{x\\}$\n"), "<p>\(inlineMath("\\{x\\}"))</p>\n")
    }

    func testB04RuleEveryEscapableCharacterKept() throws {
        let tex = ##"\! \# \$ \% \& \_ \{ \} \[ \] \* \` \\ \, \; \:"##
        let notebook = try Notebook.parse(text: "$$\(tex)$$\n", file: "t.md")
        XCTAssertEqual(notebook.inlines.count, 1)
        if case .math(let found, true, _)? = notebook.inlines.first {
            XCTAssertEqual(found, tex)
        } else {
            XCTFail("expected display math, got \(notebook.inlines)")
        }
    }

    // MARK: B06 — lines inside `$$` never become blocks.

    func testB06ListHeadingPlusInsideDisplayMath() throws {
        for line in ["- b", "# y", "+ c", "1. d", "> e", "---", "==="] {
            XCTAssertEqual(
                try fragment("$$\nf(x) = a\n\(line)\n$$\n"),
                "<p>\(displayMath("f(x) = a\n\(line)"))</p>\n", line)
        }
    }

    func testB06RuleDisplayMathInNestedListsAndBlockquotes() throws {
        XCTAssertEqual(
            try fragment("- a\n  - b $x_1$ and\n    $$\n    y\n    - z\n    $$\n  - c\n"),
            "<ul>\n<li>a\n<ul>\n<li>b \(inlineMath("x_1")) and\n\(displayMath("y\n- z"))</li>\n<li>c</li>\n</ul>\n</li>\n</ul>\n")
        XCTAssertEqual(
            try fragment("> quote $a$ and\n> $$\n> b\n> # c\n> $$\n> end\n"),
            "<blockquote>\n<p>quote \(inlineMath("a")) and\n\(displayMath("b\n# c"))\nend</p>\n</blockquote>\n")
        XCTAssertEqual(
            try fragment("> > $$x_{1}\n> > - y$$\n"),
            "<blockquote>\n<blockquote>\n<p>\(displayMath("x_{1}\n- y"))</p>\n</blockquote>\n</blockquote>\n")
    }

    func testB06RuleMathSpansLinesButNeverABlankLine() throws {
        XCTAssertEqual(try fragment("a $x +\ny$ b\n"), "<p>a \(inlineMath("x +\ny")) b</p>\n")
        XCTAssertEqual(try fragment("a $x\n\ny$ b\n"), "<p>a $x</p>\n<p>y$ b</p>\n")
        XCTAssertEqual(try fragment("$$\na\n\nb\n$$\n"), "<p>$$\na</p>\n<p>b\n$$</p>\n")
    }

    func testB06RuleEnvironmentsAreDisplayMath() throws {
        XCTAssertEqual(
            try fragment("\\begin{align*}\na &= b \\\\\n- c &= d\n\\end{align*}\n"),
            "<p>\(displayMath("\\begin{align*}\na &= b \\\\\n- c &= d\n\\end{align*}"))</p>\n")
        XCTAssertEqual(
            try fragment("text \\begin{equation}x\\end{equation}\n"), "<p>text \\begin{equation}x\\end{equation}</p>\n")
    }

    // MARK: B09 — code spans bind tighter than `$`.

    func testB09CodeSpanWinsOverDollar() throws {
        XCTAssertEqual(
            try fragment("Cost $a then `$b` and `c`.\n"),
            "<p>Cost $a then <code>$b</code> and <code>c</code>.</p>\n")
    }

    func testB09RuleDollarsInCodeNeverDelimit() throws {
        XCTAssertEqual(try fragment("`$x$` and $y$\n"), "<p><code>$x$</code> and \(inlineMath("y"))</p>\n")
        XCTAssertEqual(try fragment("``a ` $b$``\n"), "<p><code>a ` $b$</code></p>\n")
        XCTAssertEqual(try fragment("```\n$x$\n```\n"), "<pre><code>$x$\n</code></pre>\n")
        XCTAssertEqual(try fragment("    $x$ code\n"), "<pre><code>$x$ code\n</code></pre>\n")
        XCTAssertEqual(try fragment("- item\n\n  ```\n  $$\n  ```\n"),
                       "<ul>\n<li>\n<p>item</p>\n<pre><code>$$\n</code></pre>\n</li>\n</ul>\n")
    }

    // MARK: B11 — `<` and `>` in math are escaped.

    func testB11AngleBracketsEscaped() throws {
        XCTAssertEqual(
            try fragment("Order: $j<k$ and $k>0$; end.\n"),
            "<p>Order: <span class=\"math inline\">j&lt;k</span> and <span class=\"math inline\">k&gt;0</span>; end.</p>\n")
    }

    func testB11RuleTeXInAttributesIsEscapedText() throws {
        XCTAssertEqual(try fragment("![$a<b$](x.png)\n"), "<p><img src=\"x.png\" alt=\"a&lt;b\" /></p>\n")
        XCTAssertEqual(try fragment("$\"&amp;\"$\n"), "<p>\(inlineMath("\"&amp;\""))</p>\n")
    }

    // MARK: B12 — only tildes close a tilde fence.

    func testB12TildeFenceNotClosedByBackticks() throws {
        XCTAssertEqual(try fragment("~~~\na\n```\nb\n```\n~~~\n"), "<pre><code>a\n```\nb\n```\n</code></pre>\n")
    }

    func testB12RuleMathInsideFencesIsCode() throws {
        XCTAssertEqual(
            try fragment("~~~~\n$$\n~~~\n$$\n~~~~\n$x$\n"),
            "<pre><code>$$\n~~~\n$$\n</code></pre>\n<p>\(inlineMath("x"))</p>\n")
    }

    // MARK: B17 — CRLF is LF.

    func testB17CRLFFenceWithoutFinalNewline() throws {
        XCTAssertEqual(try fragment(bytes: Array("```\r\ntest\r\n```".utf8)), "<pre><code>test\n</code></pre>\n")
    }

    func testB17RuleCRLFAndLFRenderIdentically() throws {
        let text = "# T\n\nA $x$ and\n$$\na\n- b\n$$\n\n> q $y$\n"
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        let html = try fragment(text)
        XCTAssertEqual(try fragment(bytes: Array(crlf.utf8)), html)
        XCTAssertFalse(html.contains("\r"))
        XCTAssertEqual(try fragment(bytes: Array(text.replacingOccurrences(of: "\n", with: "\r").utf8)), html)
    }

    // MARK: B18 — a BOM is dropped before anything else.

    func testB18ByteOrderMarkDropped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("# Title\n".utf8)
        XCTAssertEqual(try fragment(bytes: bytes), "<h1>Title</h1>\n")
        let notebook = try Notebook.parse(data: Data(bytes), file: "t.md")
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: pageOptionsWithoutKaTeX())
        XCTAssertTrue(page.html.contains("<h1 id=\"title\">Title</h1>"), page.html)
        XCTAssertFalse(page.html.contains("\u{FEFF}"))
    }

    func testB18RuleBOMBeforeFrontMatter() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("---\ntitle: T\n---\n# $x$\n".utf8)
        let notebook = try Notebook.parse(data: Data(bytes), file: "t.md")
        XCTAssertEqual(notebook.frontMatter.title, "T")
        XCTAssertEqual(notebook.headings.first?.location.line, 4)
        XCTAssertEqual(try fragment(bytes: bytes), "<h1>\(inlineMath("x"))</h1>\n")
    }

    // MARK: Escapes and brackets mode

    func testEscapedDollarIsLiteral() throws {
        XCTAssertEqual(try fragment("a \\$x$ and \\\\$y$\n"), "<p>a $x$ and \\\(inlineMath("y"))</p>\n")
        XCTAssertEqual(try fragment("$a\\$b$\n"), "<p>\(inlineMath("a\\$b"))</p>\n")
    }

    func testBracketsOnlyWhenAsked() throws {
        XCTAssertEqual(try fragment("\\(a\\) and \\[b\\]\n"), "<p>(a) and [b]</p>\n")
        XCTAssertEqual(
            try fragment("---\nmath: brackets\n---\n\\(a<b\\) and \\[b\\] and $c$\n"),
            "<p>\(inlineMath("a<b")) and \(displayMath("b")) and \(inlineMath("c"))</p>\n")
        XCTAssertEqual(
            try fragment("\\[\na\n- b\n\\]\n", math: .brackets), "<p>\(displayMath("a\n- b"))</p>\n")
    }
}

func pageOptionsWithoutKaTeX() -> RenderOptions {
    var options = RenderOptions()
    options.mathAssets = .failure(.io(path: "-", reason: "disabled in tests"))
    return options
}

/// Placeholder characters typed into a notebook are not mistaken for tokens.
final class PlaceholderCharacterTests: XCTestCase {
    func testPrivateUseCharactersInInputBecomeReplacementCharacters() throws {
        XCTAssertEqual(try fragment("a \u{E000}0\u{E001} \u{E004}\nb $x$\n\n```\n\u{E004}\n```\n"),
                       "<p>a \u{FFFD}0\u{FFFD} \u{FFFD}\nb \(inlineMath("x"))</p>\n<pre><code>\u{FFFD}\n</code></pre>\n")
    }
}
