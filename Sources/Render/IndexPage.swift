/// The index page `make demo` writes beside rendered notebooks: one link per notebook, titled
/// and described from its front matter, in the pages' own style sheet.
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

        public init(title: String, description: String?, href: String) {
            self.title = title
            self.description = description
            self.href = href
        }
    }

    /// A complete HTML page listing `entries` in order; every text is HTML-escaped.
    public static func html(title: String, entries: [Entry]) -> String {
        var items = ""
        for entry in entries {
            items += "<li><a href=\"\(HTMLEscaping.escape(HTMLEscaping.relativeURL(entry.href)))\">\(HTMLEscaping.escape(entry.title))</a>"
            if let description = entry.description, !description.isEmpty {
                items += "<br><span class=\"description\">\(HTMLEscaping.escape(description))</span>"
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
            <ul class="notebook-index">
            \(items)</ul>
            </main>
            </body>
            </html>

            """
    }
}
