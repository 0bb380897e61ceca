import ArgumentParser
import DepthbookKit
import Foundation
import Notebook
import Render
import Runner

/// `depthbook render`: one notebook to one HTML page.
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
/// ```
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a notebook to HTML.",
        discussion: """
            The page is written beside the notebook (NOTES.md -> NOTES.html, KaTeX assets in \
            NOTES_files/) unless -o names another file; -o - writes to standard output and \
            implies --self-contained for full pages.
            """
    )

    @Argument(help: "The notebook (.md).")
    var notebook: String

    @Option(name: .shortAndLong, help: "Output file, or - for standard output (default: beside the notebook).")
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
            let destination = output ?? Self.defaultOutput(for: notebook)
            // `-o -`, `/dev/null`, a FIFO: a stream takes the page alone, self-contained.
            let toStream = OutputSet.isStream(destination)
            var page = RenderOptions()
            page.fragment = fragment
            page.selfContained = selfContained || toStream
            page.template = try template.map { try PageTemplate.load(path: $0) }
            var request = RenderRequest(notebookPath: notebook, destination: destination, scale: execution.scale,
                                        parse: ParseOptions(allowRawHTML: unsafeHTML ? true : nil),
                                        run: execution.options, page: page)
            request.templatePath = template
            if let note = execution.jobCount.note { printError(note) }
            let interrupt = InterruptHandler()
            let pipeline = NotebookPipeline(executors: try execution.executors(try Notebook.load(path: notebook, options: request.parse).frontMatter.executor), observer: execution.dryRun ? SilentProgress() : StderrProgress(mode: quiet ? .quiet : nil),
                                            stop: interrupt.stop)
            if execution.dryRun {
                // The arrays' scripts and points are printed by the executor; nothing is written.
                _ = pipeline.run(try pipeline.prepare(path: notebook, scale: execution.scale, parse: request.parse), options: request.run)
                return
            }
            let rendered = try pipeline.render(request)
            if destination == "-" {
                FileHandle.standardOutput.write(Data(rendered.page.html.utf8))
            } else {
                try pipeline.write(rendered, to: destination)
                if !quiet, !toStream { print("wrote \(destination)") }
            }
            for failure in rendered.failures { printError("error: \(failure)") }
            if !rendered.failures.isEmpty { throw ExitStatus.executionFailure }
        }
    }

    /// `notes.md` → `notes.html` in the same directory.
    static func defaultOutput(for notebook: String) -> String {
        let url = URL(fileURLWithPath: notebook)
        let base = url.pathExtension.isEmpty ? notebook : String(notebook.dropLast(url.pathExtension.count + 1))
        return base + ".html"
    }
}
