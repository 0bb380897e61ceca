import ArgumentParser
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
            let parsed = try Notebook.load(
                path: notebook, options: ParseOptions(allowRawHTML: unsafeHTML ? true : nil))
            let destination = output ?? Self.defaultOutput(for: notebook)
            // `-o -`, `/dev/null`, a FIFO: a stream takes the page alone, self-contained.
            let toStream = OutputSet.isStream(destination)
            var options = RenderOptions()
            options.fragment = fragment
            options.selfContained = selfContained || toStream
            options.template = try template.map { try PageTemplate.load(path: $0) }
            let name = URL(fileURLWithPath: destination).deletingPathExtension().lastPathComponent
            options.assetFolder = "\(name)_files"
            let blocks = try NotebookRun.preparedBlocks(parsed, path: notebook, scale: execution.scale)
            var outputs = OutputSet(inputs: NotebookRun.inputs(notebook: notebook, template: template, blocks: blocks))
            let sideFolder = URL(fileURLWithPath: destination).deletingLastPathComponent()
            try NotebookRun.checkOutput(destination, outputs: outputs,
                                        sideFiles: toStream ? [] : [sideFolder.appendingPathComponent("\(name).results.json").path])
            if let note = execution.jobCount.note { printError(note) }
            let interrupt = InterruptHandler()
            let progress = StderrProgress(mode: quiet ? .quiet : nil)
            let scheduler = Scheduler(executor: NotebookRun.executor(for: notebook), cache: NotebookRun.cache(for: notebook),
                                      options: execution.options, progress: progress, stop: interrupt.stop)
            let results = scheduler.run(blocks)
            if interrupt.stop.isSet {
                // Finished points are cached; no page is written from a partial run.
                printError("interrupted: finished points are cached; run again to continue")
                throw ExitStatus.interrupted
            }
            let provider = ExecutedBlocks(results: results)
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
    }

    /// `notes.md` → `notes.html` in the same directory.
    static func defaultOutput(for notebook: String) -> String {
        let url = URL(fileURLWithPath: notebook)
        let base = url.pathExtension.isEmpty ? notebook : String(notebook.dropLast(url.pathExtension.count + 1))
        return base + ".html"
    }
}
