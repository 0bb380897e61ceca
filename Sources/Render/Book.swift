import Foundation
import Notebook

/// A book: every notebook of a folder as one series of pages, with an index page and
/// previous/next/contents links on every page (`depthbook render FOLDER -o OUT/`).
///
/// Chapters are the folder's `*.md` files except `index.md`, sorted by front matter `order:`
/// (notebooks without one come after, in file-name order). An `index.md` beside them, if any, is
/// the introduction the index page opens with; each chapter appears there with its title,
/// description and front matter `headline:`, a sentence whose `{{…}}` references are quoted
/// live from that chapter's results.
///
/// ```swift
/// let chapters = Book.order(try Book.notebookPaths(in: "notebooks").map { try Book.Chapter(path: $0) })
/// let nav = Book.navigation(chapters, at: 1)   // <nav class="book-nav"> … </nav>
/// ```
public enum Book {
    /// One notebook of the book.
    public struct Chapter: Sendable {
        /// The notebook file.
        public var path: String
        /// The file name without `.md`; the page is `name.html`.
        public var name: String
        public var notebook: Notebook

        public init(path: String, notebook: Notebook) {
            self.path = path
            self.name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            self.notebook = notebook
        }

        /// Front matter `title:`, else the first level-1 heading, else the file name.
        public var title: String {
            notebook.frontMatter.title ?? notebook.headings.first(where: { $0.level == 1 })?.text ?? name
        }

        /// The page's file name, `name.html`.
        public var page: String { name + ".html" }

        /// The page of the chapter at `path` (`notebooks/02-lr.md` → `02-lr.html`), before it is parsed.
        public static func pageName(of path: String) -> String {
            URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".html"
        }
    }

    /// The name of the introduction file in a book's folder; it is not a chapter.
    public static let introductionFile = "index.md"

    /// The chapter files of `folder` (every `*.md` but `index.md`), sorted by file name.
    ///
    /// - Throws: ``RenderError/io(path:reason:)`` when the folder cannot be read or holds no notebook.
    public static func notebookPaths(in folder: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw RenderError.io(path: folder, reason: "cannot read the folder; hint: check that it exists and is readable")
        }
        let notebooks = names.filter { $0.hasSuffix(".md") && $0 != introductionFile && !$0.hasPrefix(".") }.sorted()
        guard !notebooks.isEmpty else {
            throw RenderError.io(path: folder, reason: "no notebooks (*.md) in the folder; hint: render a folder that holds notebooks, or one NOTEBOOK.md")
        }
        // Joined as text, not through URL, so messages name the path as the user gave it
        // (`notebooks/02.md:4:11`, not an absolute path).
        return notebooks.map { (folder as NSString).appendingPathComponent($0) }
    }

    /// `chapters` by front matter `order:`, then file name (stable).
    public static func order(_ chapters: [Chapter]) -> [Chapter] {
        chapters.sorted { a, b in
            switch (a.notebook.frontMatter.order, b.notebook.frontMatter.order) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.name < b.name
            }
        }
    }

    /// The links of chapter `index` (0-based): contents, previous and next, as
    /// `<nav class="book-nav">` with `rel="index|prev|next"`.
    public static func navigation(_ chapters: [Chapter], at index: Int) -> String {
        var links = ["<a rel=\"index\" href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL("index.html")))\">Contents</a>"]
        if index > 0 {
            let previous = chapters[index - 1]
            links.append("<a rel=\"prev\" href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL(previous.page)))\">← \(index). \(HTMLEscaping.escape(previous.title))</a>")
        }
        if index + 1 < chapters.count {
            let next = chapters[index + 1]
            links.append("<a rel=\"next\" href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL(next.page)))\">\(index + 2). \(HTMLEscaping.escape(next.title)) →</a>")
        }
        return "<nav class=\"book-nav\" aria-label=\"Book\">\(links.joined(separator: " "))</nav>"
    }

    /// The chapter's `headline:` as HTML, its `{{…}}` references resolved by `provider`; nil
    /// without a headline.
    ///
    /// - Throws: whatever `provider` throws for an unknown reference (located at the headline),
    ///   and ``RenderError/located(_:message:hint:)`` for an unclosed `{{`.
    public static func headlineHTML(_ chapter: Chapter, provider: BlockContentProvider) throws -> String? {
        guard let headline = chapter.notebook.frontMatter.headline else { return nil }
        let location = chapter.notebook.frontMatter.headlineLocation ?? SourceLocation(file: chapter.path, line: 1, column: 1)
        var out = ""
        var rest = Substring(headline)
        while let open = rest.range(of: "{{") {
            out += HTMLEscaping.escape(String(rest[..<open.lowerBound]))
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw RenderError.located(location, message: "front matter key headline: unclosed {{", hint: "hint: write {{block.quantity}}")
            }
            let text = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += try provider.inlineHTML(for: InlineReference(text: text, location: location))
            rest = rest[close.upperBound...]
        }
        return out + HTMLEscaping.escape(String(rest))
    }
}
