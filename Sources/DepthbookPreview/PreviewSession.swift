import DepthbookKit
import DepthMuP
import Foundation
import Notebook
import Render
import Runner

/// What `depthbook preview` renders and how.
public struct PreviewOptions: Sendable {
    /// The notebook (.md) to serve.
    public var notebookPath: String
    /// `--scale`, overriding the front matter's `scale:`.
    public var scale: String?
    /// How to parse the notebook: `--set`s.
    public var parse: ParseOptions
    /// Jobs, timeout and the other run flags.
    public var run: RunOptions
    /// Seconds between two looks at the watched files.
    public var pollInterval: Double = 0.05
    /// Least seconds between two partial pages of a running block (the issue asks ≤ 2 s).
    public var partialInterval: Double = 1
    /// The book's previous/next links on the page (``Book/navigation(_:at:)``); nil for a lone notebook.
    public var navigation: String?
    /// Shared by a book's chapters: one chapter runs points at a time, as `render FOLDER` does
    /// (nil: this session alone decides).
    public var runGate: RunGate?

    public init(notebookPath: String, scale: String? = nil, parse: ParseOptions = ParseOptions(), run: RunOptions = RunOptions()) {
        self.notebookPath = notebookPath
        self.scale = scale
        self.parse = parse
        self.run = run
    }
}

/// What the server shows now: the last good page, its assets, and the error on top of it.
struct PreviewState: Sendable {
    /// Bumped by every page or error published; the browser compares it with its own.
    var version = 0
    /// The last page that rendered (nil until one has).
    var html: String?
    /// The page's assets by path relative to the page (`notes_files/katex.min.js`).
    var assets: [String: Data] = [:]
    /// The error shown as an overlay (`file:line:col: message; hint`), or the failing blocks.
    var errors: [String] = []
    /// Progress of running blocks, by anchor.
    var progress: [String: BlockProgress] = [:]
}

/// Progress of one running block: what its figure's bar shows.
struct BlockProgress: Sendable, Equatable {
    var label: String
    /// The block's HTML anchor (`lr-transfer`, `block-2`).
    var anchor: String
    var total: Int
    var cached: Int
    /// Points run in this render so far, of `toRun`.
    var done = 0
    var toRun: Int
    var started: Date
    var finished = false

    /// Seconds left, from the mean time per point so far; nil before the first point.
    func eta(now: Date = Date()) -> Double? {
        guard done > 0 else { return nil }
        return now.timeIntervalSince(started) / Double(done) * Double(toRun - done)
    }
}

/// A live preview of one notebook: watches its files, re-renders on change, streams partial
/// results of running blocks and publishes every update as a ``PreviewEvent``.
///
/// Threads: one render thread runs the pipeline (prepare, run, render); one watcher thread polls
/// the files every ``PreviewOptions/pollInterval``, renders partial pages of a running block and
/// sends progress. A change stops the current run through its ``StopFlag`` (running points stop
/// within one training step; finished ones are already cached) and the render thread starts
/// over, so an edit during a sweep re-runs only the points the new notebook wants that are not
/// cached. A render that throws publishes its error and the session goes on.
public final class PreviewSession: @unchecked Sendable {
    public let options: PreviewOptions
    let executors: ExecutorFactory
    /// The page's file name without extension: assets live in `NAME_files/`.
    public let pageName: String
    private let log: @Sendable (String) -> Void
    private let watcher = FileWatcher()
    private let math: Result<MathAssets, RenderError>
    private let terminal: StderrProgress

    private let lock = NSLock()
    private let wake = NSCondition()
    private var dirty = true
    private var shuttingDown = false
    private var currentStop: StopFlag?
    private var currentObserver: PreviewObserver?
    /// The page and the browsers watching it.
    public let live = LivePage()
    private var navigation: String?
    private var results: [BlockResult] = []
    private var onPublished: (@Sendable () -> Void)?
    private let renderDone = DispatchSemaphore(value: 0)
    private let watchDone = DispatchSemaphore(value: 0)
    private var renders = 0
    private var started = false

    /// - Parameters:
    ///   - executors: where points run (`.inProcess`, or a fake in tests).
    ///   - log: where terminal lines go (default: stderr).
    public init(options: PreviewOptions, executors: ExecutorFactory = .inProcess,
                log: (@Sendable (String) -> Void)? = nil) {
        self.options = options
        self.executors = executors
        let write = log ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        self.log = write
        self.terminal = StderrProgress(mode: .plain) { text in write(String(text.dropLast(text.hasSuffix("\n") ? 1 : 0))) }
        self.pageName = URL(fileURLWithPath: options.notebookPath).deletingPathExtension().lastPathComponent
        self.math = MathAssets.load()
        self.navigation = options.navigation
    }

    /// Sets the book's links on the page; a change re-renders it (cached points only: nothing runs
    /// that did not run before).
    public func setNavigation(_ navigation: String?) {
        lock.lock()
        let changed = self.navigation != navigation
        self.navigation = navigation
        lock.unlock()
        if changed { markDirty() }
    }

    /// The results of the last final page (empty before one).
    public var lastResults: [BlockResult] {
        lock.lock(); defer { lock.unlock() }
        return results
    }

    /// Called after each final page or error is published (a book re-renders its index).
    public func onPublish(_ action: @escaping @Sendable () -> Void) {
        lock.lock(); onPublished = action; lock.unlock()
    }

    private func published() {
        lock.lock(); let action = onPublished; lock.unlock()
        action?()
    }

    // MARK: Lifecycle

    /// Renders once in the background, then on every change of a watched file.
    public func start() {
        lock.lock(); started = true; lock.unlock()
        watcher.watch([options.notebookPath])
        Thread { [self] in renderLoop(); renderDone.signal() }.start()
        Thread { [self] in watchLoop(); watchDone.signal() }.start()
    }

    /// Stops the running points (finished ones stay cached), waits for both threads, ends the streams.
    public func shutdown() {
        wake.lock()
        shuttingDown = true
        wake.signal()
        wake.unlock()
        lock.lock(); currentStop?.set(); let running = started; started = false; lock.unlock()
        if running {
            renderDone.wait()
            watchDone.wait()
        }
        live.finish()
    }

    /// Waits until the page has rendered `count` times (or an error was published) or `timeout`
    /// passes; for tests and the first URL line.
    @discardableResult
    public func waitForVersion(atLeast version: Int, timeout: Double) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = snapshot().version
            if now >= version { return now }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return snapshot().version
    }

    // MARK: State and events

    func snapshot() -> PreviewState { live.snapshot() }

    /// A stream of server-sent events (``LivePage/subscribe()``).
    func subscribe() -> AsyncStream<String> { live.subscribe() }

    private func publishPage(_ rendered: RenderedNotebook, errors: [String], from observer: PreviewObserver?, final: Bool) -> Bool {
        lock.lock(); defer { lock.unlock() }
        // A partial page may not land after its run's final page, nor after a newer run began.
        if let observer {
            guard currentObserver === observer, !observer.isFinished else { return false }
            if final { observer.isFinished = true }
        }
        if final { results = rendered.results }
        // The files a written page has beside it: assets, then the CSVs and results JSON its figures link.
        let files = rendered.page.assets.map { ($0.relativePath, $0.contents) } + rendered.sideFiles.map { ($0.name, $0.contents) }
        live.publishPage(html: rendered.page.html, assets: Dictionary(files, uniquingKeysWith: { a, _ in a }),
                         errors: errors, final: final)
        return true
    }

    private func publishError(_ message: String) {
        live.publishError(message)
        published()
    }

    func publishProgress(_ progress: BlockProgress, from observer: PreviewObserver) {
        lock.lock(); defer { lock.unlock() }
        guard currentObserver === observer, !observer.isFinished else { return }
        live.update { state in
            if progress.finished { state.progress[progress.anchor] = nil } else { state.progress[progress.anchor] = progress }
            return .progress(progress)
        }
    }

    // MARK: Threads

    private func renderLoop() {
        while true {
            wake.lock()
            while !dirty && !shuttingDown { wake.wait() }
            let stop = shuttingDown
            dirty = false
            wake.unlock()
            if stop { return }
            renderOnce()
        }
    }

    private func markDirty() {
        wake.lock()
        dirty = true
        wake.signal()
        wake.unlock()
    }

    private func watchLoop() {
        while true {
            wake.lock()
            let stop = shuttingDown
            wake.unlock()
            if stop { return }
            let changed = watcher.changes()
            if !changed.isEmpty {
                // Stop the current run first: points the new notebook still wants are cached
                // when finished and found again; the others stop within one training step.
                lock.lock(); currentStop?.set(); lock.unlock()
                markDirty()
            }
            lock.lock(); let observer = currentObserver; lock.unlock()
            if let observer { tick(observer) }
            Thread.sleep(forTimeInterval: options.pollInterval)
        }
    }

    /// Sends progress every second and a partial page when points finished, at most every
    /// ``PreviewOptions/partialInterval`` seconds.
    private func tick(_ observer: PreviewObserver) {
        guard let (prepared, results, running, progress) = observer.partial(interval: options.partialInterval) else { return }
        for block in progress { publishProgress(block, from: observer) }
        guard let results else { return }
        let pipeline = NotebookPipeline(executors: executors, observer: observer)
        if let rendered = try? pipeline.render(prepared, results: results, page: pageOptions, pageName: pageName, running: running) {
            _ = publishPage(rendered, errors: [], from: observer, final: false)
        }
    }

    private var pageOptions: RenderOptions {
        var page = RenderOptions()
        page.mathAssets = math
        lock.lock(); page.navigation = navigation; lock.unlock()
        return page
    }

    /// One render: prepare (bad input → error overlay), run (cache first), render, publish.
    private func renderOnce() {
        let started = Date()
        let stop = StopFlag()
        let observer = PreviewObserver(terminal: terminal)
        lock.lock()
        renders += 1
        currentStop = stop
        currentObserver = nil
        lock.unlock()
        let pipeline = NotebookPipeline(executors: executors, observer: observer, stop: stop)
        let prepared: PreparedNotebook
        let readStamp = FileIdentity.stamp(options.notebookPath)
        do {
            prepared = try pipeline.prepare(path: options.notebookPath, scale: options.scale, parse: options.parse)
        } catch {
            // An editor that truncates and then writes can be caught half-way (an empty or cut
            // notebook): when the file changes again within two polls (at least 0.1 s), the render of the
            // finished save supersedes this error instead of flashing it.
            if Self.changes(options.notebookPath, from: readStamp, within: max(0.1, 2 * options.pollInterval)) {
                markDirty()
                return
            }
            log("error: \(error)")
            publishError("\(error)")
            return
        }
        watcher.watch(NotebookPipeline.inputs(prepared, template: nil).map(\.path))
        observer.begin(prepared)
        lock.lock(); currentObserver = observer; lock.unlock()
        if stop.isSet { return }
        let run = { pipeline.run(prepared, options: self.options.run) }
        let results: [BlockResult]
        if let gate = options.runGate {
            guard let gated = gate.run(unless: stop, run) else { return }
            results = gated
        } else {
            results = run()
        }
        // Superseded by an edit (a new render is due) or shutting down: publish nothing.
        if stop.isSet { return }
        do {
            let rendered = try pipeline.render(prepared, results: results, page: pageOptions, pageName: pageName)
            let failures = rendered.failures
            for failure in failures { log("error: \(failure)") }
            if publishPage(rendered, errors: failures, from: observer, final: true) {
                let milliseconds = Int((Date().timeIntervalSince(started) * 1000).rounded())
                log("updated \(options.notebookPath) (\(milliseconds) ms)")
                published()
            }
        } catch {
            log("error: \(error)")
            publishError("\(error)")
        }
    }
}

extension PreviewSession {
    /// Whether the file at `path` stops having ``FileIdentity/stamp(_:)`` `stamp` within
    /// `seconds` (polled every `seconds`/4).
    static func changes(_ path: String, from stamp: String, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if FileIdentity.stamp(path) != stamp { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: seconds / 4)
        }
    }
}

/// Lets one run through at a time: a book's chapters share one, so a cold start runs the
/// chapters' points one chapter after the other (each with `--jobs` workers), as
/// `render FOLDER` does, instead of every chapter's workers at once on the same cores.
public final class RunGate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 1)

    public init() {}

    /// Runs `body` once no other run is inside; nil if `stop` was set while waiting.
    func run<T>(unless stop: StopFlag, _ body: () -> T) -> T? {
        while semaphore.wait(timeout: .now() + 0.05) == .timedOut {
            if stop.isSet { return nil }
        }
        defer { semaphore.signal() }
        return body()
    }
}

/// Collects a run's events into partial results: what a page shows while blocks run.
final class PreviewObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let terminal: StderrProgress
    private var prepared: PreparedNotebook?
    private var blocks: [BlockResult] = []
    private var progress: [String: BlockProgress] = [:]
    private var changedProgress: Set<String> = []
    private var pointsChanged = false
    private var lastPartial = Date.distantPast
    private var lastProgress = Date.distantPast
    private var warned: Set<Diagnostic> = []
    /// Set (under the session's lock) when the run's final page is published.
    var isFinished = false

    init(terminal: StderrProgress) { self.terminal = terminal }

    /// Every block pending: all points unknown until the scheduler looks them up.
    func begin(_ prepared: PreparedNotebook) {
        lock.lock(); defer { lock.unlock() }
        self.prepared = prepared
        blocks = prepared.blocks.map { block in
            let points = Sweep.points(of: block.spec)
            return BlockResult(cell: block.cell, spec: block.spec, axes: Sweep.axes(of: block.spec), points: points,
                               outcomes: points.map { _ in .cancelled }, status: .cancelled, failsCommand: false)
        }
    }

    private func index(of label: String) -> Int? { blocks.firstIndex { $0.cell.label == label } }

    /// What changed since the last call: progress of running blocks (every second, or at once
    /// when a block starts or ends) and, when points finished and `interval` seconds passed,
    /// the partial results with the cell indexes of unfinished blocks. Nil: nothing to send.
    func partial(interval: Double) -> (PreparedNotebook, [BlockResult]?, Set<Int>, [BlockProgress])? {
        lock.lock(); defer { lock.unlock() }
        guard let prepared, !progress.isEmpty || pointsChanged else { return nil }
        let now = Date()
        var sending = changedProgress
        if now.timeIntervalSince(lastProgress) >= 1 { sending.formUnion(progress.keys) }
        if !sending.isEmpty { lastProgress = now }
        changedProgress = []
        let updates = sending.compactMap { progress[$0] }
        for update in updates where update.finished { progress[update.anchor] = nil }
        var results: [BlockResult]?
        if pointsChanged, now.timeIntervalSince(lastPartial) >= interval {
            results = blocks
            pointsChanged = false
            lastPartial = now
        }
        guard results != nil || !updates.isEmpty else { return nil }
        let running = Set(blocks.filter { if case .cancelled = $0.status { return true } else { return false } }.map(\.cell.index))
        return (prepared, results, running, updates)
    }

    func pointCached(_ label: String, point: Point, result: PointResult) {
        lock.lock(); defer { lock.unlock() }
        guard let block = index(of: label), point.index < blocks[block].outcomes.count else { return }
        blocks[block].outcomes[point.index] = .finished(result)
    }

    func blockStarted(_ label: String, total: Int, cached: Int) {
        terminal.blockStarted(label, total: total, cached: cached)
        lock.lock(); defer { lock.unlock() }
        guard let block = index(of: label), cached < total else { return }
        let anchor = blocks[block].anchor
        progress[anchor] = BlockProgress(label: label, anchor: anchor, total: total, cached: cached,
                                         toRun: total - cached, started: Date())
        changedProgress.insert(anchor)
        // The first partial page (cached points, the rest pending) goes out at once.
        pointsChanged = true
        lastPartial = .distantPast
    }

    func pointStarted(_ label: String, point: Point) { terminal.pointStarted(label, point: point) }

    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {
        terminal.pointFinished(label, point: point, outcome: outcome, done: done, toRun: toRun, seconds: seconds)
        lock.lock(); defer { lock.unlock() }
        guard let block = index(of: label), point.index < blocks[block].outcomes.count else { return }
        blocks[block].outcomes[point.index] = outcome
        pointsChanged = true
        let anchor = blocks[block].anchor
        progress[anchor]?.done = done
        changedProgress.insert(anchor)
    }

    func blockFinished(_ label: String, status: BlockStatus) {
        terminal.blockFinished(label, status: status)
        lock.lock(); defer { lock.unlock() }
        guard let block = index(of: label) else { return }
        blocks[block].status = status
        let anchor = blocks[block].anchor
        if progress[anchor] != nil {
            progress[anchor]?.finished = true
            changedProgress.insert(anchor)
        }
    }

    /// Printed once per render: partial pages repeat their warnings (KaTeX missing).
    func diagnostic(_ diagnostic: Diagnostic) {
        lock.lock()
        let fresh = warned.insert(diagnostic).inserted
        lock.unlock()
        if fresh { terminal.diagnostic(diagnostic) }
    }
}
