import Foundation
import XCTest
import Notebook
@testable import Render

/// Issue 16 in Render: bounded templates, messages that say what is wrong, safe relative URLs.
final class HostileRenderTests: XCTestCase {
    func testDeeplyNestedTemplateIsALocatedErrorNotACrash() {
        let text = "<p>\n" + String(repeating: "{{#a}}", count: 5000) + String(repeating: "{{/a}}", count: 5000)
        XCTAssertThrowsError(try PageTemplate(text: text, path: "t.mustache")) { error in
            XCTAssertEqual("\(error)", "t.mustache:2:601: template: sections nested deeper than 100; hint: close sections ({{/name}}) before opening more")
        }
        let fine = String(repeating: "{{#a}}", count: 100) + String(repeating: "{{/a}}", count: 100)
        XCTAssertNoThrow(try PageTemplate(text: fine, path: "t.mustache"))
    }

    func testTemplateFileProblemsSayWhatIsWrong() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = folder.appendingPathComponent("l.mustache")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        XCTAssertThrowsError(try PageTemplate.load(path: latin1.path)) { error in
            XCTAssertEqual("\(error)", "\(latin1.path): is not valid UTF-8; hint: save the template as UTF-8 text")
        }
        XCTAssertThrowsError(try PageTemplate.load(path: folder.path)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): is a directory, not a template; hint: check the --template path")
        }
        XCTAssertThrowsError(try PageTemplate.load(path: "/dev/zero")) { error in
            XCTAssertEqual("\(error)", "/dev/zero: is not a regular file, not a template; hint: check the --template path")
        }
    }

    func testFileNamesWithColonsAreRelativeURLs() {
        XCTAssertEqual(HTMLEscaping.relativeURL("ch1:intro.html"), "./ch1%3Aintro.html")
        XCTAssertEqual(HTMLEscaping.relativeURL("javascript:alert(1).html"), "./javascript%3Aalert(1).html")
        XCTAssertEqual(HTMLEscaping.relativeURL("a b#c?%.html"), "a%20b%23c%3F%25.html")
        XCTAssertEqual(HTMLEscaping.relativeURL("café.html"), "caf%C3%A9.html")
        XCTAssertEqual(HTMLEscaping.relativeURL("02-learning-rate.html"), "02-learning-rate.html")
        XCTAssertEqual(HTMLEscaping.relativeURL("ch1:intro_files"), "./ch1%3Aintro_files")
        let page = IndexPage.html(title: "t", entries: [.init(title: "x", description: nil, href: "javascript:alert(1).html")])
        XCTAssertTrue(page.contains("<a href=\"./javascript%3Aalert(1).html\">"), page)
        XCTAssertFalse(page.contains("href=\"javascript:"))
    }

    func testAssetLinksOfAColonNamedPageAreRelative() throws {
        let notebook = try Notebook.parse(text: "# x\n\n$a$\n", file: "ch1:intro.md")
        var options = RenderOptions()
        options.assetFolder = "ch1:intro_files"
        options.mathAssets = .success(MathAssets(directory: URL(fileURLWithPath: "/nonexistent"), script: "", styleSheet: "", fontNames: []))
        let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: options)
        XCTAssertTrue(page.html.contains("<link rel=\"stylesheet\" href=\"./ch1%3Aintro_files/katex.min.css\">"), page.html)
        XCTAssertTrue(page.html.contains("<script src=\"./ch1%3Aintro_files/katex.min.js\"></script>"))
        XCTAssertEqual(page.assets.map(\.relativePath), ["ch1:intro_files/katex.min.js", "ch1:intro_files/katex.min.css"])
    }
}
