/// The index page of a book (`depthbook render FOLDER`): the book's introduction, then one entry
/// per chapter (number, title, description and a headline result quoted live), in the pages'
/// own style sheet.
public enum IndexPage {
    /// One notebook on the index.
    public struct Entry: Sendable, Hashable {
        /// Front matter `title:` (the file name when there is none).
        public var title: String
        /// Front matter `description:`, if any.
        public var description: String?
        /// The rendered page's file name, e.g. `02-learning-rate-transfer.html`; written as a
        /// safe relative URL (``HTMLEscaping/relativeURL(_:)``).
        public var href: String
        /// The chapter's headline sentence as HTML (its quoted numbers resolved), if any.
        public var headlineHTML: String?

        public init(title: String, description: String?, href: String, headlineHTML: String? = nil) {
            self.title = title
            self.description = description
            self.href = href
            self.headlineHTML = headlineHTML
        }
    }

    /// A complete HTML page: `introductionHTML` (trusted HTML, e.g. the book's rendered
    /// `index.md`) then `entries` in order as a numbered list; every other text is HTML-escaped.
    public static func html(title: String, introductionHTML: String = "", entries: [Entry]) -> String {
        var items = ""
        for entry in entries {
            items += "<li><a href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL(entry.href)))\">\(HTMLEscaping.escape(entry.title))</a>"
            if let description = entry.description, !description.isEmpty {
                items += "<br><span class=\"description\">\(HTMLEscaping.escape(description))</span>"
            }
            if let headline = entry.headlineHTML, !headline.isEmpty {
                items += "<br><span class=\"headline\">\(headline)</span>"
            }
            items += "</li>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLEscaping.escape(title))</title>
            <style>
            \(EmbeddedTemplates.style)
            </style>
            </head>
            <body>
            <main>
            <h1>\(HTMLEscaping.escape(title))</h1>
            \(introductionHTML)<ol class="notebook-index">
            \(items)</ol>
            </main>
            </body>
            </html>

            """
    }
}
