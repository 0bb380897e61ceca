import ArgumentParser
import Foundation
import Notebook
import Render
import Runner

/// `depthbook render`: one notebook to one HTML page, or a folder of notebooks to a book.
///
/// The page goes beside the notebook (`notes.md` → `notes.html`, assets in `notes_files/`)
/// unless `-o` names another file, or `-o -` for standard output (which implies
/// `--self-contained` for full pages: there is no directory to put assets in).
///
/// ```
/// $ depthbook render notes.md
/// wrote notes.html
/// $ depthbook render notes.md --fragment -o -
/// <p>Let <span class="math inline">L</span> be the depth.</p>
/// $ depthbook render notebooks/ -o out/
/// wrote out/01-why-depth-needs-scaling.html
/// …
/// wrote out/index.html (4 notebooks)
/// ```
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a notebook to HTML, or a folder of notebooks to a book.",
        discussion: """
            The page is written beside the notebook (NOTES.md -> NOTES.html, KaTeX assets in \
            NOTES_files/) unless -o names another file; -o - writes to standard output and \
            implies --self-contained for full pages. A FOLDER renders every *.md in it (but \
            index.md, the introduction) into -o OUT/ (default: the folder): one page each, in \
            front matter `order:` then file-name order, previous/next links, and index.html.
            """
    )

    @Argument(help: "The notebook (.md), or a folder of notebooks (a book).")
    var notebook: String

    @Option(name: .shortAndLong, help: "Output file, or - for standard output (default: beside the notebook); for a folder, the output folder.")
    var output: String?

    @Flag(help: "Write only the body HTML: no template, assets, heading anchors or table of contents.")
    var fragment = false

    @Flag(help: "Inline KaTeX's script, style sheet and fonts so the page works offline as one file.")
    var selfContained = false

    @Option(help: "A Mustache page template to use instead of the built-in one.")
    var template: String?

    @Flag(help: "Keep raw HTML from the notebook (default: omitted unless the front matter says unsafe-html: true).")
    var unsafeHTML = false

    @Flag(help: "Print nothing but errors and warnings.")
    var quiet = false

    @OptionGroup var execution: RunFlags

    func run() throws {
        try reportingErrors {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: notebook, isDirectory: &isDirectory), isDirectory.boolValue {
                try renderBook()
                return
            }
            let parsed = try Notebook.load(
                path: notebook, options: ParseOptions(allowRawHTML: unsafeHTML ? true : nil))
            let destination = output ?? Self.defaultOutput(for: notebook)
            let rendered = try render(parsed, path: notebook, to: destination, navigation: nil)
            try Self.exitForFailures(rendered.results)
        }
    }

    /// Book mode: every notebook of the folder (``Book``), each page with contents and
    /// previous/next links, then `index.html` with each chapter's headline quoted live. Each
    /// page is written all or nothing as a single page is; the pages' assets go in `NAME_files/`.
    func renderBook() throws {
        guard !fragment, output != "-" else {
            throw OutputError(description: "\(notebook): a folder renders to a folder of pages; hint: give -o OUT/ (not -o - or --fragment), or render one NOTEBOOK.md")
        }
        let folder = output ?? notebook
        let options = ParseOptions(allowRawHTML: unsafeHTML ? true : nil)
        let chapters = Book.order(try Book.notebookPaths(in: notebook).map { path in
            Book.Chapter(path: path, notebook: try Notebook.load(path: path, options: options))
        })
        // Bad input in any chapter is found before the first one runs.
        for chapter in chapters { _ = try NotebookRun.preparedBlocks(chapter.notebook, path: chapter.path, scale: execution.scale) }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
            throw OutputError(description: "\(folder): is a file, not a folder; hint: a book is written to a folder of pages, give -o OUT/")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "\(folder): cannot create the folder; hint: check the -o path and that its parent is writable")
        }
        var entries: [IndexPage.Entry] = []
        var allResults: [BlockResult] = []
        for (index, chapter) in chapters.enumerated() {
            let destination = (folder as NSString).appendingPathComponent(chapter.page)
            let rendered = try render(chapter.notebook, path: chapter.path, to: destination,
                                      navigation: Book.navigation(chapters, at: index))
            allResults += rendered.results
            entries.append(IndexPage.Entry(title: chapter.title, description: chapter.notebook.frontMatter.description,
                                           href: chapter.page,
                                           headlineHTML: try Book.headlineHTML(chapter, provider: rendered.provider)))
        }
        var introduction = ""
        var title = "Notebooks"
        var inputs = chapters.map { (path: $0.path, role: "notebook") }
        let introPath = (notebook as NSString).appendingPathComponent(Book.introductionFile)
        if FileManager.default.fileExists(atPath: introPath) {
            let intro = try Notebook.load(path: introPath, options: options)
            var fragmentOptions = RenderOptions()
            fragmentOptions.fragment = true
            introduction = try PageRenderer.renderPage(notebook: intro, provider: UnexecutedBlocks(), options: fragmentOptions).html
            title = intro.frontMatter.title ?? title
            inputs.append((introPath, "notebook"))
        }
        let index = (folder as NSString).appendingPathComponent("index.html")
        var outputs = OutputSet(inputs: inputs)
        outputs.add(Data(IndexPage.html(title: title, introductionHTML: introduction, entries: entries).utf8), to: index)
        try outputs.commit()
        if !quiet { print("wrote \(index) (\(chapters.count) notebook\(chapters.count == 1 ? "" : "s"))") }
        try Self.exitForFailures(allResults)
    }

    /// Runs `parsed`'s blocks and writes its page, assets, results JSON and CSV (all or nothing,
    /// ``OutputSet``) to `destination`, or the page alone to a stream (`-o -`, a FIFO).
    func render(_ parsed: Notebook, path: String, to destination: String,
                navigation: String?) throws -> (results: [BlockResult], provider: ExecutedBlocks) {
        // `-o -`, `/dev/null`, a FIFO: a stream takes the page alone, self-contained.
        let toStream = OutputSet.isStream(destination)
        var options = RenderOptions()
        options.fragment = fragment
        options.selfContained = selfContained || toStream
        options.template = try template.map { try PageTemplate.load(path: $0) }
        options.navigation = navigation
        let name = URL(fileURLWithPath: destination).deletingPathExtension().lastPathComponent
        options.assetFolder = "\(name)_files"
        let blocks = try NotebookRun.preparedBlocks(parsed, path: path, scale: execution.scale)
        var outputs = OutputSet(inputs: NotebookRun.inputs(notebook: path, template: template, blocks: blocks))
        let sideFolder = URL(fileURLWithPath: destination).deletingLastPathComponent()
        try NotebookRun.checkOutput(destination, outputs: outputs,
                                    sideFiles: toStream ? [] : [sideFolder.appendingPathComponent("\(name).results.json").path])
        if let note = execution.jobCount.note { printError(note) }
        let interrupt = InterruptHandler()
        let progress = StderrProgress(mode: quiet ? .quiet : nil)
        let scheduler = Scheduler(executor: NotebookRun.executor(for: path), cache: NotebookRun.cache(for: path),
                                  options: execution.options, progress: progress, stop: interrupt.stop)
        let results = scheduler.run(blocks)
        if interrupt.stop.isSet {
            // Finished points are cached; no page is written from a partial run.
            printError("interrupted: finished points are cached; run again to continue")
            throw ExitStatus.interrupted
        }
        // Figures link their CSV and the results JSON, which go beside a page written to a file.
        let provider = ExecutedBlocks(results: results, pageName: toStream || results.isEmpty ? nil : name,
                                      showSource: parsed.frontMatter.showSource)
        let page = try PageRenderer.renderPage(notebook: parsed, provider: provider, options: options)
        for warning in page.warnings { printError(warning) }
        if destination == "-" {
            FileHandle.standardOutput.write(Data(page.html.utf8))
        } else {
            if !toStream {
                for asset in page.assets {
                    outputs.add(asset.contents, to: sideFolder.appendingPathComponent(asset.relativePath).path)
                }
                if !results.isEmpty {
                    for file in provider.sideFiles(pageName: name, notebookFile: parsed.file) {
                        outputs.add(Data(file.contents.utf8), to: sideFolder.appendingPathComponent(file.name).path)
                    }
                }
            }
            outputs.add(Data(page.html.utf8), to: destination)
            try outputs.commit()
            if !quiet, !toStream { print("wrote \(destination)") }
        }
        return (results, provider)
    }

    /// Prints each failed block and exits 1 when one of them fails the command.
    static func exitForFailures(_ results: [BlockResult]) throws {
        let failures = results.filter { block in
            switch block.status {
            case .failed, .timedOut: return block.failsCommand
            default: return false
            }
        }
        for block in failures {
            switch block.status {
            case .failed(let message): printError("error: \(message)")
            case .timedOut(let seconds): printError("error: \(block.cell.range.start): block \(block.cell.label): timed out after \(seconds) s")
            default: break
            }
        }
        if !failures.isEmpty { throw ExitStatus.executionFailure }
    }

    /// `notes.md` → `notes.html` in the same directory.
    static func defaultOutput(for notebook: String) -> String {
        let url = URL(fileURLWithPath: notebook)
        let base = url.pathExtension.isEmpty ? notebook : String(notebook.dropLast(url.pathExtension.count + 1))
        return base + ".html"
    }
}
