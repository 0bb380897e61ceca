import Foundation
import Notebook
import Render
import XCTest

/// The body HTML of `markdown` as `render --fragment` writes it.
func fragment(_ markdown: String, unsafeHTML: Bool = false, math: FrontMatter.MathDelimiters? = nil) throws -> String {
    let notebook = try Notebook.parse(
        text: markdown, file: "t.md", options: ParseOptions(allowRawHTML: unsafeHTML ? true : nil, math: math))
    var options = RenderOptions()
    options.fragment = true
    return try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options).html
}

/// The body HTML of raw bytes (BOM, CRLF tests).
func fragment(bytes: [UInt8]) throws -> String {
    let notebook = try Notebook.parse(data: Data(bytes), file: "t.md")
    var options = RenderOptions()
    options.fragment = true
    return try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options).html
}

/// `M(t)`: an inline math span whose TeX is `t`.
func inlineMath(_ tex: String) -> String {
    "<span class=\"math inline\">\(HTMLEscaping.escape(tex))</span>"
}

/// `D(t)`: a display math span whose TeX is `t`.
func displayMath(_ tex: String) -> String {
    "<span class=\"math display\">\(HTMLEscaping.escape(tex))</span>"
}

/// The repository root (the directory holding Package.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Compares `actual` with `Snapshots/<name>` beside this file; a missing snapshot, or
/// `RECORD_SNAPSHOTS=1`, writes it and fails so the re-record is reviewed.
func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
        .appendingPathComponent("Snapshots").appendingPathComponent(name)
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("recorded snapshot \(url.path); review it and re-run", file: file, line: line)
        return
    }
    if actual != expected {
        let a = Array(actual.utf8), e = Array(expected.utf8)
        let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        let context = String(decoding: a[max(0, first - 80)..<min(a.count, first + 80)], as: UTF8.self)
        XCTFail("snapshot \(name) differs at byte \(first) (sizes \(a.count) vs \(e.count)); near: \(context)",
                file: file, line: line)
    }
}
