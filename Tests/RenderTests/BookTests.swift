import Foundation
import Notebook
import Runner
import XCTest
@testable import Render

/// Book ordering, navigation and headlines; the experiment figure's summary, data links and
/// YAML; what readers see for names and numbers (issue 8).
final class BookTests: XCTestCase {
    func chapter(_ file: String, _ frontMatter: String) throws -> Book.Chapter {
        Book.Chapter(path: "/book/\(file)", notebook: try Notebook.parse(text: "---\n\(frontMatter)\n---\n\nText.\n", file: file))
    }

    /// Fresh-user review: `depthbook render notebooks/01-….md -o /tmp/01.html` wrote a page
    /// whose "Next:" linked `02-learning-rate-transfer.html`, a page not beside it. Chapter
    /// links are the book's navigation alone (``Book/navigation(_:at:)``, only in a book); a
    /// tutorial rendered alone links no other chapter's page.
    func testATutorialRenderedAloneLinksNoOtherChapter() throws {
        let folder = repositoryRoot.appendingPathComponent("notebooks").path
        let chapters = try Book.notebookPaths(in: folder)
        XCTAssertGreaterThanOrEqual(chapters.count, 6)
        let pages = Set(chapters.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension + ".html" } + ["index.html"])
        for path in chapters {
            let page = try PageRenderer.renderPage(notebook: try Notebook.load(path: path), provider: UnexecutedBlocks(),
                                                   options: pageOptionsWithoutKaTeX())
            let linked = page.html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
            XCTAssertEqual(linked.filter { pages.contains($0.hasPrefix("./") ? String($0.dropFirst(2)) : $0) }, [],
                           "\((path as NSString).lastPathComponent) links another chapter's page")
        }
    }

    /// `order:` first (ascending), then file name; notebooks without `order:` last.
    func testChaptersSortByOrderThenFileName() throws {
        let chapters = try [chapter("b.md", "title: B"), chapter("a.md", "title: A"),
                            chapter("z.md", "order: 1"), chapter("c.md", "order: 2")]
        XCTAssertEqual(Book.order(chapters).map(\.name), ["z", "c", "a", "b"])
        XCTAssertEqual(Book.order(chapters).map(\.title), ["z", "c", "A", "B"])
    }

    /// Every page links the contents; the first has no previous link, the last no next link.
    func testNavigationLinksIndexAndNeighbours() throws {
        let chapters = try [chapter("01-a.md", "title: A & a"), chapter("02-b.md", "title: B"), chapter("03-c.md", "title: C")]
        XCTAssertEqual(Book.navigation(chapters, at: 0),
                       "<nav class=\"book-nav\" aria-label=\"Book\"><a rel=\"index\" href=\"index.html\">Contents</a> <a rel=\"next\" href=\"02-b.html\">2. B →</a></nav>")
        XCTAssertEqual(Book.navigation(chapters, at: 1),
                       "<nav class=\"book-nav\" aria-label=\"Book\"><a rel=\"index\" href=\"index.html\">Contents</a> <a rel=\"prev\" href=\"01-a.html\">← 1. A &amp; a</a> <a rel=\"next\" href=\"03-c.html\">3. C →</a></nav>")
        XCTAssertFalse(Book.navigation(chapters, at: 2).contains("rel=\"next\""))
    }

    /// The headline's references are quoted from the chapter's results; an unknown one is a
    /// located error, as in prose.
    func testHeadlineQuotesResultsLive() throws {
        let block = try fixtureBlock(lrTransfer)
        let provider = ExecutedBlocks(results: [block])
        let good = try chapter("02.md", "headline: \"Moves by {{lr-transfer.spread_octaves[sp]}} under SP.\"")
        XCTAssertEqual(try Book.headlineHTML(good, provider: provider),
                       "Moves by <span class=\"reference\" title=\"lr-transfer.spread_octaves[sp]\">1 octave</span> under SP.")
        let bad = try chapter("02.md", "headline: \"{{nope.points}}\"")
        XCTAssertThrowsError(try Book.headlineHTML(bad, provider: provider)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("02.md:2:11: {{nope.points}}: unknown block"), "\(error)")
        }
        let unclosed = try chapter("02.md", "headline: \"{{nope\"")
        XCTAssertThrowsError(try Book.headlineHTML(unclosed, provider: provider))
        XCTAssertNil(try Book.headlineHTML(try chapter("02.md", "title: T"), provider: provider))
    }

    /// Front matter `order:` must be a whole number; `show-source:` a boolean (located errors).
    func testBookFrontMatterKeysAreChecked() throws {
        XCTAssertThrowsError(try Notebook.parse(text: "---\norder: first\n---\n", file: "n.md")) { error in
            XCTAssertEqual(String(describing: error), "n.md:2:8: front matter key order: expected a whole number, got \"first\"; hint: write `order: 2` to place this notebook second in its book")
        }
        XCTAssertThrowsError(try Notebook.parse(text: "---\nshow-source: no\n---\n", file: "n.md"))
        XCTAssertFalse(try Notebook.parse(text: "---\nshow-source: false\n---\nText.\n", file: "n.md").frontMatter.showSource)
    }

    /// Under each figure: the run summary, links to the page's JSON and every CSV of the block,
    /// and the block's YAML exactly as written, collapsed; `show-source: false` drops the YAML.
    func testExperimentFigureSnapshot() throws {
        let block = try fixtureBlock(lrTransfer)
        let html = ExecutedBlocks(results: [block], pageName: "notes").html(for: block.cell)
        let tail = String(html[try XCTUnwrap(html.range(of: "<p class=\"experiment-summary\">")).lowerBound...])
        assertSnapshot(tail, ext: "html")
        XCTAssertTrue(tail.contains("<pre><code class=\"language-yaml\">\(HTMLEscaping.escape(lrTransfer))</code></pre>"))
        for file in ExecutedBlocks(results: [block]).sideFiles(pageName: "notes", notebookFile: "notes.md").map(\.name) {
            XCTAssertTrue(tail.contains("href=\"\(file)\""), "no link to \(file)")
        }
        let hidden = ExecutedBlocks(results: [block], pageName: "notes", showSource: false).html(for: block.cell)
        XCTAssertFalse(hidden.contains("<details"))
    }

    func testSummaryLineNamesWhatRan() throws {
        let block = try fixtureBlock(lrTransfer)
        XCTAssertEqual(ExperimentSummary.line(block),
                       "A random teacher network (32 inputs, 10 classes), 1,024 training examples · width 32 · depths 4, 16 · SP, depth-μP · Adam, η from 2⁻¹⁰ to 2⁻² (9 rates) · 6 steps of batch 64 · 2 seeds · 72 runs.")
    }

    /// Regression (fresh-reader review): a page rendered with `--scale ci` gave no sign of it,
    /// while the prose quoted the full-scale settings; the summary now opens with the scale.
    /// A block at full scale, or one without the active scale, says nothing about it.
    func testSummaryLineNamesAReducedScale() throws {
        let yaml = lrTransfer + "\nscales:\n  ci: {model: {depth: [4]}}"
        let reduced = ExperimentSummary.line(try fixtureBlock(yaml, scale: "ci"))
        XCTAssertTrue(reduced.hasPrefix("Scale ci (reduced; the prose may quote the full-scale settings): A random teacher network"), reduced)
        XCTAssertTrue(reduced.contains("· depth 4 ·"), reduced)
        XCTAssertFalse(ExperimentSummary.line(try fixtureBlock(yaml)).contains("Scale"))
        XCTAssertFalse(ExperimentSummary.line(try fixtureBlock(lrTransfer, scale: "ci")).contains("Scale"))
    }

    /// Regression (fresh-reader review): an init-variance block (every view reads step 0)
    /// said "Adam, η = 0.001 · 1 step of batch 256", as if it trained; it trains nothing the page shows.
    func testInitOnlySummaryNamesNoOptimizer() throws {
        let line = ExperimentSummary.line(try fixtureBlock("model: {width: 16, depth: [2, 8]}\ntrain: {steps: 1, batch: 256}\nmeasure: {coord_check_steps: [0]}\nshow: [init-variance]"))
        XCTAssertEqual(line, "A random teacher network (32 inputs, 10 classes), 1,024 training examples · width 16 · depths 2, 8 · depth-μP · measured at initialization (nothing trained) on a batch of 256 · 1 seed · 2 runs.")
    }

    /// Regression: every plot had one `<title>` ("Final train loss against learning rate");
    /// each panel's SVG now names its figure and panel.
    func testEachPanelNamesItsOwnFigure() throws {
        let html = ResultViews.render(.lossVsLR, BlockAnalysis(try fixtureBlock(lrTransfer, index: 3))).html
        let titles = html.components(separatedBy: "<svg").dropFirst().compactMap { svg -> String? in
            guard let start = svg.range(of: "<title>"), let end = svg.range(of: "</title>") else { return nil }
            return String(svg[start.upperBound..<end.lowerBound])
        }
        XCTAssertEqual(titles, ["Figure 3 (Learning-rate transfer): final train loss against learning rate: SP",
                                "Figure 3 (Learning-rate transfer): final train loss against learning rate: depth-μP"])
    }

    /// Regression: off-scale points were hollow triangles at the ceiling inside the axis, all
    /// series on one spot. They are now filled, on the frame's top edge (y = 26), shifted per
    /// series, and the legend names the axis top they exceed.
    func testOffScalePointsSitOnTheTopEdgePerSeries() throws {
        var plot = SVGPlot(xLabel: "x", yLabel: "y", xScale: .linear, yScale: .linear, panels: [SVGPlot.Panel(title: "", series: [
            SVGPlot.Series(name: "a", points: [(1, 1.0), (2, 900)]),
            SVGPlot.Series(name: "b", points: [(1, 1.2), (2, 800)]),
        ])], description: "d")
        plot.yCeiling = 4.8
        let html = plot.html()
        XCTAssertEqual(plot.axisTop, 5)
        let regex = try NSRegularExpression(pattern: "<polygon class=\"off-scale\" points=\"([0-9.]+),([0-9.]+) ")
        let apexes = regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
            (Double(html[Range(match.range(at: 1), in: html)!])!, Double(html[Range(match.range(at: 2), in: html)!])!)
        }
        XCTAssertEqual(apexes.map(\.1), [26, 26], "on the top edge")
        XCTAssertEqual(Set(apexes.map(\.0)).count, 2, "side by side: \(apexes)")
        XCTAssertTrue(html.contains("▲</span> above y = 5</li>"), html)
    }

    /// Sub- and superscripts in plot labels are `<tspan>`s, never `_` or `^` text.
    func testSVGLabelsUseTspans() {
        XCTAssertEqual(SVGText.tspans("RMS(x_{L,t} − x_0)"),
                       "RMS(x<tspan dy=\"4\" font-size=\"12\">L,t</tspan><tspan dy=\"-4\"> − x</tspan><tspan dy=\"4\" font-size=\"12\">0</tspan><tspan dy=\"-4\">)</tspan>")
        XCTAssertEqual(SVGText.tspans("m^{−α} & b"), "m<tspan dy=\"-5\" font-size=\"12\">−α</tspan><tspan dy=\"5\"> &amp; b</tspan>")
        XCTAssertEqual(SVGText.plain("‖W_{l,0}‖^2"), "‖Wl,0‖²")
    }

    func testDisplayNames() {
        XCTAssertEqual(["sp", "mup", "depth-mup", "α=0.5 γ=0", "α=1 γ=0", "α=0.25 γ=0.75", "relu"].map(DisplayName.parametrization),
                       ["SP", "μP", "depth-μP", "(½, 0)", "(1, 0)", "(¼, ¾)", "relu"])
        XCTAssertEqual(DisplayName.value("64", axis: "depth"), "L = 64")
        XCTAssertEqual(DisplayName.value("2", axis: "block_depth"), "block depth 2")
        XCTAssertEqual(DisplayName.value("relu", axis: "activation"), "ReLU")
    }
}
