import Foundation
import XCTest
import enum DepthMuP.Engine

/// The `render` and `check` commands through the built binary: outputs, exit codes, messages.
final class CLITests: XCTestCase {
    var directory: URL!
    /// A copy of `Tests/Fixtures/sample.md` in a scratch directory: rendering runs its experiment,
    /// and the result cache goes beside the notebook, never into the repository.
    var sample: URL!

    override func setUpWithError() throws {
        directory = try CommandRunner.temporaryDirectory()
        sample = try CommandRunner.temporaryDirectory().appendingPathComponent("sample.md")
        try FileManager.default.copyItem(
            at: CommandRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/sample.md"), to: sample)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
        try? FileManager.default.removeItem(at: sample.deletingLastPathComponent())
    }

    private func write(_ name: String, _ bytes: [UInt8]) -> String {
        let url = directory.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }

    func testMissingFile() throws {
        let result = try CommandRunner.run(["render", "nope.md"], in: directory)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: nope.md: no such file; hint: check the path (it is relative to the current directory)\n")
    }

    /// `check` takes one notebook; `render` of a folder is a book (issue 8), so a folder without
    /// notebooks says that.
    func testDirectory() throws {
        let result = try CommandRunner.run(["check", "."], in: directory)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: .: is a directory, not a notebook file; hint: name a .md file inside it\n")
        let render = try CommandRunner.run(["render", "."], in: directory)
        XCTAssertEqual(render.status, 2)
        XCTAssertEqual(render.stderr, "error: .: no notebooks (*.md) in the folder; hint: render a folder that holds notebooks, or one NOTEBOOK.md\n")
    }

    /// `check --jobs 0` was accepted while `render --jobs 0` was refused (fresh-user review).
    func testCheckRefusesZeroJobs() throws {
        let path = write("ok.md", Array("# Notes\n".utf8))
        let result = try CommandRunner.run(["check", path, "--jobs", "0", "--no-calibration"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--jobs must be at least 1"), result.stderr)
    }

    /// Regression (fresh-user review): `render b.md -o a.md` replaced notebook a.md with HTML;
    /// only the notebook being rendered was protected.
    func testOutputOntoAnotherMarkdownFileIsRefused() throws {
        let other = write("a.md", Array("# Another notebook\n".utf8))
        let result = try CommandRunner.run(["render", sample.path, "-o", other, "--quiet"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "error: \(other): is a Markdown file, and the page (HTML) would replace it; hint: give -o NAME.html\n")
        XCTAssertEqual(try String(contentsOfFile: other, encoding: .utf8), "# Another notebook\n")
    }

    /// Fresh-user review: `depthbook rendr x.md` said "2 unexpected arguments"; a mistyped
    /// subcommand gets the closest one, as every mistyped name does (``DidYouMean``).
    func testUnknownSubcommandSuggestsTheClosest() throws {
        let result = try CommandRunner.run(["rendr", "x.md"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "error: unknown subcommand 'rendr'; hint: did you mean render? the subcommands are "
                       + "render, check, clean, train, preview, run-point, bench-render, bench, help (depthbook --help)\n")
        let far = try CommandRunner.run(["zzzzzz"], in: directory)
        XCTAssertEqual(far.status, 2)
        XCTAssertTrue(far.stderr.hasPrefix("error: unknown subcommand 'zzzzzz'; hint: the subcommands are render,"), far.stderr)
        let help = try CommandRunner.run(["help", "render"], in: directory)
        XCTAssertEqual(help.status, 0, help.stderr)
    }

    /// Fresh-user review: `--timeout -1` said "Missing value for '--timeout <timeout>'" (a
    /// value starting with `-` read as an option); it gets the option's own check.
    func testANegativeValueGetsTheOptionsOwnCheck() throws {
        let result = try CommandRunner.run(["render", "x.md", "--timeout", "-1"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: --timeout must be a positive number of seconds\n"), result.stderr)
        let jobs = try CommandRunner.run(["check", "x.md", "--jobs", "-2"], in: directory)
        XCTAssertTrue(jobs.stderr.hasPrefix("error: --jobs must be at least 1\n"), jobs.stderr)
    }

    /// `depthbook --version` was "Unknown option '--version'": it names the engine version,
    /// which the cache keys results by, and exits 0.
    func testVersionNamesTheEngineVersion() throws {
        let result = try CommandRunner.run(["--version"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "depthbook, engine \(Engine.version)\n")
    }

    /// Fresh-user review: `-o /nonexistent/dir/x.html` silently created /nonexistent/dir. The
    /// page's folder is made only when its parent exists (`-o out/x.html` in a fresh checkout,
    /// as README's tour does); otherwise the error names it, with `mkdir -p`, before any run.
    func testOutputIntoAMissingFolderTreeIsRefused() throws {
        let deep = directory.appendingPathComponent("no/such/x.html").path
        let folder = directory.appendingPathComponent("no/such").path
        let result = try CommandRunner.run(["render", sample.path, "-o", deep, "--quiet"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "error: \(folder): no such folder, nor its parent \(directory.appendingPathComponent("no").path); "
                       + "hint: create it first (mkdir -p \(folder)), or check the -o path\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("no").path), "no folder made")
        let book = try CommandRunner.run(["render", sample.deletingLastPathComponent().path, "-o", folder + "/", "--quiet"])
        XCTAssertEqual(book.status, 2, book.stderr)
        XCTAssertTrue(book.stderr.contains("no such folder, nor its parent"), book.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("no").path), "no folder made")
        let shallow = try CommandRunner.run(["render", sample.path, "-o", "out/x.html", "--quiet"], in: directory)
        XCTAssertEqual(shallow.status, 0, shallow.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/x.html").path))
    }

    func testBinaryFile() throws {
        let path = write("b.md", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01])
        let result = try CommandRunner.run(["check", path])
        XCTAssertEqual(result.status, 2)
        // Located at the NUL since issue 15 (the first bad byte, as the file's line:col).
        XCTAssertEqual(result.stderr, "error: \(path):1:5: holds NUL bytes (a binary file?); hint: a notebook is a UTF-8 Markdown text file\n")
        let latin1 = write("l.md", Array("caf".utf8) + [0xE9, 0x0A])
        let second = try CommandRunner.run(["render", latin1])
        XCTAssertEqual(second.status, 2)
        XCTAssertTrue(second.stderr.contains("is not valid UTF-8"), second.stderr)
    }

    func testEmptyNotebook() throws {
        let path = write("e.md", [])
        let result = try CommandRunner.run(["render", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(path):1:1: the notebook is empty; hint: write some Markdown (prose, math, experiment blocks)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("e.html").path))
    }

    func testFrontMatterErrorIsLocated() throws {
        let path = write("f.md", Array("---\ntitle: x\nmath: tex\n---\nhi\n".utf8))
        let result = try CommandRunner.run(["check", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(path):3:7: front matter key math: unknown value \"tex\"; hint: use `dollars` (default) or `brackets`\n")
    }

    func testBadTemplateIsLocated() throws {
        let template = write("t.mustache", Array("<p>\n{{#body}}\n{{/bod}}\n".utf8))
        let result = try CommandRunner.run(["render", sample.path, "--template", template, "-o", "-"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(template):3:4: template: closing tag does not match the open section; hint: check the {{#section}} … {{/section}} pairs and tag syntax\n")
    }

    func testStandardOutputIsSelfContained() throws {
        let result = try CommandRunner.run(["render", sample.path, "-o", "-"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(result.stdout.hasSuffix("</html>\n"))
        XCTAssertFalse(result.stdout.contains("_files/"))
    }

    func testDefaultOutputBesideNotebookWithAssets() throws {
        let copy = directory.appendingPathComponent("notes.md")
        try FileManager.default.copyItem(at: sample, to: copy)
        let result = try CommandRunner.run(["render", "notes.md"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "wrote notes.html\n")
        let html = try String(contentsOf: directory.appendingPathComponent("notes.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<h1 id=\"residual-networks-at-depth\">"))
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        if html.contains("notes_files/katex.min.js") {
            XCTAssertEqual(listing, [".depthbook", ".notes.outputs", "notes.html", "notes.lr-transfer.best-lr.csv", "notes.lr-transfer.loss-vs-lr.csv", "notes.md",
                                     "notes.results.json", "notes_files"])
            let fonts = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("notes_files/fonts").path)
            XCTAssertTrue(fonts.contains("KaTeX_Main-Regular.woff2"), "\(fonts)")
        } else {
            XCTAssertTrue(result.stderr.contains("KaTeX not found"), result.stderr)
            XCTAssertEqual(listing, [".depthbook", ".notes.outputs", "notes.html", "notes.lr-transfer.best-lr.csv", "notes.md",
                                     "notes.results.json"])
        }
        let quiet = try CommandRunner.run(["render", "notes.md", "--quiet", "-o", "sub/out.html"], in: directory)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stdout, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("sub/out.html").path))
    }

    /// Regression (fresh-user review): a mistyped `DEPTHBOOK_KERNELS` was ignored silently, so
    /// an A/B run that meant the baseline timed the default. Same bits either way (the kernels
    /// are IEEE-identical): the train output matches the default run's apart from the warning.
    func testMistypedKernelSetWarnsOnce() throws {
        let arguments = ["train", "--data", "teacher", "--width", "16", "--depth", "2", "--steps", "5", "--lr", "2^-6", "--json"]
        let typo = try CommandRunner.run(arguments, environment: ["DEPTHBOOK_KERNELS": "baselin"])
        XCTAssertEqual(typo.status, 0, typo.stderr)
        let warnings = typo.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("warning: DEPTHBOOK_KERNELS=baselin is not a kernel set; hint: use DEPTHBOOK_KERNELS=baseline") }
        XCTAssertEqual(warnings.count, 1, typo.stderr)
        let plain = try CommandRunner.run(arguments, environment: ["DEPTHBOOK_KERNELS": "baseline"])
        XCTAssertFalse(plain.stderr.contains("warning: DEPTHBOOK_KERNELS"), plain.stderr)
    }

    func testMissingKaTeXWarnsAndSucceeds() throws {
        let result = try CommandRunner.run(
            ["render", sample.path, "-o", directory.appendingPathComponent("p.html").path, "--quiet"],
            environment: ["DEPTHBOOK_KATEX_DIR": "/nonexistent"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("warning: /nonexistent: KaTeX not found"), result.stderr)
        let html = try String(contentsOf: directory.appendingPathComponent("p.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<span class=\"math inline\">j&lt;k</span>"))
    }

    func testFragmentUnsafeHTMLMatchesSpecExamples() throws {
        let specURL = CommandRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/commonmark/spec-0.30.json")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: specURL.path), "\(specURL.path) is missing")
        let examples = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        // A spread of sections; the in-process ConformanceTests cover all 647.
        for number in [1, 42, 119, 148, 200, 228, 254, 301, 350, 412, 481, 520, 600, 640] {
            guard let example = examples.first(where: { $0["example"] as? Int == number }),
                  let markdown = example["markdown"] as? String, let html = example["html"] as? String,
                  !markdown.contains("$") else { continue }
            let path = write("ex\(number).md", Array(markdown.utf8))
            let result = try CommandRunner.run(["render", path, "--fragment", "--unsafe-html", "-o", "-"])
            XCTAssertEqual(result.status, 0, "example \(number): \(result.stderr)")
            XCTAssertEqual(result.stdout, html, "example \(number)")
        }
    }

    func testCheckListsCells() throws {
        // A copy, so that no cache from another test's render shows up as "(24 cached)".
        let copy = directory.appendingPathComponent("sample.md")
        try FileManager.default.copyItem(at: sample, to: copy)
        let result = try CommandRunner.run(["check", copy.path, "--no-calibration"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            \(copy.path): 3 cells (1 experiment), 10 math spans, 1 inline reference
              8-20   prose
              22-30  experiment lr-transfer (block 1): 24 points, 1.4 GFLOP
              32-43  prose

            """)
    }
}

extension CLITests {
    func testRefusesToOverwriteTheNotebook() throws {
        let path = write("n.md", Array("# x\n".utf8))
        let result = try CommandRunner.run(["render", path, "-o", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("would overwrite the notebook"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "# x\n")
    }
}
