import ArgumentParser
import Foundation
import Notebook
import Render
import Runner

/// What `render` and `check` share: decoding every experiment block of a notebook with the
/// front matter's defaults and the active scale, and the run flags.
enum NotebookRun {
    /// Decodes every block; the first error stops (exit 2).
    ///
    /// - Parameter scale: `--scale`, overriding the front matter's `scale:` (default `full`).
    static func decodeBlocks(_ notebook: Notebook, scale: String?) throws -> [(cell: ExperimentCell, spec: ExperimentSpec)] {
        let matter = notebook.frontMatter
        let defaults = try matter.defaults.map { node in
            // Front-matter YAML line k is file line k + 1; columns are the file's.
            try SpecNode(yams: node, origin: SourceLocation(file: notebook.file, line: 2, column: 1), block: "defaults")
        }
        let active = scale ?? matter.scale
        var seen: [String: Int] = [:]
        let blocks: [(cell: ExperimentCell, spec: ExperimentSpec)] = try notebook.experiments.map { cell in
            let spec = try ExperimentSpec.decode(cell, defaults: defaults, scale: active)
            if let id = spec.id {
                if let first = seen[id] {
                    throw SpecError(location: cell.range.start, block: cell.label, path: "id",
                                    message: "id \(id) is already used by block \(first); ids must be unique")
                }
                seen[id] = cell.index
            }
            return (cell, spec)
        }
        // A scale no block defines is a typo (`--scale cl`), not a request for a full run.
        let defined = Set(blocks.flatMap(\.spec.scaleNames))
        if active != "full", !blocks.isEmpty, !defined.contains(active) {
            let known = (["full"] + defined.sorted()).joined(separator: ", ")
            throw NotebookError.located(SourceLocation(file: notebook.file, line: 1, column: 1),
                                        message: "\(scale != nil ? "--scale" : "front matter scale"): no block defines scale \"\(active)\"",
                                        hint: "this notebook's scales are \(known)")
        }
        return blocks
    }

    /// Everything `render` and `check` verify before running: blocks decode, inline references
    /// resolve against the sweeps, data files exist.
    ///
    /// - Throws: the first bad-input error, located (exit 2).
    /// - Parameter validatingData: also read every data file's headers and length (`check`);
    ///   `render` leaves that to loading, where bad data fails its block (exit 1, error in place).
    static func preparedBlocks(_ notebook: Notebook, path: String, scale: String?,
                               validatingData: Bool = false) throws -> [(cell: ExperimentCell, spec: ExperimentSpec)] {
        let blocks = try decodeBlocks(notebook, scale: scale)
        try validateReferences(notebook, blocks: blocks)
        try checkData(blocks, notebookPath: path, validating: validatingData)
        return blocks
    }

    /// Resolves every inline reference against the blocks' sweeps before anything runs, so a
    /// typo in `{{block.quantity[…]}}` is reported at once rather than after the experiments.
    ///
    /// - Throws: the ``RenderError`` of the first bad reference, located (bad input, exit 2).
    static func validateReferences(_ notebook: Notebook, blocks: [(cell: ExperimentCell, spec: ExperimentSpec)]) throws {
        let unrun = blocks.map { block -> BlockResult in
            let points = Sweep.points(of: block.spec)
            return BlockResult(cell: block.cell, spec: block.spec, axes: Sweep.axes(of: block.spec), points: points,
                               outcomes: points.map { _ in .cancelled }, status: .ok, failsCommand: false)
        }
        var options = RenderOptions()
        options.fragment = true
        _ = try PageRenderer.renderPage(notebook: notebook, provider: ExecutedBlocks(results: unrun), options: options)
        // The front matter's book headline quotes results too.
        _ = try Book.headlineHTML(Book.Chapter(path: notebook.file, notebook: notebook), provider: ExecutedBlocks(results: unrun))
    }

    /// Refuses blocks whose data files do not exist, before anything runs (bad input, exit 2).
    /// With `validating`, also data that loading would refuse (not regular files, bad headers,
    /// truncated, counts that disagree, too few examples), in constant memory: `check` finds
    /// every problem `render` would meet.
    ///
    /// - Throws: ``SpecError`` at the block, naming the key and the file, with a hint.
    static func checkData(_ blocks: [(cell: ExperimentCell, spec: ExperimentSpec)], notebookPath: String,
                          validating: Bool = false) throws {
        let executor = executor(for: notebookPath)
        var checked: Set<DataSpec> = []
        for block in blocks {
            guard let missing = executor.missingDataFiles(for: block.spec.data).first else {
                guard validating, checked.insert(block.spec.data).inserted else { continue }
                if let problem = executor.dataProblem(for: block.spec.data) {
                    throw SpecError(location: block.cell.range.start, block: block.cell.label, path: problem.key,
                                    message: problem.message)
                }
                continue
            }
            let hint = block.spec.data.name == .fashionMNIST && block.spec.data.directory == nil
                ? "install Debian's dataset-fashion-mnist (make deps does), or set data.directory"
                : "fix the path (relative paths are read from the notebook's folder)"
            throw SpecError(location: block.cell.range.start, block: block.cell.label, path: missing.key,
                            message: "no such file \(missing.path); hint: \(hint)")
        }
    }

    /// Refuses an output path that cannot take the page (an input, a directory, an unwritable
    /// folder) before anything runs, so no experiment is wasted and no side file is left behind.
    ///
    /// - Parameter sideFiles: outputs known before the run (the results JSON), checked likewise.
    /// - Throws: ``OutputError`` with a hint.
    static func checkOutput(_ destination: String, outputs: OutputSet, sideFiles: [String] = []) throws {
        guard destination != "-" else { return }
        try outputs.check([destination] + sideFiles)
        guard !OutputSet.isStream(destination) else { return }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "\(folder.path): cannot create the output folder; hint: check the -o path")
        }
        guard access(folder.path, W_OK) == 0 else {
            throw OutputError(description: "\(folder.path): the output folder is not writable; hint: choose another -o")
        }
    }

    /// What a render reads, which no output may overwrite: the notebook, the template and every
    /// data file of its blocks.
    static func inputs(notebook: String, template: String?,
                       blocks: [(cell: ExperimentCell, spec: ExperimentSpec)]) -> [(path: String, role: String)] {
        let executor = executor(for: notebook)
        var inputs = [(path: notebook, role: "notebook")]
        if let template { inputs.append((template, "template")) }
        for block in blocks {
            inputs += executor.dataFiles(for: block.spec.data).map { ($0, "data file") }
        }
        return inputs
    }

    /// The cache of the notebook at `path`.
    static func cache(for path: String) -> ResultCache {
        let cache = ResultCache(notebook: URL(fileURLWithPath: path).standardizedFileURL)
        AtomicFile.removeStaleTemporaries(in: cache.directory)
        return cache
    }

    /// The executor that trains with the built-in engine, resolving data paths beside the notebook.
    static func executor(for path: String) -> EngineExecutor {
        EngineExecutor(baseDirectory: URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent())
    }
}

/// Flags of `render` that control execution.
struct RunFlags: ParsableArguments {
    @Option(help: "Points run side by side (default: the number of cores; more than the cores is capped unless --force-jobs).")
    var jobs: Int?

    @Flag(help: "Run as many --jobs as asked even beyond the number of cores (each job is a thread training one point).")
    var forceJobs = false

    @Flag(help: "Ignore cached results and run every point again.")
    var refresh = false

    @Option(help: "Seconds each block may run (a block's own timeout: wins).")
    var timeout: Double?

    @Flag(help: "A failing block does not fail the command (as allow-errors: true in every block).")
    var allowErrors = false

    @Flag(help: "Say why each point that runs was not taken from the cache.")
    var explain = false

    @Option(help: "Run scale (e.g. ci or full), overriding the front matter's scale:.")
    var scale: String?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// `--jobs`, capped at the cores unless `--force-jobs`: more threads than cores only slow
    /// every point down (1000 jobs on 2 cores ran 2–4× slower), and a note says so.
    var jobCount: (jobs: Int, note: String?) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let jobs else { return (cores, nil) }
        guard jobs > cores, !forceJobs else { return (jobs, nil) }
        return (cores, "note: --jobs \(jobs) capped at \(cores), the number of cores; pass --force-jobs to run \(jobs) anyway")
    }

    var options: RunOptions {
        RunOptions(jobs: jobCount.jobs, refresh: refresh, timeout: timeout,
                   allowErrors: allowErrors, explain: explain)
    }
}

/// Sets a flag on Ctrl-C (SIGINT) instead of dying, so running points stop cleanly.
final class InterruptHandler {
    let stop = StopFlag()
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let stop = self.stop
        source.setEventHandler { stop.set() }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
