import Foundation
import Notebook
import Render
import XCTest

/// CommonMark 0.30 conformance of the prose renderer: with no math in it, a document renders
/// exactly as cmark renders it (`Tests/Fixtures/commonmark/spec-0.30.json`, raw HTML allowed as in
/// cmark's own spec run).
final class ConformanceTests: XCTestCase {
    struct Example: Decodable {
        var markdown: String
        var html: String
        var example: Int
        var section: String
    }

    static func examples() throws -> [Example] {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/commonmark/spec-0.30.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            XCTFail("\(url.path) is missing (a copy of CommonMark 0.30's examples, committed)")
            return []
        }
        return try JSONDecoder().decode([Example].self, from: data)
    }

    func testEveryExampleWithoutDollarIsByteIdentical() throws {
        let examples = try Self.examples().filter { !$0.markdown.contains("$") }
        var failures: [String] = []
        for example in examples {
            let html = try renderOrEmpty(example.markdown)
            if html != example.html {
                failures.append("example \(example.example) (\(example.section)): got \(html.debugDescription), want \(example.html.debugDescription)")
            }
        }
        print("CommonMark 0.30 conformance: \(examples.count - failures.count) of \(examples.count) examples without $ byte-identical")
        XCTAssertEqual(failures, [], "\(failures.count) failures")
        XCTAssertEqual(examples.count, 647)
    }

    /// The 5 examples with `$` (12, 143, 169, 627, 650) form no math under the rules, so they keep
    /// their CommonMark meaning byte for byte.
    func testExamplesWithDollarKeepTheirMeaning() throws {
        let examples = try Self.examples().filter { $0.markdown.contains("$") }
        XCTAssertEqual(examples.map(\.example), [12, 143, 169, 627, 650])
        for example in examples {
            XCTAssertEqual(try renderOrEmpty(example.markdown), example.html, "example \(example.example)")
        }
    }

    /// What a notebook adds on top: a spec example with a math span differs only inside the span.
    func testNoMathFormedMeansPlainCMark() throws {
        for example in try Self.examples() {
            let notebook = try? Notebook.parse(text: example.markdown, file: "t.md", options: ParseOptions(allowRawHTML: true))
            XCTAssertEqual(notebook?.inlines.count ?? 0, 0, "example \(example.example) formed a protected span")
        }
    }

    private func renderOrEmpty(_ markdown: String) throws -> String {
        // An empty or blank document is a notebook error, and cmark renders it as nothing.
        if markdown.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" }) { return "" }
        return try fragment(markdown, unsafeHTML: true)
    }
}
