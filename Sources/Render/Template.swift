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
        try Self.checkNesting(text, path: path)
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

    /// Sections nested deeper than this are refused: the parser and renderer recurse once per
    /// level, and 5,000 levels overflowed the stack. Real templates nest two or three.
    static let maximumNesting = 100

    /// Counts `{{#…}}`/`{{^…}}` against `{{/…}}` before the recursive parser sees the text.
    ///
    /// A scan of the default `{{ }}` delimiters only: after a `{{=<% %>=}}` change the parser's
    /// own errors apply, and reaching depth 100 with other delimiters needs the same change.
    ///
    /// - Throws: `RenderError.located` at the opening tag that passes ``maximumNesting``.
    static func checkNesting(_ text: String, path: String) throws {
        var depth = 0, line = 1, column = 1
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "{"), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "{") {
                let sigil = bytes[index + 2]
                if sigil == UInt8(ascii: "#") || sigil == UInt8(ascii: "^") {
                    depth += 1
                    if depth > maximumNesting {
                        throw RenderError.located(SourceLocation(file: path, line: line, column: column),
                                                  message: "template: sections nested deeper than \(maximumNesting)",
                                                  hint: "hint: close sections ({{/name}}) before opening more")
                    }
                } else if sigil == UInt8(ascii: "/") {
                    depth = max(0, depth - 1)
                }
            }
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
    }

    /// Reads and parses the template file at `path`.
    ///
    /// - Throws: `RenderError.io` saying what is wrong with the file (missing, a directory or
    ///   device, not UTF-8), or `RenderError.located` for a syntax error.
    public static func load(path: String) throws -> PageTemplate {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ELOOP ? "is a symlink loop" : "no such file"
            throw RenderError.io(path: path, reason: "\(reason); hint: check the --template path")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let what = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw RenderError.io(path: path, reason: "is \(what), not a template; hint: check the --template path")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RenderError.io(path: path, reason: "cannot be read (\(String(cString: strerror(errno)))); hint: check the --template path")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RenderError.io(path: path, reason: "is not valid UTF-8; hint: save the template as UTF-8 text")
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
