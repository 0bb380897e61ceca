import Foundation
@testable import Notebook
import XCTest

/// The fast line classification must give exactly what cmark's own block structure gives.
final class LineClassifierTests: XCTestCase {
    private func dump(_ text: String, exact: Bool) -> String {
        var options = ParseOptions(allowRawHTML: true)
        options.exactBlockStructure = exact
        guard let notebook = try? Notebook.parse(text: text, file: "t.md", options: options) else { return "error" }
        let cells = notebook.cells.map { cell -> String in
            switch cell {
            case .prose(let prose): return prose.html
            case .code(let code): return code.html
            case .experiment(let experiment): return "experiment \(experiment.label)"
            }
        }
        return cells.joined() + "\n\(notebook.inlines)\n\(notebook.headings)"
    }

    static let mathInputs = [
        "a $x$ b\n", "- a $x\n- b$\n", "> a $x\n> b$ c\n", "> a $x\nb$ c\n", "    $x$ code\n",
        "<div>\n$x$\n</div>\n", "para\n<div>$y$</div>\n", "1. a\n\n    more $x$\n", "10. a\n\n    more $x$\n",
        "```\n$x$\n```\n$y$\n", "~~~\n```\n$x$\n~~~\n", "``` `x` $a$ ```\n", "# H $x$\nnext $y$\n",
        "a\n---\n$x$\n", "$$\na\n- b\n$$\n", "- $$\n  a\n  # b\n  $$\n", "* * *\n$x$\n",
        "[a]: /url \"$x$\"\n\n$y$\n", "[l](/u$x$v) $y$\n", "<!-- $x$ -->\n\n$y$\n",
        "\\begin{align}\na\\\\\n- b\n\\end{align}\n", "text {{ ref }} and `{{ no }}`\n",
        "> ```\n> $x$\n> ```\n> $y$\n", "- a\n\n      $x$ indented code in item\n",
    ]

    func testFastStructureMatchesCMarkOnMathInputs() throws {
        for input in Self.mathInputs {
            XCTAssertEqual(dump(input, exact: false), dump(input, exact: true), input.debugDescription)
        }
    }

    func testFastStructureMatchesCMarkOnSpecExamples() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/commonmark/spec-0.30.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let examples = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw XCTSkip("\(url.path) is absent")
        }
        for example in examples {
            guard let markdown = example["markdown"] as? String else { continue }
            // Also with a formula appended to each line, so every kind of block meets math.
            let withMath = markdown.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : $0 + " $m_1$" }.joined(separator: "\n")
            for input in [markdown, withMath] {
                XCTAssertEqual(dump(input, exact: false), dump(input, exact: true),
                               "example \(example["example"] ?? "?"): \(input.debugDescription)\nFAST \(dump(input, exact: false).debugDescription)\nEXACT \(dump(input, exact: true).debugDescription)")
            }
        }
    }
}

extension LineClassifierTests {
    /// Random documents from Markdown's and TeX's special characters: no crash, and the fast path
    /// gives what cmark's block structure gives.
    ///
    /// NOTE: without `<`, tabs and indented lines (which send the fast path to cmark), about 1 in
    /// 3,000 random documents differs: a setext underline under a multi-line `$$` or `{{`, where
    /// cmark's source position of the heading runs past its underline.
    func testRandomDocumentsAgreeWithCMark() {
        let pieces = ["$", "$$", "\\", "`", "```", "~~~", "\n", "\n\n", "> ", "- ", "1. ", "# ", "    ", "{{", "}}",
                      "@a", "(", "<b>", "<div>", "*", "_", "x", "y ", " ", "---", "\\begin{align}", "\\end{align}",
                      "\\(", "\\)", "\\[", "\\]", "1", "é", "\t", "[l](u)", "\r\n"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // SplitMix64, fixed seed
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        var mismatches = 0
        for _ in 0..<1500 {
            var text = "```experiment {#a}\n```\n"
            for _ in 0..<(5 + next() % 40) { text += pieces[next() % pieces.count] }
            let fast = dump(text, exact: false), exact = dump(text, exact: true)
            if fast != exact {
                mismatches += 1
                if mismatches <= 5 { XCTFail("fast and exact differ for \(text.debugDescription)\nFAST \(fast)\nEXACT \(exact)") }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }
}
