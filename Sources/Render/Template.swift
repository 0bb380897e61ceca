import Foundation
import Mustache
import Notebook

/// A page template (Mustache, via hummingbird-project/swift-mustache).
///
/// The default is `templates/page.mustache`, built in. Variables: `lang`, `title`, `author`,
/// `date`, `description`, `byline`, `style` (CSS), `mathHead` and `mathScripts` (KaTeX tags,
/// HTML), `toc` (HTML list, empty without headings) and `body` (HTML). Use `{{{…}}}` for HTML.
public struct PageTemplate: Sendable {
    let template: MustacheTemplate
    /// Where the template came from (`built-in` for the default).
    public let source: String

    /// The built-in `templates/page.mustache`.
    public static func builtIn() -> PageTemplate {
        do {
            return PageTemplate(template: try MustacheTemplate(string: EmbeddedTemplates.page + "\n"), source: "built-in")
        } catch {
            preconditionFailure("the built-in page template does not parse: \(error)")
        }
    }

    /// The built-in style sheet, `templates/style.css`.
    public static var builtInStyle: String { EmbeddedTemplates.style + "\n" }

    /// Parses template text; `path` names it in errors.
    ///
    /// - Throws: `RenderError.located` at the template's `path:line:col` for a syntax error.
    public init(text: String, path: String) throws {
        do {
            template = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            throw RenderError.located(
                SourceLocation(file: path, line: error.context.lineNumber, column: error.context.columnNumber),
                message: "template: \(Self.describe(error.error))",
                hint: "hint: check the {{#section}} … {{/section}} pairs and tag syntax")
        }
        source = path
    }

    private init(template: MustacheTemplate, source: String) {
        self.template = template
        self.source = source
    }

    /// Reads and parses the template file at `path`.
    public static func load(path: String) throws -> PageTemplate {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw RenderError.io(path: path, reason: "cannot read the template; hint: check the --template path")
        }
        return try PageTemplate(text: text, path: path)
    }

    func render(_ context: [String: Any]) -> String {
        template.render(context)
    }

    private static func describe(_ error: Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "closing tag does not match the open section"
        case .unfinishedName: return "unfinished tag"
        case .expectedSectionEnd: return "section is never closed"
        case .invalidSetDelimiter: return "bad set-delimiter tag"
        default: return "\(error)"
        }
    }
}
