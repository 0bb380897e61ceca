import Foundation
import Notebook
import Render
import Runner

/// What to render as a book (`depthbook render FOLDER -o OUT/`): the ``RenderRequest`` options
/// of every chapter, with the folders instead of one notebook and page.
public struct BookRequest: Sendable {
    /// The folder of notebooks (``Book/notebookPaths(in:)``), with an optional `index.md` introduction.
    public var folder: String
    /// Where the pages and `index.html` go (default: `folder`).
    public var outputFolder: String
    public var scale: String?
    /// The `--template` file, an input no output may overwrite (the loaded template is in `page`).
    public var templatePath: String?
    public var parse = ParseOptions()
    public var run = RunOptions()
    /// Options of every chapter's page; ``RenderOptions/navigation`` is set per chapter.
    public var page = RenderOptions()

    public init(folder: String, outputFolder: String? = nil, scale: String? = nil,
                parse: ParseOptions = ParseOptions(), run: RunOptions = RunOptions(), page: RenderOptions = RenderOptions()) {
        self.folder = folder
        self.outputFolder = outputFolder ?? folder
        self.scale = scale
        self.parse = parse
        self.run = run
        self.page = page
    }
}

/// A rendered book as values: every chapter's page with its destination, and the index page.
public struct RenderedBook: Sendable {
    /// One chapter's page and where it goes (`OUT/NAME.html`).
    public struct Page: Sendable {
        public var destination: String
        public var rendered: RenderedNotebook
    }

    /// The chapters in book order (front matter `order:`, then file name).
    public var pages: [Page]
    /// `OUT/index.html`.
    public var indexPath: String
    /// The index page: the introduction (`index.md`) and each chapter's title, description and live headline.
    public var indexHTML: String
    /// The files the book read (notebooks, introduction, template, data), which
    /// ``NotebookPipeline/writeBook(_:)`` never overwrites.
    var inputs: [(path: String, role: String)]

    /// Every chapter's results, in book order.
    public var results: [BlockResult] { pages.flatMap(\.rendered.results) }
    /// Every chapter's blocks that fail the command (``RenderedNotebook/failures``), in book order.
    public var failures: [String] { pages.flatMap(\.rendered.failures) }
}

extension NotebookPipeline {
    /// Prepares, runs and renders every notebook of `request.folder` as a book (``Book``): one
    /// page each, with contents and previous/next links, and an index page quoting each
    /// chapter's headline from its results. Writes nothing (see ``writeBook(_:)``).
    ///
    /// Every chapter is parsed and prepared, and every output path checked, before the first
    /// block runs, so bad input anywhere costs no experiment. Then every chapter runs at once
    /// (``run(_:options:)-([PreparedNotebook],_)``): each on the executor its front matter
    /// `executor:` asks for unless the command line's `--executor` says otherwise, and the
    /// Slurm chapters with the same settings in one job array.
    ///
    /// - Throws: ``RenderError`` (an unreadable folder, one without notebooks), bad input as
    ///   ``render(_:)``; ``OutputError`` when `request.outputFolder` is a file or cannot be
    ///   created; ``Interrupted`` when ``stop`` was set (finished points are cached, no page).
    public func renderBook(_ request: BookRequest) throws -> RenderedBook {
        let folder = request.outputFolder
        var isFolder: ObjCBool = false
        let suffix = (folder as NSString).pathExtension.lowercased()
        if suffix == "html" || suffix == "htm", !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            let name = (folder as NSString).deletingPathExtension
            throw OutputError(description: "\(folder): a folder renders to a folder of pages (index.html and one page a notebook), not to one HTML file; hint: give a folder, e.g. -o \(name.isEmpty ? "out" : name)/")
        }
        let (chapters, prepared) = try prepareBook(request)
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
            throw OutputError(description: "\(folder): is a file, not a folder; hint: a book is written to a folder of pages, give -o OUT/")
        }
        try OutputFiles.makeFolder(folder)
        let requests = chapters.enumerated().map { index, chapter -> RenderRequest in
            var page = request.page
            page.navigation = Book.navigation(chapters, at: index)
            var chapterRequest = RenderRequest(notebookPath: chapter.path,
                                               destination: (folder as NSString).appendingPathComponent(chapter.page),
                                               scale: request.scale, parse: request.parse, run: request.run, page: page)
            chapterRequest.templatePath = request.templatePath
            return chapterRequest
        }
        var inputs = prepared.flatMap { Self.inputs($0, template: request.templatePath) }
        let indexPath = (folder as NSString).appendingPathComponent("index.html")
        try OutputSet(inputs: inputs).check(requests.compactMap(\.destination) + [indexPath])

        let outputs = try chapters.indices.map { try checkDestination(prepared[$0], request: requests[$0]) }
        // Every chapter runs at once: Slurm chapters with the same settings share one array.
        let results = run(prepared, options: request.run)
        var pages: [RenderedBook.Page] = []
        for index in chapters.indices {
            let rendered = try render(prepared[index], request: requests[index], results: results[index], outputs: outputs[index])
            pages.append(RenderedBook.Page(destination: requests[index].destination!, rendered: rendered))
        }
        let index = try Self.bookIndex(folder: request.folder, chapters: chapters, results: pages.map(\.rendered.results),
                                       parse: request.parse)
        if let introPath = index.introduction { inputs.append((introPath, "notebook")) }
        return RenderedBook(pages: pages, indexPath: indexPath, indexHTML: index.html, inputs: inputs)
    }

    /// The chapters of `request`'s book in book order, each prepared (decoded, references and
    /// data checked) and their executor settings checked together: bad input in any chapter
    /// is found before the first one runs.
    ///
    /// - Throws: as ``renderBook(_:)`` for bad input.
    func prepareBook(_ request: BookRequest) throws -> (chapters: [Book.Chapter], prepared: [PreparedNotebook]) {
        let chapters = try Self.bookChapters(in: request.folder, parse: request.parse)
        try executors.validate(chapters.map { ($0.path, $0.notebook.frontMatter.executor) })
        return (chapters, try chapters.map { try prepare($0.notebook, path: $0.path, scale: request.scale, alone: false) })
    }

    /// `render FOLDER --dry-run`: every chapter is checked as ``renderBook(_:)`` checks it, then
    /// the chapters that run on Slurm go through ``run(_:options:)-([PreparedNotebook],_)`` as
    /// `render NB.md --dry-run` does, so their executor prints each job array's script and
    /// points (chapters with the same settings share an array, blocks named `CHAPTER/BLOCK`)
    /// and submits nothing. Nothing runs, and no page or folder is written.
    ///
    /// - Returns: the paths of the chapters that would run locally (not part of any array).
    /// - Throws: as ``renderBook(_:)`` for bad input.
    public func dryRunBook(_ request: BookRequest) throws -> [String] {
        let prepared = try prepareBook(request).prepared
        let batched = prepared.filter { $0.executor is any BatchPointExecutor }
        if !batched.isEmpty { _ = run(batched, options: request.run) }
        return prepared.filter { !($0.executor is any BatchPointExecutor) }.map(\.path)
    }

    /// The chapters of the book in `folder`, parsed, in book order (``Book/order(_:)``).
    ///
    /// - Throws: ``RenderError`` (an unreadable folder, one without notebooks), ``NotebookError``.
    public static func bookChapters(in folder: String, parse: ParseOptions = ParseOptions()) throws -> [Book.Chapter] {
        Book.order(try Book.notebookPaths(in: folder).map { path in
            Book.Chapter(path: path, notebook: try Notebook.load(path: path, options: parse))
        })
    }

    /// The book's index page: the introduction (`index.md` of `folder`, if any) and each
    /// chapter's title, description and headline, quoted from `results` (one array per
    /// chapter, in the order of `chapters`).
    ///
    /// - Returns: the page, and the introduction's path when there is one (an input of the book).
    /// - Throws: ``NotebookError`` (a bad `index.md`), a headline's bad reference (located).
    public static func bookIndex(folder: String, chapters: [Book.Chapter], results: [[BlockResult]],
                                 parse: ParseOptions = ParseOptions()) throws -> (html: String, introduction: String?) {
        var entries: [IndexPage.Entry] = []
        for (chapter, chapterResults) in zip(chapters, results) {
            entries.append(IndexPage.Entry(title: chapter.title, description: chapter.notebook.frontMatter.description,
                                           href: chapter.page,
                                           headlineHTML: try Book.headlineHTML(chapter, provider: ExecutedBlocks(results: chapterResults))))
        }
        var introduction = ""
        var title = "Notebooks"
        let introPath = (folder as NSString).appendingPathComponent(Book.introductionFile)
        guard FileManager.default.fileExists(atPath: introPath) else {
            return (IndexPage.html(title: title, introductionHTML: introduction, entries: entries), nil)
        }
        let intro = try Notebook.load(path: introPath, options: parse)
        var fragment = RenderOptions()
        fragment.fragment = true
        introduction = try PageRenderer.renderPage(notebook: intro, provider: UnexecutedBlocks(), options: fragment).html
        title = intro.frontMatter.title ?? title
        return (IndexPage.html(title: title, introductionHTML: introduction, entries: entries), introPath)
    }

    /// Writes every page of `book` (with its assets and side files) and the index, all or
    /// nothing (``OutputSet``: staged, then renamed; never over an input).
    ///
    /// - Throws: ``OutputError`` naming the path, with a hint.
    public func writeBook(_ book: RenderedBook) throws {
        var outputs = OutputSet(inputs: book.inputs)
        for page in book.pages { Self.stage(page.rendered, to: page.destination, in: &outputs) }
        outputs.add(Data(book.indexHTML.utf8), to: book.indexPath)
        try outputs.commit()
    }
}
