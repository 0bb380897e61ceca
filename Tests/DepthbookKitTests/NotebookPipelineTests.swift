import DepthbookKit
import Foundation
import Notebook
import Render
import Runner
import TestSupport
import XCTest

/// Records every event of a run, in order.
final class RecordingObserver: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var events: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    private func add(_ event: String) { lock.lock(); stored.append(event); lock.unlock() }

    func blockStarted(_ label: String, total: Int, cached: Int) { add("started \(label) \(total) \(cached)") }
    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {
        if case .finished(let result) = outcome {
            add("point \(label) #\(point.index) loss \(String(format: "%.4f", result.finalTrainLoss))")
        } else {
            add("point \(label) #\(point.index) \(outcome)")
        }
    }
    func blockFinished(_ label: String, status: BlockStatus) { add("finished \(label) \(status)") }
    func diagnostic(_ diagnostic: Diagnostic) { add("diagnostic \(diagnostic)") }
}

/// The pipeline driven as a library with a fake engine: values, events, errors, cache.
final class NotebookPipelineTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("depthbookkit")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, _ name: String = "notes.md") throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let notebook = """
        # Sweep

        Best rate: {{lr.best_lr}} (@lr).

        ```experiment {#lr}
        model: {width: 8, depth: 4}
        optimizer: {lr: {log2: [-8, -4], step: 2}}
        train: {steps: 3}
        show: [best-lr]
        ```
        """

    func testRenderReturnsPageResultsAndReportsEveryEvent() throws {
        let path = try write(Self.notebook)
        let fake = FakeExecutor()
        let observer = RecordingObserver()
        var request = RenderRequest(notebookPath: path, destination: directory.appendingPathComponent("notes.html").path)
        request.page.fragment = true
        let pipeline = NotebookPipeline(executors: .always(fake), observer: observer)
        let rendered = try pipeline.render(request)

        XCTAssertEqual(fake.runCount, 3)
        XCTAssertEqual(rendered.results.count, 1)
        XCTAssertEqual(rendered.results[0].status, .ok)
        XCTAssertEqual(rendered.failures, [])
        // The fake's loss is lowest at log2 lr = -6.
        XCTAssertTrue(rendered.page.html.contains("2⁻⁶"), rendered.page.html)
        XCTAssertEqual(rendered.sideFiles.map(\.name), ["notes.results.json", "notes.lr.best-lr.csv"])
        let events = observer.events
        XCTAssertEqual(events.first, "started lr 3 0")
        XCTAssertEqual(events.last, "finished lr ok")
        XCTAssertEqual(Set(events.dropFirst().dropLast()), // 0.5 + 0.05 (log2 lr + 6)² − 0.01 log2 4
                       ["point lr #0 loss 0.6800", "point lr #1 loss 0.4800", "point lr #2 loss 0.6800"])

        // Rendering again in the same process takes every point from the cache.
        let again = try NotebookPipeline(executors: .always(fake), observer: observer).render(request)
        XCTAssertEqual(fake.runCount, 3)
        XCTAssertEqual(again.page.html, rendered.page.html)
        XCTAssertEqual(observer.events.suffix(2), ["started lr 3 3", "finished lr ok"])
    }

    /// Issue 15, 3: the fake's optimum is 2⁻⁶; on the grid 2⁻⁶, 2⁻⁵, 2⁻⁴ it is the lowest rate,
    /// so `render` warns at the block's fence, names the side to extend, and the page says ≤.
    func testRenderWarnsOfAnOptimumOnTheGridEdge() throws {
        let path = try write(Self.notebook.replacingOccurrences(of: "{log2: [-8, -4], step: 2}", with: "{log2: [-6, -4], step: 1}"))
        let observer = RecordingObserver()
        var request = RenderRequest(notebookPath: path)
        request.page.fragment = true
        let rendered = try NotebookPipeline(executors: .always(FakeExecutor()), observer: observer).render(request)
        let warnings = observer.events.filter { $0.hasPrefix("diagnostic ") }
        XCTAssertEqual(warnings.count, 1, "\(observer.events)")
        XCTAssertTrue(warnings[0].contains("\(path):5:1: block lr: optimizer.lr: the optimum is on the edge of the grid"), warnings[0])
        XCTAssertTrue(warnings[0].contains("the lowest rate for its one curve at 2⁻⁶ (extend it below)"), warnings[0])
        XCTAssertTrue(rendered.page.html.contains("≤ 2⁻⁶"), rendered.page.html)
        // The notebook above, with its optimum inside the grid, warns of nothing.
        let inside = RecordingObserver()
        _ = try NotebookPipeline(executors: .always(FakeExecutor()), observer: inside).render(RenderRequest(notebookPath: try write(Self.notebook, "inside.md")))
        XCTAssertEqual(inside.events.filter { $0.hasPrefix("diagnostic ") }, [])
    }

    /// Issue 15, 3: `check` runs nothing, but once the cache holds every point of a block it
    /// gives `render`'s edge-of-grid warning; before the first render it cannot know the optimum.
    func testCheckWarnsOfAnEdgeOptimumOnceTheCacheHoldsTheBlock() throws {
        let path = try write(Self.notebook.replacingOccurrences(of: "{log2: [-8, -4], step: 2}", with: "{log2: [-6, -4], step: 1}"))
        let request = CheckRequest(notebookPath: path, jobs: 1, calibrate: false)
        let before = try NotebookPipeline(executors: .always(FakeExecutor())).check(request)
        XCTAssertEqual(before.warnings, [], "nothing is cached yet")
        _ = try NotebookPipeline(executors: .always(FakeExecutor())).render(RenderRequest(notebookPath: path))
        let observer = RecordingObserver()
        let after = try NotebookPipeline(executors: .always(FakeExecutor()), observer: observer).check(request)
        XCTAssertEqual(after.warnings.count, 1)
        XCTAssertEqual(after.warnings.first?.description,
                       "warning: \(path):5:1: block lr: optimizer.lr: the optimum is on the edge of the grid, so only a bound (≤ or ≥), at the lowest rate for its one curve at 2⁻⁶ (extend it below)")
        XCTAssertEqual(observer.events.filter { $0.hasPrefix("diagnostic ") }.count, 1)
        // Inside the grid, cached: no warning.
        let inside = try write(Self.notebook, "inside.md")
        _ = try NotebookPipeline(executors: .always(FakeExecutor())).render(RenderRequest(notebookPath: inside))
        XCTAssertEqual(try NotebookPipeline(executors: .always(FakeExecutor())).check(CheckRequest(notebookPath: inside, jobs: 1, calibrate: false)).warnings, [])
    }

    /// Issue 15, 8: `--set` reaches every block and the front matter's defaults, above the
    /// notebook's own keys (block keys) or below them (`defaults.…`), and is validated and
    /// located like the notebook's keys.
    func testSetParametersReachEveryBlockAndAreLocated() throws {
        let path = try write(Self.notebook.replacingOccurrences(of: "# Sweep", with: "---\ntitle: Sweep\ndefaults: {train: {batch: 8}}\n---\n# Sweep"))
        func prepared(_ settings: [String]) throws -> PreparedNotebook {
            try NotebookPipeline(executors: .always(FakeExecutor()))
                .prepare(path: path, parse: ParseOptions(parameters: try Parameters.parse(settings)))
        }
        XCTAssertEqual(try prepared([]).blocks[0].spec.train.steps, 3)
        let set = try prepared(["train.steps=50", "defaults.train.batch=16", "defaults.train.steps=7", "model.depth=[2, 4]", "title=Draft"])
        XCTAssertEqual(set.blocks[0].spec.train.steps, 50, "a block key beats the block")
        XCTAssertEqual(set.blocks[0].spec.train.batch, 16, "defaults.… beats the front matter's defaults")
        XCTAssertEqual(set.blocks[0].spec.model.depth, [2, 4])
        XCTAssertEqual(set.notebook.frontMatter.title, "Draft")
        XCTAssertEqual(try prepared(["defaults.train.steps=7"]).blocks[0].spec.train.steps, 3, "the block's own steps beat a default")
        XCTAssertEqual(try prepared(["train.steps=5", "train.steps=9"]).blocks[0].spec.train.steps, 9, "a later --set wins")
        let cases: [([String], String)] = [
            (["train.steps=50", "train.stesp=5"], "--set[2]:1:7: block lr: train.stesp: unknown key stesp; did you mean steps?"),
            (["train.steps=0"], "--set[1]:1:13: block lr: train.steps: must be ≥ 1, got 0"),
            // Regression (issue 15, item 3): the defaults' error names no block.
            (["defaults.seeds=[0, 1]"], "--set[1]:1:10: defaults.seeds: unknown key seeds; did you mean train.seeds?"),
            (["b=1"], "--set[1]:1:1: unknown key b; hint: a block key (id, data, model, parametrization, optimizer, train, measure, show, metric, timeout, allow-errors, scales), defaults.…, or a front-matter key (title, author, date, description, math, unsafe-html, scale, order, show-source, headline, executor)"),
            (["trian.steps=5"], "--set[1]:1:1: unknown key trian; hint: did you mean train? a block key (id, data, model, parametrization, optimizer, train, measure, show, metric, timeout, allow-errors, scales), defaults.…, or a front-matter key (title, author, date, description, math, unsafe-html, scale, order, show-source, headline, executor)"),
            (["train.steps"], "--set[1]:1:1: expected KEY=VALUE, got \"train.steps\"; hint: write --set train.steps=50 (a YAML path into every block, or defaults.… or a front-matter key)"),
            (["train.steps="], "--set[1]:1:13: train.steps has no value after =; hint: write --set train.steps=VALUE (YAML: 50, [0, 1], {steps: 5}, \"text\")"),
            (["train..steps=5"], "--set[1]:1:7: malformed key \"train..steps\"; hint: a key is a dotted path of names, e.g. train.steps or defaults.model.width"),
            (["show-source=maybe"], "--set[1]:1:13: front matter key show-source: expected true/false, got \"maybe\"; hint: write `show-source: true` or `show-source: false`"),
            (["scale.ci=1"], "--set[1]:1:7: scale takes one value, not keys below it; hint: write --set 'scale=…' with the whole value"),
            // Fresh-user review: `[4,` was at `--set[1]:2:13` (a line 2 of a one-line value),
            // owned by "block --set", with libyaml's words only.
            (["model.depth=[4,"], "--set[1]:1:16: model.depth: invalid YAML: did not find expected node content; hint: a value is missing here: drop a trailing comma (`[4, 8,]` → `[4, 8]`), give the key its value, or close the [ or { left open"),
            (["model.depth=[4"], "--set[1]:1:15: model.depth: invalid YAML: the [ opened at 1:13 is not closed: expected ',' or ']'; hint: close each { with } and each [ with ] (a flow mapping or list of a block is best kept on one line)"),
        ]
        for (settings, expected) in cases {
            XCTAssertThrowsError(try prepared(settings), "\(settings)") { XCTAssertEqual("\($0)", expected) }
        }
    }

    func testFailingPointIsAValueNotAThrow() throws {
        let path = try write(Self.notebook.replacingOccurrences(of: "depth: 4", with: "depth: 5"))
        let fake = FakeExecutor()
        fake.failingDepth = 5
        let rendered = try NotebookPipeline(executors: .always(fake)).render(RenderRequest(notebookPath: path))
        XCTAssertEqual(rendered.failures.count, 1)
        XCTAssertTrue(rendered.failures[0].hasPrefix("\(path):5:1: block lr: fake engine refuses depth 5"), rendered.failures[0])
    }

    func testBadReferenceThrowsLocatedBeforeAnythingRuns() throws {
        let path = try write(Self.notebook.replacingOccurrences(of: "lr.best_lr", with: "lr.best_rate"))
        let fake = FakeExecutor()
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(fake)).render(RenderRequest(notebookPath: path))) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path):3:12: "), "\(error)")
        }
        XCTAssertEqual(fake.runCount, 0)
    }

    func testMissingDataFileIsAskedOfTheExecutor() throws {
        let path = try write(Self.notebook)
        let fake = FakeExecutor()
        fake.files = [directory.appendingPathComponent("absent.idx").path]
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(fake)).check(CheckRequest(notebookPath: path))) { error in
            XCTAssertEqual("\(error)".components(separatedBy: ": ").prefix(3).joined(separator: ": "),
                           "\(path):5:1: block lr: data.images")
            XCTAssertTrue("\(error)".contains("no such file \(self.directory.appendingPathComponent("absent.idx").path)"), "\(error)")
        }
    }

    /// Regression (fresh-user review): with images and labels both missing, check named only
    /// the first; README promises each data problem.
    func testEveryMissingDataFileIsReported() throws {
        let path = try write(Self.notebook)
        let fake = FakeExecutor()
        fake.files = ["absent.idx", "absent-labels.idx"].map { directory.appendingPathComponent($0).path }
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(fake)).check(CheckRequest(notebookPath: path))) { error in
            let bad = error as? BadInput
            XCTAssertEqual(bad?.total, 2, "\(error)")
            for file in fake.files { XCTAssertTrue("\(error)".contains("no such file \(file)"), "\(error)") }
        }
    }

    /// Fresh-user review: a `data.directory` without Fashion-MNIST's files gave four errors at
    /// one column, each with a hint about relative paths; now one error says what is wrong.
    func testAFashionMNISTFolderWithoutItsFilesIsOneError() throws {
        let block = "# T\n\n```experiment {#b}\ndata: {name: fashion-mnist, directory: DIR, train: 100, test: 0}\n```\n"
        let hint = "hint: name the folder that holds Fashion-MNIST's .gz files, or drop data.directory for Debian's dataset-fashion-mnist"
        let missing = try write(block.replacingOccurrences(of: "DIR", with: "/nonexistent/fm"))
        XCTAssertThrowsError(try NotebookPipeline().check(CheckRequest(notebookPath: missing, jobs: 1, calibrate: false))) { error in
            XCTAssertEqual((error as? BadInput)?.lines, ["error: \(missing):4:29: block b: data.directory: no such folder /nonexistent/fm; \(hint)"])
        }
        let empty = directory.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let bare = try write(block.replacingOccurrences(of: "DIR", with: empty), "bare.md")
        XCTAssertThrowsError(try NotebookPipeline().check(CheckRequest(notebookPath: bare, jobs: 1, calibrate: false))) { error in
            XCTAssertEqual((error as? BadInput)?.lines, ["error: \(bare):4:29: block b: data.directory: \(empty) lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; \(hint)"])
        }
    }

    /// Fresh-user review: `render` named only the first of a notebook's errors (`check` all), so
    /// an author fixed and re-ran once per error; it throws every one, as `check` does.
    func testRenderReportsEveryError() throws {
        let path = try write("# T\n\n```experiment {#c}\nmodle: {width: 8}\ntrain: {bacth: 8}\n```\n")
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(FakeExecutor())).render(RenderRequest(notebookPath: path))) { error in
            XCTAssertEqual((error as? BadInput)?.total, 2, "\(error)")
        }
    }

    /// Fresh-user review: a duplicate `{#b}` stopped the parse and hid every other error; now
    /// `check` lists it with the rest, in source order.
    func testADuplicateIDIsListedWithTheOtherErrors() throws {
        let path = try write("# T\n\n```experiment {#b}\nmodel: {widht: 8}\n```\n\n```experiment {#b}\ntrain: {stesp: 3}\n```\n")
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(FakeExecutor())).check(CheckRequest(notebookPath: path, jobs: 1, calibrate: false))) { error in
            XCTAssertEqual((error as? BadInput)?.lines, [
                "error: \(path):4:9: block b: model.widht: unknown key widht; did you mean width?",
                "error: \(path):7:1: duplicate experiment id \"b\" (lines 3 and 7); hint: give each experiment block its own {#id}",
                "error: \(path):8:9: block 2: train.stesp: unknown key stesp; did you mean steps?",
                "3 errors",
            ])
        }
    }

    /// Fresh-user review: `model: {width: 16384, depth: 512}` passed `check` (541.6 TFLOP, exit
    /// 0) and every point of the render failed with "needs about 2056.0 GiB of memory". `check`
    /// reports it, located at the block, with the render's words; a model that fits passes.
    func testAModelTooBigForThisMachineIsBadInputInCheck() throws {
        let huge = "# T\n\n```experiment {#b}\ndata: {name: teacher, train: 64, input_dim: 8, classes: 3}\nmodel: {width: [8, 16384], depth: 512}\ntrain: {steps: 2}\n```\n"
        let path = try write(huge)
        XCTAssertThrowsError(try NotebookPipeline().check(CheckRequest(notebookPath: path, jobs: 1, calibrate: false))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(path):3:1: block b: invalid configuration: a width-16384, depth-512 network with batch 64 needs about "), text)
            XCTAssertTrue(text.hasSuffix("; lower width, depth or batch"), text)
            XCTAssertEqual((error as? BadInput)?.total, 1)
        }
        let fits = try write(huge.replacingOccurrences(of: "[8, 16384]", with: "[8, 16]"), "fits.md")
        XCTAssertNoThrow(try NotebookPipeline().check(CheckRequest(notebookPath: fits, jobs: 1, calibrate: false)))
    }

    func testCheckReportsCellsAndEstimates() throws {
        let path = try write(Self.notebook)
        let report = try NotebookPipeline(executors: .always(FakeExecutor())).check(
            CheckRequest(notebookPath: path, jobs: 1, calibrate: false))
        XCTAssertEqual(report.lines, [
            "\(path): 2 cells (1 experiment), 0 math spans, 1 inline reference",
            "  1-3    prose",
            // 6 · batch 64 · 8² · depth 4 = 98,304 FLOP per step, × 3 steps × 3 points.
            "  5-10   experiment lr (block 1): 3 points, 884.7 kFLOP",
        ])
        // Fresh-user review: a range wider than 6 characters pushed its kind out of the column.
        let long = try write(String(repeating: "Line.\n\n", count: 50) + Self.notebook, "long.md")
        let lines = try NotebookPipeline(executors: .always(FakeExecutor())).check(
            CheckRequest(notebookPath: long, jobs: 1, calibrate: false)).lines
        XCTAssertEqual(Array(lines.dropFirst()), ["  1-103   prose", "  105-110 experiment lr (block 1): 3 points, 884.7 kFLOP"])
    }

    func testStopSetThrowsInterrupted() throws {
        let path = try write(Self.notebook)
        let stop = StopFlag()
        stop.set()
        XCTAssertThrowsError(try NotebookPipeline(executors: .always(FakeExecutor()), stop: stop).render(RenderRequest(notebookPath: path))) {
            XCTAssertTrue($0 is Interrupted, "\($0)")
        }
    }
}
