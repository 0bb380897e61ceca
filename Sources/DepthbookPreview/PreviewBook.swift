import DepthbookKit
import Foundation
import Notebook
import Render

/// What `depthbook preview` serves: the pages, by the path they are served at.
///
/// A lone notebook is a ``PreviewSession`` (its page at `/`, `/index.html` and `/NAME.html`);
/// a folder is a ``PreviewBook`` (the index at `/` and `/index.html`, each chapter at
/// `/NAME.html`), laid out as `depthbook render FOLDER -o OUT/` writes it.
public protocol PreviewSite: AnyObject, Sendable {
    /// Renders in the background, then again on every change of a watched file.
    func start()
    /// Stops running points (finished ones stay cached) and ends every event stream.
    func shutdown()
    /// The page served at `name`: a request path without its leading `/` (`""`, `index.html`,
    /// `notes.html`); nil for none.
    func page(named name: String) -> LivePage?
    /// Every page served now; an asset is one of theirs (each chapter's are under `NAME_files/`).
    var livePages: [LivePage] { get }
}

extension PreviewSession: PreviewSite {
    public func page(named name: String) -> LivePage? {
        name == "" || name == "index.html" || name == "\(pageName).html" ? live : nil
    }

    public var livePages: [LivePage] { [live] }
}

/// A live preview of a book (a folder of notebooks): one ``PreviewSession`` per chapter, with
/// the book's previous/next links, and the index page.
///
/// The book is `render FOLDER`'s (``NotebookPipeline/bookChapters(in:parse:)``,
/// ``Book/navigation(_:at:)``, ``NotebookPipeline/bookIndex(folder:chapters:results:parse:)``):
/// the same chapters in the same order, the same pages and index. Each chapter's session
/// watches its notebook and the files it reads and re-renders that chapter alone; the book
/// watches the folder (a chapter added or removed), every chapter and `index.md`, and after a
/// change re-reads the chapters' front matter: a changed title or order gives the neighbours
/// new links (a re-render from the cache) and the index a new list. The index is rendered
/// again when a chapter publishes (its headline quotes results) and pushed only when it differs.
/// The chapters share one ``RunGate``: points run one chapter at a time.
public final class PreviewBook: PreviewSite, @unchecked Sendable {
    public let folder: String
    let options: PreviewOptions
    let executors: ExecutorFactory
    private let log: @Sendable (String) -> Void
    private let gate = RunGate()
    /// The index page.
    public let index = LivePage()
    private let watcher = FileWatcher()
    private let lock = NSLock()
    private var sessions: [String: PreviewSession] = [:]
    private var chapters: [Book.Chapter] = []
    private var indexDirty = true
    private var lastIndex: String?
    private var shuttingDown = false
    private var started = false
    private let loopDone = DispatchSemaphore(value: 0)

    /// - Parameter options: every chapter's (``PreviewOptions/notebookPath`` is ignored).
    public init(folder: String, options: PreviewOptions, executors: ExecutorFactory = .inProcess,
                log: (@Sendable (String) -> Void)? = nil) {
        self.folder = folder
        self.options = options
        self.executors = executors
        self.log = log ?? { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    public func start() {
        lock.lock(); started = true; lock.unlock()
        Thread { [self] in watchLoop(); loopDone.signal() }.start()
    }

    public func shutdown() {
        lock.lock()
        shuttingDown = true
        let running = started
        started = false
        lock.unlock()
        if running { loopDone.wait() }
        lock.lock()
        let all = Array(sessions.values)
        lock.unlock()
        for session in all { session.shutdown() }
        index.finish()
    }

    public func page(named name: String) -> LivePage? {
        if name == "" || name == "index.html" { return index }
        lock.lock(); defer { lock.unlock() }
        return sessions[name]?.live
    }

    public var livePages: [LivePage] {
        lock.lock(); defer { lock.unlock() }
        return [index] + sessions.values.map(\.live)
    }

    /// The chapter session serving `page` (`NAME.html`), for tests.
    func session(page: String) -> PreviewSession? {
        lock.lock(); defer { lock.unlock() }
        return sessions[page]
    }

    private func watchLoop() {
        sync()
        while true {
            lock.lock(); let stop = shuttingDown; lock.unlock()
            if stop { return }
            if !watcher.changes().isEmpty { sync() }
            lock.lock(); let due = indexDirty; indexDirty = false; lock.unlock()
            if due { renderIndex() }
            Thread.sleep(forTimeInterval: options.pollInterval)
        }
    }

    /// Re-reads the chapter list and front matter; starts sessions for new chapters, stops
    /// those of removed ones, gives every chapter its links.
    private func sync() {
        let introduction = (folder as NSString).appendingPathComponent(Book.introductionFile)
        defer {
            lock.lock(); indexDirty = true; let paths = chapters.map(\.path); lock.unlock()
            watcher.watch([folder, introduction] + paths)
        }
        let paths: [String]
        do {
            paths = try Book.notebookPaths(in: folder)
        } catch {
            log("error: \(error)")
            index.publishError("\(error)")
            return
        }
        lock.lock()
        let previous = chapters
        lock.unlock()
        // A chapter that does not parse now keeps its last good front matter in the book (its
        // own page shows the error); a new one that never parsed has no links until it does.
        let loaded = paths.compactMap { path -> Book.Chapter? in
            if let notebook = try? Notebook.load(path: path, options: options.parse) { return Book.Chapter(path: path, notebook: notebook) }
            return previous.first { $0.path == path }
        }
        let ordered = Book.order(loaded)
        var removed: [PreviewSession] = []
        var fresh: [PreviewSession] = []
        lock.lock()
        chapters = ordered
        let pages = Set(paths.map { Book.Chapter.pageName(of: $0) })
        for (page, session) in sessions where !pages.contains(page) {
            removed.append(session)
            sessions[page] = nil
        }
        for path in paths {
            let page = Book.Chapter.pageName(of: path)
            let navigation = ordered.firstIndex { $0.path == path }.map { Book.navigation(ordered, at: $0) }
            if let session = sessions[page] {
                session.setNavigation(navigation)
                continue
            }
            var chapterOptions = options
            chapterOptions.notebookPath = path
            chapterOptions.navigation = navigation
            chapterOptions.runGate = gate
            let session = PreviewSession(options: chapterOptions, executors: executors, log: log)
            session.onPublish { [weak self] in self?.markIndexDirty() }
            sessions[page] = session
            fresh.append(session)
        }
        lock.unlock()
        for session in removed { session.shutdown() }
        for session in fresh { session.start() }
    }

    private func markIndexDirty() {
        lock.lock(); indexDirty = true; lock.unlock()
    }

    /// Renders the index once every chapter has published (its headline quotes results) and
    /// pushes it when it changed.
    private func renderIndex() {
        lock.lock()
        let chapters = self.chapters
        let sessions = chapters.map { self.sessions[$0.page] }
        lock.unlock()
        guard sessions.allSatisfy({ $0?.snapshot().version ?? 0 > 0 }) else { return }
        do {
            let html = try NotebookPipeline.bookIndex(folder: folder, chapters: chapters,
                                                      results: sessions.map { $0?.lastResults ?? [] }, parse: options.parse).html
            lock.lock()
            let changed = html != lastIndex || !index.snapshot().errors.isEmpty
            lastIndex = html
            lock.unlock()
            if changed { index.publishPage(html: html, assets: [:], errors: [], final: true) }
        } catch {
            log("error: \(error)")
            lock.lock(); lastIndex = nil; lock.unlock()
            index.publishError("\(error)")
        }
    }
}
