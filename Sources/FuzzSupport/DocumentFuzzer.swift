import Foundation
import Notebook
import Render
import Runner

/// A fuzzer of the whole notebook parse: front matter, math protection, cmark, pipe tables,
/// experiment-block YAML decoding and inline references (resolved against the blocks' sweeps,
/// as `check` does).
///
/// Used three ways: by `FuzzTests` (a fixed-seed run inside `swift test`, and the saved corpus),
/// by the libFuzzer target `depthbook-fuzz` (`DEPTHBOOK_FUZZ=1 swift build -Xswiftc
/// -sanitize=fuzzer`), and by long seeded runs (`FUZZ_SECONDS=1800 swift test --filter
/// FuzzTests`). `check` is the property every input must have:
///
/// - no crash (the process would die) and no hang: under `timeLimit` seconds of CPU;
/// - every error is located: `t.md:LINE:COL: ` with LINE within the file (or, for a problem of
///   the whole file, `t.md: `);
/// - a document that forms no math, no reference and no experiment renders byte-identical to
///   plain cmark (with pipe tables off, raw HTML allowed).
///
/// Documents come from `generate`: CommonMark spec examples and notebook features joined at
/// random, then mutated (byte flips, insertions of features, deletions, duplications). The
/// generator is SplitMix64, so a seed names a document for ever.
public enum DocumentFuzzer {
    /// What went wrong with one input.
    public struct Finding: CustomStringConvertible, Sendable {
        public var problem: String
        public var input: [UInt8]
        public var description: String { "\(problem)\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)" }
    }

    /// Seconds one input may take.
    public static let timeLimit = 1.0

    /// Pieces of notebooks: every feature the parser handles specially.
    public static let features: [String] = [
        "---\ntitle: T\n---\n", "---\nmath: brackets\nscale: ci\n---\n", "---\ndefaults: {train: {steps: 2}}\n---\n",
        "---\n: bad\n---\n", "---\ntitle: [\n---\n",
        "$x$", "$a_1 * b_2$", "$$\nx\n$$\n", "$$ a\n- b\n$$", "\\$5 and $10", "$", "$$", "\\(a\\)", "\\[b\\]",
        "\\begin{align}\na &= b\\\\\n\\end{align}\n", "\\begin{equation}\n", "\\end{equation}",
        "```experiment {#a}\nmodel: {width: 8, depth: [2, 4]}\ntrain: {steps: 2}\n```\n",
        "```experiment {#b}\nmodel: {widht: 8}\n```\n", "```experiment\noptimizer: {lr: fast}\n```\n",
        "```experiment {#c}\nscales:\n  ci: {train: {steps: 1}}\n```\n", "```experiment {#bad id}\n```\n",
        "```experiment\n: [\n```\n", "```experiment {#a}\nparametrization: [sp, depth-mup]\n```\n",
        "{{a.final_loss}}", "{{a.best_lr[sp]}}", "{{ b.nope[1, 2] }}", "{{", "}}", "{{}}", "@a", "(@b)", "@zz",
        "<!-- c -->\n", "<!-- c\nd -->\n", "<div>\n", "</div>\n", "<?php ?>\n", "<!DOCTYPE html>\n", "<![CDATA[x]]>\n",
        "<a href=\"$x$\">", "`code $x$`", "```\n", "~~~\n", "    indented\n", "\t", "\r\n", "\r", "\u{FEFF}",
        "| a | b |\n| --- | :-: |\n| $x|y$ | `c|d` |\n", "| a |\n", "|---|\n", "\\|", "> ", "- ", "1. ", "# ", "\n",
        "\n\n", " ", "*", "_", "[l](/u)", "[r]\n\n[r]: /u\n", "é", "\u{E000}0\u{E001}", "\u{E004}\n",
    ]

    /// A SplitMix64 stream.
    public struct Random {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        public mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : next() % bound }
    }

    /// A random document: spec examples (`examples`) and features joined, then 0–3 mutations.
    public static func generate(_ random: inout Random, examples: [String]) -> [UInt8] {
        var text = ""
        for _ in 0..<(1 + random.below(8)) {
            if !examples.isEmpty, random.below(3) == 0 {
                text += examples[random.below(examples.count)]
            } else {
                text += features[random.below(features.count)]
            }
        }
        var bytes = Array(text.utf8)
        for _ in 0..<random.below(4) { mutate(&bytes, &random) }
        return bytes
    }

    /// One random mutation: a byte changed (also to invalid UTF-8), a feature inserted, a range
    /// deleted or duplicated.
    public static func mutate(_ bytes: inout [UInt8], _ random: inout Random) {
        let position = random.below(bytes.count + 1)
        switch random.below(5) {
        case 0 where !bytes.isEmpty:
            let special: [UInt8] = Array("$`|{}\\@<>-:#\n\t ".utf8) + [0xFF, 0xC3, 0x80]
            bytes[min(position, bytes.count - 1)] = special[random.below(special.count)]
        case 1, 2:
            bytes.insert(contentsOf: Array(features[random.below(features.count)].utf8), at: position)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + 1 + random.below(16))
            bytes.removeSubrange(min(position, end)..<end)
        default:
            let end = min(bytes.count, position + random.below(32))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        }
    }

    /// Checks one input; `nil` when it has every property above.
    ///
    /// The time is the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not the wall clock:
    /// on a machine shared with other builds a wall-clock second says more about the load than
    /// about the parser (a 0.07 s input took 1.1 s of wall time at a load of 20).
    public static func check(_ bytes: [UInt8]) -> Finding? {
        let start = CPUClock.threadSeconds()
        var problem = run(bytes)
        let seconds = CPUClock.threadSeconds() - start
        if problem == nil, seconds > timeLimit { problem = String(format: "took %.2f s (limit %.1f s)", seconds, timeLimit) }
        return problem.map { Finding(problem: $0, input: bytes) }
    }

    private static func run(_ bytes: [UInt8]) -> String? {
        // Lines as a notebook counts them: LF, CRLF and a lone CR each end one.
        var lineCount = 1
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n")
            || (byte == UInt8(ascii: "\r") && (index + 1 == bytes.count || bytes[index + 1] != UInt8(ascii: "\n"))) {
            lineCount += 1
        }
        func unlocated(_ error: Error) -> String? {
            let message = "\(error)"
            guard message.hasPrefix("t.md:") else { return "error without the file: \(message)" }
            let rest = message.dropFirst("t.md:".count)
            if rest.hasPrefix(" ") { return nil }  // the whole file (binary, empty)
            let parts = rest.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let line = Int(parts[0]), Int(parts[1]) != nil, parts[2].hasPrefix(" ") else {
                return "error not located as file:line:col: \(message)"
            }
            guard line >= 1, line <= max(lineCount, 1) + 1 else { return "error at line \(line) of \(lineCount): \(message)" }
            if message.contains("Error Domain") { return "Foundation error domain in: \(message)" }
            return nil
        }
        let notebook: Notebook
        do {
            notebook = try Notebook.parse(data: Data(bytes), file: "t.md", options: ParseOptions(allowRawHTML: true))
        } catch {
            return unlocated(error)
        }
        // Blocks (with the front matter's defaults and scale) and references, as `check` does.
        var blocks: [BlockResult] = []
        do {
            let defaults = try notebook.frontMatter.defaults.map {
                try SpecNode(yams: $0, origin: SourceLocation(file: "t.md", line: 2, column: 1), block: "defaults")
            }
            for cell in notebook.experiments {
                let spec = try ExperimentSpec.decode(cell, defaults: defaults, scale: notebook.frontMatter.scale)
                let points = Sweep.points(of: spec)
                blocks.append(BlockResult(cell: cell, spec: spec, axes: Sweep.axes(of: spec), points: points,
                                          outcomes: points.map { _ in .cancelled }, status: .ok, failsCommand: false))
            }
            var options = RenderOptions()
            options.fragment = true
            _ = try PageRenderer.renderPage(notebook: notebook, provider: ExecutedBlocks(results: blocks), options: options)
        } catch {
            if let problem = unlocated(error) { return problem }
        }
        // The identity: nothing formed, so the page is cmark's.
        guard notebook.inlines.isEmpty, notebook.experiments.isEmpty, let text = String(validating: bytes, as: UTF8.self),
              !text.unicodeScalars.contains(where: { (0xE000...0xE006).contains($0.value) }),
              !text.hasPrefix("---"), !text.hasPrefix("\u{FEFF}---")
        else { return nil }
        do {
            var parseOptions = ParseOptions(allowRawHTML: true)
            parseOptions.pipeTables = false
            let plain = try Notebook.parse(data: Data(bytes), file: "t.md", options: parseOptions)
            var options = RenderOptions()
            options.fragment = true
            let html = try PageRenderer.renderPage(notebook: plain, provider: UnexecutedBlocks(), options: options).html
            // A notebook drops a leading BOM (cmark 0.30 would keep it as text).
            let expected = Notebook.plainCMarkHTML(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, rawHTML: true)
            if html != expected { return "differs from cmark: got \(html.debugDescription), cmark \(expected.debugDescription)" }
        } catch NotebookError.empty {
            return nil
        } catch {
            return unlocated(error)
        }
        return nil
    }
}
