import Foundation
import Notebook
import Render
import Runner

/// The render/check pipeline as a library: what `depthbook render` and `check` do, callable by
/// anything that holds a notebook path (the CLI, a preview server, a cluster driver, tests).
///
/// A pipeline owns no process-wide state: the executor of each notebook comes from
/// ``executors``, every event goes to ``observer``, and ``stop`` is polled by running points.
/// Bad input throws a located error (`file:line:col: …; hint`) before anything runs; a failing
/// experiment is a value (``RenderedNotebook/failures``), never a throw.
///
/// ```swift
/// let pipeline = NotebookPipeline(executors: .inProcess, observer: StderrProgress())
/// let rendered = try pipeline.render(RenderRequest(notebookPath: "notes.md", destination: "notes.html"))
/// try pipeline.write(rendered, to: "notes.html")
/// ```
public final class NotebookPipeline: Sendable {
    public let executors: ExecutorFactory
    public let observer: any RunObserver
    public let stop: StopFlag

    public init(executors: ExecutorFactory = .inProcess, observer: any RunObserver = SilentProgress(),
                stop: StopFlag = StopFlag()) {
        self.executors = executors
        self.observer = observer
        self.stop = stop
    }

    // MARK: Preparing

    /// Parses the notebook at `path` and prepares it (``prepare(_:path:scale:)``).
    ///
    /// - Throws: ``NotebookError`` (unreadable, bad front matter), then as ``prepare(_:path:scale:)``.
    public func prepare(path: String, scale: String? = nil, parse: ParseOptions = ParseOptions()) throws -> PreparedNotebook {
        try prepare(Notebook.load(path: path, options: parse), path: path, scale: scale)
    }

    /// Everything `render` and `check` verify before running: blocks decode (with the front
    /// matter's defaults and the active scale), ids are unique, inline references resolve
    /// against the sweeps, data files exist.
    ///
    /// - Parameters:
    ///   - path: where the notebook lives; its folder resolves relative data paths and holds the cache.
    ///   - scale: `--scale`, overriding the front matter's `scale:` (default `full`).
    ///   Data headers are not read (`check` adds ``dataProblems(_:executor:)``); a render leaves
    ///   that to loading, where bad data fails its block (exit 1, error in place).
    /// - Throws: the first bad-input error, located: ``SpecError``, ``NotebookError``, ``RenderError``.
    ///   - alone: the notebook is the whole render, so its executor settings are checked now
    ///     (``ExecutorFactory/validate``); a book checks every chapter's together.
    public func prepare(_ notebook: Notebook, path: String, scale: String? = nil,
                        alone: Bool = true) throws -> PreparedNotebook {
        let (prepared, errors) = try diagnose(notebook, path: path, scale: scale, alone: alone)
        // NOTE: every error, as `check` gives (fresh-user review: render named only the first,
        // so an author fixed and re-ran once per error).
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw BadInput(errors) }
        return prepared
    }

    /// Every bad-input error of `notebook` that ``prepare(_:path:scale:alone:)`` looks
    /// for (blocks, every error of each; the scale, cross-references, inline references, data
    /// files), each located, in source order (line, then column; `--set` and whole-file errors
    /// first); and the notebook prepared with the blocks that decoded.
    ///
    /// Problems that follow from an earlier one are left out: an inline reference to a block that
    /// did not decode, the data of such a block.
    ///
    /// - Parameter alone: as for ``prepare(_:path:scale:alone:)``.
    /// - Throws: the executor settings' error (``ExecutorFactory/validate``), which stops
    ///   everything else.
    public func diagnose(_ notebook: Notebook, path: String, scale: String? = nil,
                         alone: Bool = true) throws -> (prepared: PreparedNotebook, errors: [Error]) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if alone { try executors.validate([(notebook.file, notebook.frontMatter.executor)]) }
        let executor = try executors.make(url.deletingLastPathComponent(), notebook.frontMatter.executor)
        var errors: [Error] = notebook.structureErrors
        let blocks = Self.decodeBlocks(notebook, scale: scale, errors: &errors)
        let broken = Set(notebook.experiments.filter { cell in !blocks.contains { $0.cell.index == cell.index } }
            .flatMap { [$0.id, String($0.index)].compactMap { $0 } })
        Self.validateReferences(notebook, blocks: blocks, skippingBlocks: broken, errors: &errors)
        Self.checkDataFiles(blocks, executor: executor, errors: &errors)
        let prepared = PreparedNotebook(path: path, notebook: notebook, blocks: blocks, executor: executor,
                                        cache: Self.cache(forNotebookAt: path))
        return (prepared, errors.inSourceOrder(of: notebook.file))
    }

    /// Decodes every block that can be, appending each error (every one of each block, in source
    /// order; then a bad scale) to `errors`.
    static func decodeBlocks(_ notebook: Notebook, scale: String?, errors: inout [Error]) -> [PreparedBlock] {
        let matter = notebook.frontMatter
        var defaults: SpecNode?
        do {
            defaults = try matter.defaults.map { node in
                // Front-matter YAML line k is file line k + 1; columns are the file's.
                try SpecNode(yams: node, origin: SourceLocation(file: notebook.file, line: 2, column: 1), block: "defaults")
            }
        } catch {
            errors.append(error)
            return []
        }
        // `--set defaults.…` over the front matter's defaults; `--set KEY…` over every block.
        if let set = notebook.parameters.defaults { defaults = defaults.map { $0.merged(with: set) } ?? set }
        let active = scale ?? matter.scale
        var seen: [String: Int] = [:]
        var blocks: [PreparedBlock] = []
        for cell in notebook.experiments {
            // An empty block would train the default point: almost surely not what was meant.
            if cell.body.split(separator: "\n").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty
                                                            || $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }) {
                errors.append(SpecError(location: cell.range.start, block: cell.label, path: "",
                                        message: "the experiment block is empty; hint: write its YAML between the fences, e.g. model: {width: 64, depth: [4, 8]} and show: [loss-table] (every key has a default, so one is enough)"))
                continue
            }
            do {
                let spec = try ExperimentSpec.decodeReportingAll(cell, defaults: defaults, scale: active,
                                                                 overrides: notebook.parameters.block)
                if let id = spec.id {
                    if let first = seen[id] {
                        throw SpecError(location: cell.range.start, block: cell.label, path: "id",
                                        message: "id \(id) is already used by block \(first); ids must be unique")
                    }
                    seen[id] = cell.index
                }
                blocks.append((cell, spec))
            } catch let all as SpecErrors {
                // An error of the defaults shows once, not once per block that inherits it.
                for error in all.errors where !(error.block.isEmpty && errors.contains { ($0 as? SpecError) == error }) {
                    errors.append(error)
                }
            } catch {
                errors.append(error)
            }
        }
        // A scale no block defines is a typo (`--scale cl`), not a request for a full run
        // (known once every block decoded).
        let defined = Set(blocks.flatMap(\.spec.scaleNames))
        if active != "full", !blocks.isEmpty, blocks.count == notebook.experiments.count, !defined.contains(active) {
            let known = ["full"] + defined.sorted()
            let guess = "hint: " + (DidYouMean.suggestion(for: active, among: known).map { "did you mean \($0)? " } ?? "")
            // NOTE: with no scale but full, the name alone left an author guessing (fresh-user
            // review: `--scale ci` on a notebook without scales); say what full means and how
            // to add the scale.
            let hint = defined.isEmpty
                ? "\(guess)this notebook defines no scales: drop \(scale != nil ? "--scale" : "scale:") to run every block as written (full), or give a block `scales: {\(active): {train: {steps: 10}}}`"
                : "\(guess)this notebook's scales are \(known.joined(separator: ", "))"
            errors.append(NotebookError.located(SourceLocation(file: notebook.file, line: 1, column: 1),
                                                message: "\(scale != nil ? "--scale" : "front matter scale"): no block defines scale \"\(active)\"",
                                                hint: hint))
        }
        return blocks
    }

    /// Resolves every inline reference against the blocks' sweeps before anything runs, so a
    /// typo in `{{block.quantity[…]}}` is reported at once rather than after the experiments:
    /// appends every bad cross-reference (``Notebook/crossReferenceErrors(blockIDs:)``) and every
    /// inline reference that does not resolve to `errors`, skipping references to the blocks
    /// named in `skippingBlocks` (ones that did not decode).
    static func validateReferences(_ notebook: Notebook, blocks: [PreparedBlock], skippingBlocks: Set<String>,
                                   errors: inout [Error]) {
        // A broken block's number (`1`) silences references to it but is no id to list (`@1`).
        let numbers = Set(notebook.experiments.map { String($0.index) }).subtracting(notebook.experiments.compactMap(\.id))
        let blockIDs = Set(blocks.compactMap(\.spec.id) + notebook.experiments.compactMap(\.id)).union(skippingBlocks.subtracting(numbers))
        errors += notebook.crossReferenceErrors(blockIDs: blockIDs) as [Error]
        errors += notebook.unclosedReferenceErrors as [Error]
        let unrun = blocks.map { block -> BlockResult in
            let points = Sweep.points(of: block.spec)
            return BlockResult(cell: block.cell, spec: block.spec, axes: Sweep.axes(of: block.spec), points: points,
                               outcomes: points.map { _ in .cancelled }, status: .ok, failsCommand: false)
        }
        var executed = ExecutedBlocks(results: unrun)
        executed.undecoded = notebook.experiments.filter { skippingBlocks.contains($0.label) }.map { $0.id ?? "block \($0.index)" }
        let provider = CollectingProvider(base: executed, skippingBlocks: skippingBlocks)
        var options = RenderOptions()
        options.fragment = true
        do {
            _ = try PageRenderer.renderPage(notebook: notebook, provider: provider, options: options)
            // The front matter's book headline quotes results too.
            _ = try Book.headlineHTML(Book.Chapter(path: notebook.file, notebook: notebook), provider: provider)
        } catch {
            errors.append(error)
        }
        errors += provider.errors
    }

    /// A located error for each missing data file of each block (at the key naming it).
    static func checkDataFiles(_ blocks: [PreparedBlock], executor: any PointExecutor, errors: inout [Error]) {
        for block in blocks {
            var missingFiles = executor.missingDataFiles(for: block.spec.data)
            // One error for a `data.directory` that lacks Fashion-MNIST's files, not one per file
            // at one column (fresh-user review: four, with a hint about relative paths for an
            // absolute one).
            if let directory = block.spec.data.directory, missingFiles.count > 1, missingFiles.allSatisfy({ $0.key == "data.directory" }) {
                let folder = URL(fileURLWithPath: missingFiles[0].path).deletingLastPathComponent().path
                var isFolder: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue
                let names = missingFiles.map { URL(fileURLWithPath: $0.path).lastPathComponent }
                let relative = directory.hasPrefix("/") ? "" : " (a relative path is read from the notebook's folder)"
                errors.append(SpecError(location: dataKeyLocation(block.cell, "data.directory"), block: block.cell.label, path: "data.directory",
                                        message: (exists ? "\(folder) lacks \(names.joined(separator: ", "))" : "no such folder \(folder)")
                                            + "; hint: name the folder that holds Fashion-MNIST's .gz files\(relative), or drop data.directory for Debian's dataset-fashion-mnist"))
                missingFiles = []
            }
            for missing in missingFiles {
                let hint = block.spec.data.name == .fashionMNIST && block.spec.data.directory == nil
                    ? "install Debian's dataset-fashion-mnist (make deps does), or set data.directory"
                    : "fix the path (relative paths are read from the notebook's folder)"
                // At the key that names the file (or, for a default, `data:`), not at the fence.
                errors.append(SpecError(location: dataKeyLocation(block.cell, missing.key), block: block.cell.label, path: missing.key,
                                        message: "no such file \(missing.path); hint: \(hint)"))
            }
        }
    }

    /// What loading would refuse in each present data set (not a regular file, bad headers,
    /// truncated, counts that disagree, too few examples), read in constant memory, once per
    /// data set, at its first block, and each block whose largest model cannot fit in memory
    /// (``PointExecutor/memoryProblem(for:)``): `check` finds every problem `render` would meet
    /// (a render itself reads no headers up front).
    static func dataProblems(_ blocks: [PreparedBlock], executor: any PointExecutor) -> [Error] {
        var checked: Set<DataSpec> = [], errors: [Error] = []
        for block in blocks where executor.missingDataFiles(for: block.spec.data).isEmpty {
            if checked.insert(block.spec.data).inserted, let problem = executor.dataProblem(for: block.spec.data) {
                errors.append(SpecError(location: block.cell.range.start, block: block.cell.label, path: problem.key,
                                        message: problem.message))
                continue
            }
            // NOTE: a model too big for this machine passed `check` and failed every point of
            // the render (fresh-user review: width 16384, depth 512 needs 2 TiB). The largest
            // shape of the block speaks for all of it.
            let points = Sweep.points(of: block.spec).map(\.spec)
            if let largest = points.max(by: { Scheduler.stepCost($0) < Scheduler.stepCost($1) }),
               let problem = executor.memoryProblem(for: largest) {
                errors.append(SpecError(location: block.cell.range.start, block: block.cell.label, path: "", message: problem))
            }
        }
        return errors
    }

    /// Where the block names data key `path` (`data.images`), else its `data:` key, else the fence.
    static func dataKeyLocation(_ cell: ExperimentCell, _ path: String) -> SourceLocation {
        let body = try? SpecNode.compose(yaml: cell.body, origin: cell.bodyStart, block: cell.label)
        return body?.keyLocation(of: path) ?? body?.keyLocation(of: "data") ?? cell.range.start
    }

    /// What a render reads, which no output may overwrite: the notebook, the template and every
    /// data file of its blocks.
    public static func inputs(_ prepared: PreparedNotebook, template: String?) -> [(path: String, role: String)] {
        var inputs = [(path: prepared.path, role: "notebook")]
        if let template { inputs.append((template, "template")) }
        for block in prepared.blocks {
            inputs += prepared.executor.dataFiles(for: block.spec.data).map { ($0, "data file") }
        }
        return inputs
    }

    /// The cache of the notebook at `path` (`.depthbook/cache/<name>/` beside it), with the
    /// temporaries of killed writers swept.
    public static func cache(forNotebookAt path: String) -> ResultCache {
        let cache = ResultCache(notebook: URL(fileURLWithPath: path).standardizedFileURL)
        AtomicFile.removeStaleTemporaries(in: cache.directory)
        return cache
    }

    // MARK: Running

    /// Runs every block of `prepared` through its executor and cache, reporting to ``observer``.
    public func run(_ prepared: PreparedNotebook, options: RunOptions) -> [BlockResult] {
        run([prepared], options: options)[0]
    }

    /// Runs the blocks of several notebooks (a book's chapters) together: the points of every
    /// notebook whose executor batches (Slurm) with the same settings go into one batch, a
    /// point two blocks share once (``Scheduler/run(_:options:progress:stop:)``); local ones run
    /// meanwhile. With several notebooks, block labels in events are `NAME/label`.
    public func run(_ prepared: [PreparedNotebook], options: RunOptions) -> [[BlockResult]] {
        let workloads = prepared.map { notebook in
            Scheduler.Workload(executor: notebook.executor, cache: notebook.cache, blocks: notebook.blocks,
                               labelPrefix: prepared.count > 1 ? notebook.cache.directory.lastPathComponent + "/" : "")
        }
        return Scheduler.run(workloads, options: options, progress: observer, stop: stop)
    }

    // MARK: Rendering

    /// Prepares, runs and renders one notebook to values: the page, the results, the side files
    /// and the blocks that fail the command. Writes nothing (see ``write(_:to:)``).
    ///
    /// - Throws: bad input (as ``prepare(_:path:scale:alone:)``; ``OutputError`` when
    ///   `request.destination` cannot take the page or would overwrite an input, checked before
    ///   anything runs); ``Interrupted`` when ``stop`` was set (finished points are cached, no page).
    public func render(_ request: RenderRequest) throws -> RenderedNotebook {
        let notebook = try Notebook.load(path: request.notebookPath, options: request.parse)
        let prepared = try prepare(notebook, path: request.notebookPath, scale: request.scale)
        return try render(prepared, request: request)
    }

    /// Checks `request.destination`, runs `prepared` and renders it (``render(_:)`` after parsing
    /// and preparing).
    func render(_ prepared: PreparedNotebook, request: RenderRequest) throws -> RenderedNotebook {
        let outputs = try checkDestination(prepared, request: request)
        return try render(prepared, request: request, results: run(prepared, options: request.run), outputs: outputs)
    }

    /// The outputs of `request` (its inputs), with its destination checked: no input is
    /// overwritten, the page and its results JSON can be written.
    func checkDestination(_ prepared: PreparedNotebook, request: RenderRequest) throws -> OutputSet {
        let outputs = OutputSet(inputs: Self.inputs(prepared, template: request.templatePath))
        if let destination = request.destination {
            let sideFolder = URL(fileURLWithPath: destination).deletingLastPathComponent()
            try OutputFiles.checkOutput(destination, outputs: outputs, sideFiles: OutputSet.isStream(destination) ? []
                                            : [sideFolder.appendingPathComponent("\(request.pageName).results.json").path])
        }
        return outputs
    }

    /// Renders `prepared` from the results of its run (``Interrupted`` after Ctrl-C).
    func render(_ prepared: PreparedNotebook, request: RenderRequest, results: [BlockResult], outputs: OutputSet) throws -> RenderedNotebook {
        if stop.isSet { throw Interrupted() }
        // Figures link their CSV and the results JSON, which go beside a page written to a file.
        let linksSideFiles = !(request.destination.map(OutputSet.isStream) ?? false)
        var rendered = try render(prepared, results: results, page: request.page, pageName: request.pageName,
                                  linksSideFiles: linksSideFiles)
        rendered.outputs = outputs
        return rendered
    }

    /// Renders the page of a notebook whose blocks have run (or partly run: a preview shows
    /// partial results by rendering the outcomes it has).
    ///
    /// - Parameters:
    ///   - pageName: the page's file name without extension: side files are
    ///     `NAME.results.json`, `NAME.<block>.<view>.csv`, assets go in `NAME_files/`.
    ///   - linksSideFiles: figures link their CSV and `NAME.results.json` (false for a
    ///     page that goes to a stream, with nothing beside it).
    ///   - running: cell indexes of blocks still running: their figures say "Running", not "Interrupted".
    /// - Throws: ``RenderError`` (an unreadable KaTeX font).
    public func render(_ prepared: PreparedNotebook, results: [BlockResult], page: RenderOptions,
                       pageName: String, linksSideFiles: Bool = true, running: Set<Int> = []) throws -> RenderedNotebook {
        var options = page
        options.assetFolder = "\(pageName)_files"
        let provider = ExecutedBlocks(results: results, pageName: linksSideFiles && !results.isEmpty ? pageName : nil,
                                      showSource: prepared.notebook.frontMatter.showSource, running: running)
        let page = try PageRenderer.renderPage(notebook: prepared.notebook, provider: provider, options: options)
        let edgeWarnings = results.compactMap { BlockAnalysis($0).gridEdgeWarning() }
        let diagnostics = (page.warnings + edgeWarnings).map { Diagnostic(.warning, $0.hasPrefix("warning: ") ? String($0.dropFirst(9)) : $0) }
        for diagnostic in diagnostics { observer.diagnostic(diagnostic) }
        let sideFiles = results.isEmpty ? [] : provider.sideFiles(pageName: pageName, notebookFile: prepared.notebook.file)
        return RenderedNotebook(notebook: prepared.notebook, results: results, page: page,
                                sideFiles: sideFiles.map { OutputFile(name: $0.name, contents: Data($0.contents.utf8)) },
                                diagnostics: diagnostics,
                                outputs: OutputSet(inputs: Self.inputs(prepared, template: nil)))
    }

    /// Writes the page to `destination` and its assets and side files beside it, all or
    /// nothing (``OutputSet``: staged, then renamed; never over an input). A stream
    /// (`/dev/null`, a FIFO) takes the page alone.
    ///
    /// - Precondition: `destination` is not `-` (the caller writes standard output).
    /// - Throws: ``OutputError`` naming the path, with a hint.
    public func write(_ rendered: RenderedNotebook, to destination: String) throws {
        precondition(destination != "-", "write(_:to:) takes a path; print rendered.page.html for standard output")
        var outputs = rendered.outputs
        Self.stage(rendered, to: destination, in: &outputs)
        try outputs.commit()
    }

    /// Adds the page, its assets and side files to `outputs`, beside `destination` (a stream
    /// takes the page alone).
    static func stage(_ rendered: RenderedNotebook, to destination: String, in outputs: inout OutputSet) {
        if !OutputSet.isStream(destination) {
            let directory = URL(fileURLWithPath: destination).deletingLastPathComponent()
            for asset in rendered.page.assets {
                outputs.add(asset.contents, to: directory.appendingPathComponent(asset.relativePath).path)
            }
            for file in rendered.sideFiles {
                outputs.add(file.contents, to: directory.appendingPathComponent(file.name).path)
            }
            // What the last render of this notebook wrote here and this one does not: removed.
            let manifest = OutputManifest(page: destination, notebookFile: rendered.notebook.file)
            let names = rendered.sideFiles.map(\.name)
            for stale in manifest.staleFiles(keeping: names) { outputs.remove(stale) }
            if !names.isEmpty || FileManager.default.fileExists(atPath: manifest.path) {
                outputs.add(manifest.contents(names), to: manifest.path)
            }
        }
        outputs.add(Data(rendered.page.html.utf8), to: destination)
    }
}

/// A provider for validation: ``ExecutedBlocks``'s, but a reference that does not resolve is
/// recorded in ``errors`` (and shows as nothing) instead of stopping the page, and references
/// to blocks that did not decode are not resolved at all.
final class CollectingProvider: BlockContentProvider {
    let base: ExecutedBlocks
    let skippingBlocks: Set<String>
    private(set) var errors: [Error] = []

    init(base: ExecutedBlocks, skippingBlocks: Set<String>) {
        self.base = base
        self.skippingBlocks = skippingBlocks
    }

    func html(for cell: ExperimentCell) -> String { "" }

    func inlineHTML(for reference: InlineReference) throws -> String {
        let block = reference.text.split(separator: ".", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !skippingBlocks.contains(block) else { return "" }
        do {
            return try base.inlineHTML(for: reference)
        } catch {
            errors.append(error)
            return ""
        }
    }

    func crossReferenceHTML(forBlockID id: String) -> String? { base.crossReferenceHTML(forBlockID: id) }
}

/// One experiment block, decoded: the unit the Scheduler runs.
public typealias PreparedBlock = (cell: ExperimentCell, spec: ExperimentSpec)

/// A notebook ready to run: parsed, decoded, checked, with its executor and cache.
public struct PreparedNotebook: Sendable {
    public let path: String
    public let notebook: Notebook
    public let blocks: [PreparedBlock]
    public let executor: any PointExecutor
    public let cache: ResultCache
}

/// What to render, with which options (the `render` flags as values).
public struct RenderRequest: Sendable {
    public var notebookPath: String
    /// The page's path, checked before anything runs (nil: values only, nothing checked).
    public var destination: String?
    /// The page's file name without extension (`notes` for `out/notes.html`).
    public var pageName: String
    public var scale: String?
    /// The `--template` file, an input no output may overwrite (the loaded template is in `page`).
    public var templatePath: String?
    public var parse = ParseOptions()
    public var run = RunOptions()
    public var page = RenderOptions()

    public init(notebookPath: String, destination: String? = nil, scale: String? = nil,
                parse: ParseOptions = ParseOptions(), run: RunOptions = RunOptions(), page: RenderOptions = RenderOptions()) {
        self.notebookPath = notebookPath
        self.destination = destination
        self.pageName = destination.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "page"
        self.scale = scale
        self.parse = parse
        self.run = run
        self.page = page
    }
}

/// A rendered notebook as values.
public struct RenderedNotebook: Sendable {
    public var notebook: Notebook
    public var results: [BlockResult]
    public var page: RenderedPage
    /// `NAME.results.json` and one CSV per table, to go beside the page; empty without blocks.
    public var sideFiles: [OutputFile]
    /// Warnings of rendering (also sent to the observer).
    public var diagnostics: [Diagnostic]
    /// The files the render read (notebook, template, data), which ``NotebookPipeline/write(_:to:)``
    /// never overwrites.
    public var outputs: OutputSet

    /// Blocks whose failure or timeout fails the command (no `allow-errors`), each as its message:
    /// `notes.md:12:1: block lr: …` or `…: block lr: timed out after 5 s`.
    public var failures: [String] {
        results.compactMap { block in
            guard block.failsCommand else { return nil }
            switch block.status {
            case .failed(let message): return message
            case .timedOut(let seconds): return "\(block.cell.range.start): block \(block.cell.label): timed out after \(seconds) s"
            case .ok, .cancelled: return nil
            }
        }
    }
}

/// A file that goes beside the page.
public struct OutputFile: Sendable, Hashable {
    public var name: String
    public var contents: Data
}

/// The run was stopped (Ctrl-C): finished points are cached and no page was rendered.
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted: finished points are cached; run again to continue" }
}
