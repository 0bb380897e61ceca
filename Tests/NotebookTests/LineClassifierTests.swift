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
