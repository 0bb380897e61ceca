import ArgumentParser
import Foundation
import Notebook
import Render
import Runner

/// `depthbook bench-render` (hidden): times rendering a generated prose-and-math notebook against
/// cmark alone on the same text, in this thread's CPU time, interleaved, fastest of `--repeats`.
/// Build with `-c release` for meaningful numbers.
///
/// ```
/// $ .build/release/depthbook bench-render --lines 5000
/// cmark alone:        12.1 ms
/// depthbook fragment: 19.8 ms  (1.64x)
/// ```
struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-render",
        abstract: "Time notebook rendering against plain cmark on a generated notebook.",
        shouldDisplay: false
    )

    @Option(help: "Lines of the generated notebook.")
    var lines = 5000

    @Option(help: "Runs per measurement; the fastest counts.")
    var repeats = 30

    @Option(help: "Multiplies each worst-case shape's 1x size (--shapes; 10 gives issue 12's 100,000 {{, 50,000 lines, 100,000 $a$).")
    var shapeScale = 1

    @Flag(help: "Time parsing the worst-case shapes (unclosed {{, unclosed \\begin{equation}, many $a$) at 1x and 10x size.")
    var shapes = false

    func run() throws {
        if shapes { return try runShapes() }
        let text = Self.generatedNotebook(lines: lines)
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = CPUClock.threadSeconds()
            try body()
            return (CPUClock.threadSeconds() - start) * 1e3
        }
        var sink = 0
        var fragmentOptions = RenderOptions()
        fragmentOptions.fragment = true
        var pageOptions = RenderOptions()
        pageOptions.mathAssets = MathAssets.load()
        // Interleaved, fastest of each: the machine's noise hits all three alike.
        var plain = Double.infinity, fragment = Double.infinity, full = Double.infinity
        for _ in 0..<repeats {
            plain = min(plain, time { sink &+= Notebook.plainCMarkHTML(text).utf8.count })
            fragment = min(fragment, try time {
                let notebook = try Notebook.parse(text: text, file: "bench.md")
                let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: fragmentOptions)
                sink &+= page.html.utf8.count
            })
            full = min(full, try time {
                let notebook = try Notebook.parse(text: text, file: "bench.md")
                let page = try PageRenderer.renderPage(notebook: notebook, provider: UnexecutedBlocks(), options: pageOptions)
                sink &+= page.html.utf8.count
            })
        }
        let notebook = try Notebook.parse(text: text, file: "bench.md")
        print("notebook: \(lines) lines, \(text.utf8.count) bytes, \(notebook.inlines.count) math spans")
        print(String(format: "cmark alone:        %8.2f ms", plain))
        print(String(format: "depthbook fragment: %8.2f ms  (%.2fx)", fragment, fragment / plain))
        print(String(format: "depthbook page:     %8.2f ms  (%.2fx, template + TOC + KaTeX links)", full, full / plain))
        if sink == 42 { print("") }
    }

    /// A notebook of about `lines` lines: headings, paragraphs with inline math, display math,
    /// lists with math, code blocks and block quotes.
    static func generatedNotebook(lines: Int) -> String {
        var text = "---\ntitle: Benchmark\n---\n"
        var count = 3
        var section = 0
        while count < lines {
            section += 1
            text += """
                ## Section \(section): width $n$ and depth $L$

                In block $\\ell$ the branch multiplier is $L^{-\\alpha}$ with $\\alpha = 1/2$, so the
                update of $h_\\ell = h_{\\ell-1} + L^{-1/2} W_\\ell\\, \\phi(h_{\\ell-1})$ stays
                $\\Theta(1/\\sqrt{L})$ per block. We paid $400, not $300, for *this* run.

                $$
                \\frac{\\partial \\mathcal{L}}{\\partial W_\\ell} = L^{-1/2}\\, \\delta_\\ell \\phi(h_{\\ell-1})^\\top
                $$

                - the learning rate $\\eta$ scales as $\\eta_0 L^{-\\gamma}$;
                - with `code $x$` spans and **bold $a_i$ math**;
                - a reference to \\$5 and $x_{i}$.

                > A quote with $E = mc^2$ and
                > $$a + b$$

                ```python
                loss = (y - f(x)) ** 2  # $not math$
                ```


                """
            count += 20
        }
        return text
    }

    /// The shapes of issue 12 item 6, each as (name, document of `n` units).
    static let worstCaseShapes: [(name: String, unit: Int, document: (Int) -> String)] = [
        ("{{ in one paragraph", 10_000, { String(repeating: "{{ ", count: $0) + "\n" }),
        ("unclosed \\begin{equation} lines", 5_000, { String(repeating: "\\begin{equation}\n", count: $0) }),
        ("$a$ on one line", 10_000, { String(repeating: "$a$ ", count: $0) + "\n" }),
        ("unclosed <! on one line", 10_000, { String(repeating: "<!x ", count: $0) + "\n" }),
    ]

    /// Parses each worst-case shape at 1x and 10x its unit size; linear parsing shows a ratio
    /// near 10, quadratic near 100.
    ///
    /// ```
    /// $ .build/release/depthbook bench-render --shapes
    /// {{ in one paragraph            1x  10000:     3.1 ms  10x:    31.0 ms  ratio 10.0
    /// ```
    private func runShapes() throws {
        func seconds(_ text: String) throws -> Double {
            var best = Double.infinity
            for _ in 0..<max(1, min(repeats, 3)) {
                let start = CPUClock.threadSeconds()
                _ = try Notebook.parse(text: text, file: "shape.md")
                best = min(best, CPUClock.threadSeconds() - start)
            }
            return best
        }
        for shape in Self.worstCaseShapes {
            let unit = shape.unit * max(1, shapeScale)
            let small = try seconds(shape.document(unit))
            let large = try seconds(shape.document(unit * 10))
            print(String(format: "%@ 1x %6d: %9.1f ms  10x: %9.1f ms  ratio %5.1f",
                         shape.name.padding(toLength: 32, withPad: " ", startingAt: 0), unit,
                         small * 1e3, large * 1e3, large / small))
        }
    }
}
