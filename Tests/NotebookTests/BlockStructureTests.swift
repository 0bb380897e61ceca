import Foundation
@testable import Notebook
import XCTest

/// Block structure comes from cmark's AST alone (the hand-written `LineClassifier` is gone):
/// math is protected exactly where cmark sees prose, and the searches' memo changes nothing.
final class BlockStructureTests: XCTestCase {
    private func spans(_ text: String) -> [String] {
        guard let notebook = try? Notebook.parse(text: text, file: "t.md", options: ParseOptions(allowRawHTML: true))
        else { return ["error"] }
        return notebook.inlines.map { item in
            switch item {
            case .math(let tex, let display, _): return display ? "D(\(tex))" : "M(\(tex))"
            case .reference(let text, _): return "R(\(text))"
            case .crossReference(let id, _): return "@\(id)"
            }
        }
    }

    /// The inputs the classifier's agreement test used, each with the spans cmark's structure
    /// gives: none in code blocks, HTML blocks, link destinations or titles.
    func testSpansFormOnlyInProse() {
        let cases: [(String, [String])] = [
            ("a $x$ b\n", ["M(x)"]), ("- a $x\n- b$\n", []), ("> a $x\n> b$ c\n", ["M(x\nb)"]),
            ("> a $x\nb$ c\n", ["M(x\nb)"]), ("    $x$ code\n", []), ("<div>\n$x$\n</div>\n", []),
            ("para\n<div>$y$</div>\n", []), ("1. a\n\n    more $x$\n", ["M(x)"]),
            ("10. a\n\n    more $x$\n", ["M(x)"]), ("```\n$x$\n```\n$y$\n", ["M(y)"]), ("~~~\n```\n$x$\n~~~\n", []),
            ("``` `x` $a$ ```\n", []), ("# H $x$\nnext $y$\n", ["M(x)", "M(y)"]), ("a\n---\n$x$\n", ["M(x)"]),
            ("$$\na\n- b\n$$\n", ["D(a\n- b)"]), ("- $$\n  a\n  # b\n  $$\n", ["D(a\n# b)"]), ("* * *\n$x$\n", ["M(x)"]),
            ("[a]: /url \"$x$\"\n\n$y$\n", ["M(y)"]), ("<!-- $x$ -->\n\n$y$\n", ["M(y)"]),
            ("\\begin{align}\na\\\\\n- b\n\\end{align}\n", ["D(\\begin{align}\na\\\\\n- b\n\\end{align})"]),
            ("text {{ ref }} and `{{ no }}`\n", ["R(ref)"]), ("> ```\n> $x$\n> ```\n> $y$\n", ["M(y)"]),
            ("- a\n\n      $x$ indented code in item\n", []), ("\t$x$\n", []), ("x\n\t$y$\n", ["M(y)"]),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(spans(input), expected, input.debugDescription)
        }
    }

    /// `MathProtection` remembers failed searches (linear time); with and without the memo,
    /// random documents of its special characters protect identically.
    func testMemoizedSearchesChangeNothing() {
        let pieces = ["{{", "}}", "$", "$$", "`", "``", "\\", "\\begin{equation}", "\\end{equation}", "\\(", "\\)",
                      "\\[", "\\]", "<!", ">", "<a b='", "'", "\n", "\n\n", "> ", "- ", " ", "x", "@a", "é"]
        var state: UInt64 = 12
        func next() -> Int { splitMix64(&state) }
        for _ in 0..<3000 {
            var text = "```experiment {#a}\n```\n"
            for _ in 0..<(5 + next() % 60) { text += pieces[next() % pieces.count] }
            let bytes = Array(text.utf8)
            let lines = SourceLines(bytes: bytes)
            let structure = CMarkDocument.blockStructure(bytes: bytes, lines: lines)
            var outputs: [[UInt8]] = [], items: [[InlineItem]] = []
            for memoize in [true, false] {
                for brackets in [false, true] {
                    var protection = MathProtection(
                        bytes: bytes, lineStarts: lines.lineStarts, kinds: structure.kinds, leafStarts: structure.leafStarts,
                        targets: structure.targets, brackets: brackets, file: "t.md")
                    protection.memoize = memoize
                    protection.run()
                    outputs.append(protection.output)
                    items.append(protection.items)
                }
            }
            XCTAssertEqual(outputs[0], outputs[2], text.debugDescription)
            XCTAssertEqual(outputs[1], outputs[3], text.debugDescription)
            XCTAssertEqual(items[0], items[2], text.debugDescription)
            XCTAssertEqual(items[1], items[3], text.debugDescription)
        }
    }

    /// Pass 1 parses `structureText` (inline-only bytes neutralized, for speed); its block
    /// structure must be exactly that of the text itself.
    func testNeutralizedTextHasTheSameBlockStructure() throws {
        func check(_ text: String, _ label: String) {
            let bytes = Array(text.utf8)
            let lines = SourceLines(bytes: bytes)
            let fast = CMarkDocument.blockStructure(bytes: bytes, lines: lines)
            let exact = CMarkDocument.blockStructure(bytes: bytes, lines: lines, neutralize: false)
            XCTAssertEqual(fast, exact, "\(label): \(text.debugDescription)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try XCTUnwrap(FileManager.default.contents(atPath: root.appendingPathComponent("Tests/Fixtures/commonmark/spec-0.30.json").path))
        let examples = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        for example in examples {
            guard let markdown = example["markdown"] as? String else { continue }
            let withMath = markdown.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : $0 + " a_b \\x *y* &amp; $m_1$" }.joined(separator: "\n")
            check(markdown, "example \(example["example"] ?? "?")")
            check(withMath, "example \(example["example"] ?? "?") with math")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("notebooks").path) where name.hasSuffix(".md") {
            check(try String(contentsOf: root.appendingPathComponent("notebooks/\(name)"), encoding: .utf8), name)
        }
        let pieces = ["\\", "_", "*", "&", "&amp;", "a", "1. ", "- ", "> ", "# ", "```", "~~~", "    ", "\t", "\n", "\n\n",
                      "[a]: /u \"t\\\"\"", "[a]", "]:", "<a b*c>", "<div>", "-->", "<!--", "***", "___", "---", "===", "$x$",
                      " ", "x", "\\_", "{#a_b}", "```experiment {#a\\_b}\n"]
        var state: UInt64 = 99
        func next() -> Int { splitMix64(&state) }
        for round in 0..<10000 {
            var text = ""
            for _ in 0..<(3 + next() % 40) { text += pieces[next() % pieces.count] }
            check(text, "random \(round)")
        }
    }

    /// A forgotten closing fence made the rest of the file (prose, other blocks) YAML of the
    /// block, and the error named a line of prose (fresh-user review): it is an error at the
    /// opening fence. A closed fence at the end of the file, a longer or indented closer, and
    /// an unclosed plain code block (CommonMark's rule: to the end) are fine.
    func testAnExperimentFenceNeverClosedIsAnError() throws {
        XCTAssertThrowsError(try Notebook.parse(text: "# T\n\n```experiment {#a}\nmodel: {depth: [4]}\n\nSome prose.\n", file: "x.md")) { error in
            XCTAssertEqual("\(error)", "x.md:3:1: experiment block a: its fence is never closed, so it would take every line to the end of the file (line 6) as its YAML; hint: end the block with a line of the same fence (```) after its last YAML line")
        }
        XCTAssertThrowsError(try Notebook.parse(text: "# T\n\n~~~~experiment\nmodel: {depth: [4]}\n~~~\n", file: "x.md"))
        XCTAssertThrowsError(try Notebook.parse(text: "# T\n\n```experiment", file: "x.md"))
        for closed in ["```experiment\nmodel: {}\n```", "```experiment\nmodel: {}\n````  \n", "  ~~~experiment\nmodel: {}\n   ~~~\n\nText.\n", "```experiment\r\nmodel: {}\r\n```\r\n\r\nText.\r\n"] {
            XCTAssertEqual(try Notebook.parse(text: "# T\n\n" + closed, file: "x.md").experiments.count, 1, closed)
        }
        XCTAssertEqual(try Notebook.parse(text: "# T\n\n```swift\nlet x = 1\n", file: "x.md").experiments.count, 0)
    }
}

/// SplitMix64: a fixed seed names a document sequence for ever.
private func splitMix64(_ state: inout UInt64) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
}
