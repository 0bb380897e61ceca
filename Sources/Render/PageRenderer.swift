import Foundation
import Notebook

/// How to render a page.
public struct RenderOptions: Sendable {
    /// Only the body HTML: prose exactly as cmark renders it plus math spans and block output; no
    /// template, assets, heading anchors or table of contents.
    public var fragment = false
    /// Inline KaTeX's script, style sheet and fonts (data: URIs) so one file works offline.
    public var selfContained = false
    /// The page template; `nil` for the built-in `templates/page.mustache`.
    public var template: PageTemplate?
    /// The folder beside the page that holds its assets (`NAME_files`).
    public var assetFolder = "page_files"
    /// Links to the book's contents and neighbouring pages (``Book/navigation(_:at:)``), shown
    /// above and below the page; nil for a standalone page.
    public var navigation: String?
    /// KaTeX; `nil` loads it from `DEPTHBOOK_KATEX_DIR` or `/usr/share/javascript/katex`.
    public var mathAssets: Result<MathAssets, RenderError>?

    public init() {}
}

/// A rendered page: the HTML and the files that go beside it.
public struct RenderedPage: Sendable {
    public var html: String
    /// Files to write relative to the page's directory (KaTeX assets unless self-contained).
    public var assets: [AssetFile]
    /// Problems that did not stop rendering (e.g. KaTeX missing), one line each.
    public var warnings: [String]
}

/// Renders notebooks to HTML pages.
///
/// The pipeline is: parsed `Notebook` → body HTML (cmark's prose, placeholder tokens replaced,
/// experiment blocks from the provider) → template with style sheet, table of contents and KaTeX.
/// The Runner plugs in by passing its own `BlockContentProvider`.
///
/// ```swift
/// let notebook = try Notebook.load(path: "notes.md")
/// let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: RenderOptions())
/// ```
public enum PageRenderer {
    /// Renders `notebook` with block content from `provider`.
    ///
    /// - Throws: `RenderError` for an unreadable KaTeX font, and whatever the provider throws for
    ///   an unknown inline reference.
    public static func renderPage(
        notebook: Notebook, provider: BlockContentProvider, options: RenderOptions
    ) throws -> RenderedPage {
        let renderer = HTMLRenderer(notebook: notebook, provider: provider, headingAnchors: !options.fragment)
        let body = try renderer.body()
        if options.fragment {
            return RenderedPage(html: body, assets: [], warnings: [])
        }
        var warnings: [String] = []
        var assets: [AssetFile] = []
        var mathHead = ""
        var mathScripts = ""
        let hasMath = notebook.inlines.contains { if case .math = $0 { return true } else { return false } }
        switch options.mathAssets ?? MathAssets.load() {
        case .failure(let error):
            if hasMath { warnings.append("warning: \(error)") }
        case .success(let katex):
            if options.selfContained {
                mathHead = "<style>\n\(try katex.inlinedStyleSheet())\n</style>"
                let script = katex.script.replacingOccurrences(of: "</script", with: "<\\/script")
                mathScripts = "<script>\n\(script)\n</script>\n" + typesetScript
            } else {
                let folder = HTMLEscaping.escape(HTMLEscaping.relativeURL(options.assetFolder))
                mathHead = "<link rel=\"stylesheet\" href=\"\(folder)/katex.min.css\">"
                mathScripts = "<script src=\"\(folder)/katex.min.js\"></script>\n" + typesetScript
                assets = try katex.files(folder: options.assetFolder)
            }
        }
        let front = notebook.frontMatter
        let title = front.title
            ?? notebook.headings.first(where: { $0.level == 1 })?.text
            ?? URL(fileURLWithPath: notebook.file).deletingPathExtension().lastPathComponent
        let byline = [front.author, front.date].compactMap { $0 }.joined(separator: " · ")
        var context: [String: Any] = [
            "lang": "en",
            "title": title,
            "style": PageTemplate.builtInStyle,
            "mathHead": mathHead,
            "mathScripts": mathScripts,
            "body": body,
        ]
        // A page without headings gets no contents box: an absent key, not an empty string
        // (which a Mustache section still shows).
        let toc = try renderer.tableOfContents()
        if !toc.isEmpty { context["toc"] = toc }
        if let navigation = options.navigation { context["navigation"] = navigation }
        if let author = front.author { context["author"] = author }
        if let date = front.date { context["date"] = date }
        if let description = front.description { context["description"] = description }
        if !byline.isEmpty { context["byline"] = byline }
        let template = options.template ?? PageTemplate.builtIn()
        return RenderedPage(html: template.render(context), assets: assets, warnings: warnings)
    }

    /// Typesets every `.math` span with KaTeX once the page has loaded; a formula KaTeX cannot
    /// parse shows its error in place (`throwOnError: false`).
    static let typesetScript = """
        <script>
        (function () {
          if (!window.katex) { return; }
          document.querySelectorAll(".math").forEach(function (element) {
            try {
              katex.render(element.textContent, element, {
                displayMode: element.classList.contains("display"), throwOnError: false
              });
            } catch (error) {
              element.classList.add("math-error");
              element.title = String(error);
            }
          });
        })();
        </script>
        """
}

/// Renders `notebook` with block content from `provider`; see `PageRenderer.renderPage`.
public func renderPage(
    notebook: Notebook, provider: BlockContentProvider, options: RenderOptions
) throws -> RenderedPage {
    try PageRenderer.renderPage(notebook: notebook, provider: provider, options: options)
}
