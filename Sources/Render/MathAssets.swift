import Foundation

/// The system's KaTeX (Debian `libjs-katex` + `fonts-katex`): the script, the style sheet and
/// the WOFF2 fonts, either as files beside the page or inlined (`--self-contained`).
///
/// The directory is `/usr/share/javascript/katex` unless `DEPTHBOOK_KATEX_DIR` names another;
/// it must hold `katex.min.js`, `katex.min.css` and `fonts/`. Only the WOFF2 fonts are used
/// (every browser that runs KaTeX 0.16 reads them), so the style sheet is rewritten to drop the
/// WOFF and TTF alternatives.
public struct MathAssets: Sendable {
    public static let defaultDirectory = "/usr/share/javascript/katex"

    /// The KaTeX directory in use.
    public var directory: URL
    public var script: String
    /// The style sheet with only WOFF2 sources, `url(fonts/NAME.woff2)`.
    public var styleSheet: String
    /// Font file names referenced by the style sheet.
    public var fontNames: [String]

    public init(directory: URL, script: String, styleSheet: String, fontNames: [String]) {
        self.directory = directory
        self.script = script
        self.styleSheet = styleSheet
        self.fontNames = fontNames
    }

    /// Loads KaTeX from `DEPTHBOOK_KATEX_DIR` or the default directory.
    ///
    /// - Returns: `nil` (with the reason) when KaTeX is not installed there.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Result<MathAssets, RenderError>
    {
        let path = environment["DEPTHBOOK_KATEX_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDirectory
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        guard let script = try? String(contentsOf: directory.appendingPathComponent("katex.min.js"), encoding: .utf8),
              let css = try? String(contentsOf: directory.appendingPathComponent("katex.min.css"), encoding: .utf8)
        else {
            return .failure(.io(
                path: path,
                reason: "KaTeX not found (katex.min.js, katex.min.css); math is shown as TeX. "
                    + "hint: apt-get install libjs-katex fonts-katex, or set DEPTHBOOK_KATEX_DIR"))
        }
        let styleSheet = Self.woff2Only(css)
        return .success(MathAssets(
            directory: directory, script: script, styleSheet: styleSheet,
            fontNames: Self.fontReferences(in: styleSheet)))
    }

    /// Removes `,url(fonts/X.woff) format('woff')` and the TTF alternative from `@font-face` rules.
    static func woff2Only(_ css: String) -> String {
        var result = css
        for format in ["woff", "truetype"] {
            let pattern = #",\s*url\([^)]*\)\s*format\(['"]"# + format + #"['"]\)"#
            result = result.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
        }
        return result
    }

    static func fontReferences(in css: String) -> [String] {
        var names: [String] = []
        var rest = css[...]
        while let range = rest.range(of: "url(fonts/") {
            rest = rest[range.upperBound...]
            guard let end = rest.firstIndex(of: ")") else { break }
            names.append(String(rest[..<end]))
            rest = rest[end...]
        }
        return Array(Set(names)).sorted()
    }

    /// The style sheet with each font as a `data:font/woff2;base64,…` URI.
    public func inlinedStyleSheet() throws -> String {
        var css = styleSheet
        for name in fontNames {
            let url = directory.appendingPathComponent("fonts").appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else {
                throw RenderError.io(path: url.path, reason: "cannot read KaTeX font; hint: apt-get install fonts-katex")
            }
            css = css.replacingOccurrences(
                of: "url(fonts/\(name))", with: "url(data:font/woff2;base64,\(data.base64EncodedString()))")
        }
        return css
    }

    /// The files to write beside the page, under `folder` (`NAME_files`).
    public func files(folder: String) throws -> [AssetFile] {
        var files = [
            AssetFile(relativePath: "\(folder)/katex.min.js", contents: Data(script.utf8)),
            AssetFile(relativePath: "\(folder)/katex.min.css", contents: Data(styleSheet.utf8)),
        ]
        for name in fontNames {
            let url = directory.appendingPathComponent("fonts").appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else {
                throw RenderError.io(path: url.path, reason: "cannot read KaTeX font; hint: apt-get install fonts-katex")
            }
            files.append(AssetFile(relativePath: "\(folder)/fonts/\(name)", contents: data))
        }
        return files
    }
}

/// A file that belongs with a rendered page, its path relative to the page's directory.
public struct AssetFile: Sendable, Hashable {
    public var relativePath: String
    public var contents: Data

    public init(relativePath: String, contents: Data) {
        self.relativePath = relativePath
        self.contents = contents
    }
}
