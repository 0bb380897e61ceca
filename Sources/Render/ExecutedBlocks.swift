import Foundation
import Notebook
import Runner

/// The ``BlockContentProvider`` of an executed notebook: each block becomes a numbered figure
/// with its views, inline references quote its results, `@id` links to its figure.
///
/// Figure numbers are the blocks' positions in the notebook (block 2 is Figure 2), so they never
/// depend on which blocks ran. A failed block shows its error in place, above whatever results
/// it has; a timed-out block says so.
///
/// ```swift
/// let provider = ExecutedBlocks(results: scheduler.run(blocks))
/// let page = try PageRenderer.renderPage(notebook: notebook, provider: provider, options: options)
/// for file in provider.sideFiles(pageName: "notes", notebookFile: "notes.md") { … }
/// ```
public struct ExecutedBlocks: BlockContentProvider {
    public let results: [BlockResult]
    /// Cell indexes of blocks still running (a preview's partial page): their unfinished points
    /// are pending, not interrupted.
    public let running: Set<Int>
    let analyses: [Int: BlockAnalysis]
    let views: [Int: [(kind: ViewKind, output: ViewOutput)]]
    /// The page's file name without `.html`: each figure then links its CSV files and the
    /// page's results JSON (which ``sideFiles(pageName:notebookFile:)`` writes under that name).
    public var pageName: String?
    /// Whether each figure holds its block's YAML, as written, in a collapsed `<details>`
    /// (front matter `show-source`).
    public var showSource = true
    /// Names of the notebook's blocks that did not decode (validation before a run): listed in
    /// an unknown block's hint, so it does not claim the notebook has none.
    public var undecoded: [String] = []

    public init(results: [BlockResult], pageName: String? = nil, showSource: Bool = true, running: Set<Int> = []) {
        self.results = results
        self.pageName = pageName
        self.showSource = showSource
        self.running = running
        var analyses: [Int: BlockAnalysis] = [:]
        var views: [Int: [(kind: ViewKind, output: ViewOutput)]] = [:]
        for block in results {
            let analysis = BlockAnalysis(block)
            analyses[block.cell.index] = analysis
            views[block.cell.index] = block.spec.show.map { ($0, ResultViews.render($0, analysis)) }
        }
        self.analyses = analyses
        self.views = views
    }

    func block(_ cell: ExperimentCell) -> BlockResult? { results.first { $0.cell.index == cell.index } }

    public func html(for cell: ExperimentCell) -> String {
        guard let block = block(cell), let views = views[cell.index] else { return UnexecutedBlocks().html(for: cell) }
        let title = block.spec.title ?? block.spec.id ?? cell.id ?? "Experiment \(cell.index)"
        var html = "<figure class=\"experiment\">\n"
        html += "<figcaption><span class=\"figure-number\">Figure \(cell.index).</span> \(HTMLEscaping.escape(title))</figcaption>\n"
        let finished = Self.finishedCount(block)
        switch block.status {
        case .ok: break
        case .failed(let message):
            html += "<div class=\"error\" role=\"alert\"><strong>Experiment failed.</strong> <code>\(HTMLEscaping.escape(message))</code></div>\n"
        case .timedOut(let seconds):
            html += "<div class=\"error timeout\" role=\"alert\"><strong>Timed out</strong> after \(NumberFormat.exact(seconds)) s: \(finished) of \(counted(block.points.count, "point")) finished.</div>\n"
        case .cancelled where running.contains(cell.index):
            html += "<div class=\"running\" role=\"status\"><strong>Running:</strong> \(finished) of \(counted(block.points.count, "point")) finished.</div>\n"
        case .cancelled:
            html += "<div class=\"error\" role=\"alert\"><strong>Interrupted:</strong> \(finished) of \(counted(block.points.count, "point")) finished.</div>\n"
        }
        for view in views {
            html += "<div class=\"view view-\(view.kind.rawValue)\">\n\(view.output.html)</div>\n"
        }
        html += "<p class=\"experiment-summary\">\(HTMLEscaping.escape(ExperimentSummary.line(block)))</p>\n"
        if let pageName {
            var links = ["<a href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL("\(pageName).results.json")))\">all results (JSON)</a>"]
            for view in views {
                for (number, table) in view.output.tables.enumerated() {
                    let name = Self.csvName(pageName: pageName, block: block, view: view.kind, tables: view.output.tables, number: number)
                    let label = ExperimentSummary.viewName(view.kind) + (view.output.tables.count > 1 ? " " + (table.panel ?? "\(number + 1)") : "")
                    links.append("<a href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL(name)))\">\(HTMLEscaping.escape(label)) (CSV)</a>")
                }
            }
            html += "<p class=\"experiment-data\">Data: \(links.joined(separator: " · "))</p>\n"
        }
        if showSource {
            html += "<details class=\"experiment-source\"><summary>The experiment block, as written in the notebook</summary>\n"
            html += "<pre><code class=\"language-yaml\">\(HTMLEscaping.escape(cell.body))</code></pre>\n</details>\n"
        }
        html += "</figure>\n"
        return html
    }

    /// `NAME.<block>.<view>.csv` for a view's only table; for one of several, the panel it holds:
    /// `NAME.<block>.loss-table.sp.csv` (``TableView/panel``; `-2`, `-3` … after the view's name
    /// for a table without one, or whose panel name an earlier table of the view took).
    static func csvName(pageName: String, block: BlockResult, view: ViewKind, tables: [TableView], number: Int) -> String {
        let base = "\(pageName).\(block.anchor).\(view.rawValue)"
        guard tables.count > 1 else { return base + ".csv" }
        if let panel = tables[number].panel, !tables[..<number].contains(where: { $0.panel == panel }) {
            return "\(base).\(panel).csv"
        }
        return "\(base)-\(number + 1).csv"
    }

    static func finishedCount(_ block: BlockResult) -> Int {
        block.outcomes.filter { if case .finished = $0 { return true } else { return false } }.count
    }

    /// `incomplete: 686 of 10000 points finished (timed out)`, or nil for a block that finished.
    static func incompleteNote(_ block: BlockResult, running: Bool = false) -> String? {
        let why: String
        switch block.status {
        case .ok: return nil
        case .failed: why = "failed"
        case .timedOut: why = "timed out"
        case .cancelled: why = running ? "running" : "interrupted"
        }
        let finished = finishedCount(block)
        guard finished < block.points.count else { return nil }
        return "incomplete: \(finished) of \(block.points.count) points finished (\(why))"
    }

    public func crossReferenceHTML(forBlockID id: String) -> String? {
        guard let block = results.first(where: { $0.names.contains(id) }) else { return nil }
        return "<a class=\"cross-reference\" href=\"#\(HTMLEscaping.escape(block.anchor))\">Figure \(block.cell.index)</a>"
    }

    public func inlineHTML(for reference: InlineReference) throws -> String {
        let value = try QuotableValue.resolve(reference, in: self)
        // A quantity over a block that did not finish describes only the points that did
        // (a best rate among 686 of 10,000 points): the page says so next to the number.
        if let block = QuotableValue.block(of: reference, in: self),
           let note = Self.incompleteNote(block, running: running.contains(block.cell.index)) {
            return "<span class=\"reference incomplete\" title=\"\(HTMLEscaping.escape(reference.text))\">\(HTMLEscaping.escape(value))"
                + " <em class=\"incomplete-note\">(\(note))</em></span>"
        }
        return "<span class=\"reference\" title=\"\(HTMLEscaping.escape(reference.text))\">\(HTMLEscaping.escape(value))</span>"
    }

    /// The files that go beside the page: `NAME.results.json` and one CSV per table,
    /// `NAME.<block>.<view>.csv` (`NAME.<block>.<view>.<panel>.csv` for a view's several tables).
    public func sideFiles(pageName: String, notebookFile: String) -> [(name: String, contents: String)] {
        var files = [(name: "\(pageName).results.json", contents: ResultsJSON.encode(results, notebookFile: notebookFile))]
        for block in results {
            for view in views[block.cell.index] ?? [] {
                for (number, table) in view.output.tables.enumerated() {
                    files.append((Self.csvName(pageName: pageName, block: block, view: view.kind, tables: view.output.tables, number: number),
                                  table.csv()))
                }
            }
        }
        return files
    }
}
