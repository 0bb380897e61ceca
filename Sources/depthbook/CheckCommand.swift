import ArgumentParser
import Notebook

/// `depthbook check`: parses and validates a notebook and lists its cells; runs nothing.
///
/// ```
/// $ depthbook check notes.md
/// notes.md: 3 cells (1 experiment), 4 math spans, 0 inline references
///   1-8    prose
///   10-14  experiment lr-transfer (block 1)
///   16-20  prose
/// ```
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse and validate a notebook and list its cells; runs nothing."
    )

    @Argument(help: "The notebook (.md).")
    var notebook: String

    func run() throws {
        try reportingErrors {
            let parsed = try Notebook.load(path: notebook)
            var math = 0, references = 0
            for item in parsed.inlines {
                switch item {
                case .math: math += 1
                case .reference: references += 1
                case .crossReference: break
                }
            }
            print("\(notebook): \(parsed.cells.count) cells (\(parsed.experiments.count) experiment), "
                  + "\(math) math spans, \(references) inline references")
            for cell in parsed.cells {
                let lines = "\(cell.range.start.line)-\(cell.range.end.line)"
                let padded = lines.padding(toLength: max(7, lines.count + 1), withPad: " ", startingAt: 0)
                switch cell {
                case .prose: print("  \(padded)prose")
                case .code(let code): print("  \(padded)code \(code.info.isEmpty ? "(indented or no info)" : code.info)")
                case .experiment(let experiment):
                    print("  \(padded)experiment \(experiment.id ?? "-") (block \(experiment.index))")
                }
            }
        }
    }
}
