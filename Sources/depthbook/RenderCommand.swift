import ArgumentParser
import DepthbookKit
import Foundation
import Notebook
import Render
import Runner

/// `depthbook render`: one notebook to one HTML page, or a folder of notebooks to a book
/// (``NotebookPipeline/renderBook(_:)``).
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
            let destination = output ?? Self.defaultOutput(for: notebook)
            // `-o -`, `/dev/null`, a FIFO: a stream takes the page alone, self-contained.
            let toStream = OutputSet.isStream(destination)
            let parseOptions = try self.parseOptions()
            var request = RenderRequest(notebookPath: notebook, destination: destination, scale: execution.scale,
                                        parse: parseOptions, run: execution.options,
                                        page: try pageOptions(selfContained: selfContained || toStream))
            request.templatePath = template
            let interrupt = InterruptHandler()
            let pipeline = makePipeline(stop: interrupt.stop)
            if execution.dryRun {
                // The arrays' scripts and points are printed by the executor; nothing is written.
                _ = pipeline.run(try pipeline.prepare(path: notebook, scale: execution.scale, parse: parseOptions), options: request.run)
                return
            }
            let rendered = try withExtendedLifetime(interrupt) { try pipeline.render(request) }
            if destination == "-" {
                FileHandle.standardOutput.write(Data(rendered.page.html.utf8))
            } else {
                try pipeline.write(rendered, to: destination)
                if !quiet, !toStream { print("wrote \(destination)") }
            }
            try Self.exitForFailures(rendered.failures)
        }
    }

    /// Book mode: every notebook of the folder, each page with contents and previous/next
    /// links, then `index.html`; all written at once when every chapter has run.
    func renderBook() throws {
        guard !fragment, output != "-" else {
            throw OutputError(description: "\(notebook): a folder renders to a folder of pages; hint: give -o OUT/ (not -o - or --fragment), or render one NOTEBOOK.md")
        }
        var request = BookRequest(folder: notebook, outputFolder: output, scale: execution.scale,
                                  parse: try parseOptions(), run: execution.options, page: try pageOptions(selfContained: selfContained))
        request.templatePath = template
        let interrupt = InterruptHandler()
        let pipeline = makePipeline(stop: interrupt.stop)
        if execution.dryRun {
            // The Slurm chapters' arrays are printed by their executor, as for one notebook.
            for path in try pipeline.dryRunBook(request) {
                print("# \(path): runs locally (its executor is not slurm); --dry-run runs nothing there")
            }
            return
        }
        let book = try withExtendedLifetime(interrupt) { try pipeline.renderBook(request) }
        try pipeline.writeBook(book)
        if !quiet {
            for page in book.pages { print("wrote \(page.destination)") }
            print("wrote \(book.indexPath) (\(book.pages.count) notebook\(book.pages.count == 1 ? "" : "s"))")
        }
        try Self.exitForFailures(book.failures)
    }

    /// `--unsafe-html` and `--set` as parse options.
    func parseOptions() throws -> ParseOptions {
        try execution.parameters.parse(ParseOptions(allowRawHTML: unsafeHTML ? true : nil))
    }

    /// `--fragment` and `--template` (loaded) as page options.
    ///
    /// - Throws: ``RenderError`` for an unreadable or malformed template.
    func pageOptions(selfContained: Bool) throws -> RenderOptions {
        var page = RenderOptions()
        page.fragment = fragment
        page.selfContained = selfContained
        page.template = try template.map { try PageTemplate.load(path: $0) }
        return page
    }

    /// The pipeline of this command's flags (`--executor`, `--quiet`), stopped by `stop` (Ctrl-C);
    /// each notebook's front matter `executor:` picks its executor where the flags do not.
    func makePipeline(stop: StopFlag) -> NotebookPipeline {
        if let note = execution.jobCount.note { printError(note) }
        return NotebookPipeline(executors: execution.executors,
                                observer: execution.dryRun ? SilentProgress() : StderrProgress(mode: quiet ? .quiet : nil),
                                stop: stop)
    }

    /// Prints each failure and exits 1 when there is one.
    static func exitForFailures(_ failures: [String]) throws {
        for failure in failures { printError("error: \(failure)") }
        if !failures.isEmpty { throw ExitStatus.executionFailure }
    }

    /// `notes.md` → `notes.html` in the same directory.
    static func defaultOutput(for notebook: String) -> String {
        let url = URL(fileURLWithPath: notebook)
        let base = url.pathExtension.isEmpty ? notebook : String(notebook.dropLast(url.pathExtension.count + 1))
        return base + ".html"
    }
}
