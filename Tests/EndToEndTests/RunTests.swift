import Foundation
import XCTest

/// `depthbook render` with the real engine on tiny teacher runs: determinism across `--jobs`,
/// the cache across kills, timeouts, Ctrl-C and exit codes.
final class RunTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try CommandRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult func write(_ text: String, to name: String = "notes.md", in folder: URL? = nil) throws -> URL {
        let url = (folder ?? directory).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func read(_ name: String, in folder: URL? = nil) throws -> String {
        try String(contentsOf: (folder ?? directory).appendingPathComponent(name), encoding: .utf8)
    }

    /// Finished entries of the notebook's cache (no data-fingerprint memo, no temporary files).
    func cacheEntries(_ name: String = "notes") -> [String] {
        cacheFiles(name).filter { !$0.hasPrefix("data-") && !$0.hasPrefix(".") }
    }

    /// Every file in the notebook's cache directory, hidden ones included.
    func cacheFiles(_ name: String = "notes") -> [String] {
        let path = directory.appendingPathComponent(".depthbook/cache/\(name)").path
        return (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    static let twoBlocks = """
        ---
        title: Two blocks
        ---
        # Transfer

        Best rate under Depth-μP at L = 4: {{lr.best_lr[depth-mup, 4]}}; spread {{lr.spread_octaves[depth-mup]}} octaves (@lr).

        ```experiment {#lr}
        data: {name: teacher, train: 256, input_dim: 16, classes: 4}
        model: {width: 16, depth: [2, 4]}
        parametrization: [sp, depth-mup]
        optimizer: {lr: {log2: [-9, -3], step: 3}}
        train: {steps: 12, batch: 16}
        show: [loss-vs-lr, best-lr, loss-table, summary]
        ```

        ```experiment {#coords}
        data: {name: teacher, train: 256, input_dim: 16, classes: 4}
        model: {width: 16, depth: [2, 4, 8]}
        train: {steps: 3, batch: 16, seeds: 2}
        show: [coord-check, feature-update, init-variance, loss-curves]
        ```
        """

    /// The page, the results JSON and every CSV are the same bytes for --jobs 1 and --jobs 2.
    func testJobsOneAndTwoGiveIdenticalOutputs() throws {
        let one = directory.appendingPathComponent("one"), two = directory.appendingPathComponent("two")
        try write(Self.twoBlocks, in: one)
        try write(Self.twoBlocks, in: two)
        let first = try CommandRunner.run(["render", "notes.md", "--jobs", "1", "--quiet"], in: one)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CommandRunner.run(["render", "notes.md", "--jobs", "2", "--quiet"], in: two)
        XCTAssertEqual(second.status, 0, second.stderr)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: one.path).filter { $0.hasPrefix("notes.") && $0 != "notes.md" }.sorted()
        // Plots write their values as CSV too; a view's several tables are named by what they hold.
        XCTAssertEqual(outputs, ["notes.coords.coord-check.change.csv", "notes.coords.coord-check.rms.csv", "notes.coords.coord-check.slopes.csv",
                                 "notes.coords.feature-update.plot.csv", "notes.coords.feature-update.slopes.csv", "notes.coords.init-variance.plot.csv",
                                 "notes.coords.init-variance.ratios.csv", "notes.coords.loss-curves.csv", "notes.html",
                                 "notes.lr.best-lr.csv", "notes.lr.loss-table.depth-mup.csv", "notes.lr.loss-table.sp.csv", "notes.lr.loss-vs-lr.csv",
                                 "notes.lr.summary.csv", "notes.results.json"])
        for name in outputs {
            XCTAssertEqual(try read(name, in: one), try read(name, in: two), "\(name) differs between --jobs 1 and 2")
        }
        let json = try read("notes.results.json", in: one)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.utf8)))
        let html = try read("notes.html", in: one)
        XCTAssertTrue(html.contains("<a class=\"cross-reference\" href=\"#lr\">Figure 1</a>"))
        XCTAssertTrue(html.contains("<span class=\"figure-number\">Figure 2.</span>"))
        XCTAssertTrue(html.contains("<span class=\"reference\" title=\"lr.best_lr[depth-mup, 4]\">"))
        // A cached re-render gives the same bytes again and runs nothing.
        let again = try CommandRunner.run(["render", "notes.md", "--explain"], in: one)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("explain:"), again.stderr)
        XCTAssertEqual(try read("notes.html", in: one), html)
    }

    /// A render killed with SIGKILL halfway leaves a usable cache: the next render reuses every
    /// point that finished and runs only the rest; no temporary file is left.
    func testKilledRenderLeavesAUsableCache() throws {
        try write("""
            ```experiment {#slow}
            data: {name: teacher, train: 256, input_dim: 16, classes: 4}
            model: {width: 32, depth: [2, 3, 4, 5, 6, 7, 8, 9]}
            train: {steps: 150, batch: 16}
            ```
            """)
        let process = Process()
        process.executableURL = try CommandRunner.executable()
        process.arguments = ["render", "notes.md", "--jobs", "1", "--quiet"]
        process.currentDirectoryURL = directory
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while cacheEntries().count < 2, process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = cacheEntries()
        XCTAssertGreaterThanOrEqual(finished.count, 2)
        XCTAssertLessThan(finished.count, 8, "the kill came too late to test anything")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.html").path))
        let next = try CommandRunner.run(["render", "notes.md", "--explain"], in: directory)
        XCTAssertEqual(next.status, 0, next.stderr)
        let reruns = next.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("explain:") }
        XCTAssertLessThanOrEqual(reruns.count, 8 - finished.count + 1, next.stderr)  // + the point being written at the kill
        XCTAssertTrue(reruns.allSatisfy { $0.hasSuffix(": no entry") }, next.stderr)
        XCTAssertEqual(cacheEntries().count, 8)
        // A temporary file the kill left between write and rename is swept by the next render.
        XCTAssertFalse(cacheFiles().contains { $0.hasSuffix(".tmp") }, "\(cacheFiles())")
    }

    /// A block's timeout stops it within a second of the limit; the page is still written with
    /// the block marked timed out, and the command fails (exit 1).
    func testTimeoutStopsTheBlockAndFailsTheCommand() throws {
        try write("""
            ```experiment {#long}
            data: {name: teacher, train: 256, input_dim: 16, classes: 4}
            model: {width: 64, depth: [4, 8]}
            train: {steps: 1000000, batch: 16}
            timeout: 1
            ```
            """)
        let started = Date()
        let result = try CommandRunner.run(["render", "notes.md", "--jobs", "2", "--quiet"], in: directory)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertLessThan(elapsed, 1 + 1 + 1.5, "limit + one second + process start and page")
        XCTAssertTrue(result.stderr.contains("error: notes.md:1:1: block long: timed out after 1.0 s"), result.stderr)
        let html = try read("notes.html")
        XCTAssertTrue(html.contains("<strong>Timed out</strong> after 1 s: 0 of 2 points finished."), html)
        XCTAssertEqual(cacheEntries().count, 0, "a stopped point is not cached")
    }

    /// Ctrl-C: exit 130, no page, finished points cached.
    func testInterruptExits130AndKeepsFinishedPoints() throws {
        try write("""
            ```experiment
            data: {name: teacher, train: 256, input_dim: 16, classes: 4}
            model: {width: 32, depth: [2, 3, 4, 5, 6, 7, 8, 9]}
            train: {steps: 150, batch: 16}
            ```
            """)
        let process = Process()
        process.executableURL = try CommandRunner.executable()
        process.arguments = ["render", "notes.md", "--jobs", "1", "--quiet"]
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while cacheEntries().isEmpty, process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.html").path))
        XCTAssertFalse(cacheEntries().isEmpty)
        XCTAssertFalse(cacheFiles().contains { $0.hasSuffix(".tmp") })
    }

    func testFailingBlockShowsTheErrorInPlaceAndExitsOne() throws {
        // Files that exist but are not IDX data: the engine fails while loading them.
        for name in ["nope-images.gz", "nope-labels.gz"] {
            try Data("not an IDX file".utf8).write(to: directory.appendingPathComponent(name))
        }
        try write("""
            # Data that is broken

            ```experiment {#missing}
            data: {name: idx, images: nope-images.gz, labels: nope-labels.gz, train: 10}
            ```
            """)
        let result = try CommandRunner.run(["render", "notes.md", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("error: notes.md:3:1: block missing: data: "), result.stderr)
        let html = try read("notes.html")
        XCTAssertTrue(html.contains("<strong>Experiment failed.</strong> <code>notes.md:3:1: block missing: data: "), html)
        let allowed = try CommandRunner.run(["render", "notes.md", "--quiet", "--allow-errors"], in: directory)
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
    }

    func testSpecErrorIsBadInputWithItsLocation() throws {
        try write("""
            Some prose.

            ```experiment
            model: {depth: [4, 8]}
            optimizer:
              lr: [0.1, fast]
            ```
            """)
        let result = try CommandRunner.run(["render", "notes.md"], in: directory)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: notes.md:6:13: block 1: optimizer.lr[1]: expected number, got \"fast\"\n")
        let check = try CommandRunner.run(["check", "notes.md"], in: directory)
        XCTAssertEqual(check.status, 2)
        XCTAssertEqual(check.stderr, result.stderr)
    }

    /// Front-matter `defaults` merge under every block; an error in them points into the front
    /// matter.
    func testDefaultsFromTheFrontMatter() throws {
        try write("""
            ---
            title: x
            defaults:
              train: {steps: 0}
            ---

            ```experiment
            model: {width: 8}
            ```
            """)
        let bad = try CommandRunner.run(["check", "notes.md"], in: directory)
        XCTAssertEqual(bad.status, 2)
        // The front matter's defaults hold the bad value: named as theirs, not block 1's (issue 15).
        XCTAssertEqual(bad.stderr, "error: notes.md:4:18: defaults.train.steps: must be ≥ 1, got 0\n")
        try write("""
            ---
            defaults: {train: {steps: 3, batch: 8}, data: {train: 64, input_dim: 8, classes: 2}, model: {width: 8}}
            ---
            ```experiment
            model: {depth: [2, 3]}
            ```
            """)
        let good = try CommandRunner.run(["render", "notes.md", "--quiet", "--fragment", "-o", "-"], in: directory)
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("<th scope=\"row\" class=\"number\" data-label=\"L\">3</th>"), good.stdout)
    }

    func testUnknownInlineReferenceIsBadInput() throws {
        try write("""
            The best rate is {{lr.best_rate[4]}}.

            ```experiment {#lr}
            data: {name: teacher, train: 64, input_dim: 8, classes: 2}
            model: {width: 8, depth: [2, 4]}
            train: {steps: 2, batch: 8}
            ```
            """)
        let result = try CommandRunner.run(["render", "notes.md", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("error: notes.md:1:18: {{lr.best_rate[4]}}: unknown quantity \"best_rate\"; quantities: best_lr,"), result.stderr)
    }

    func testScaleSwitchAndClean() throws {
        try write("""
            ---
            scale: ci
            ---
            ```experiment {#s}
            data: {name: teacher, train: 64, input_dim: 8, classes: 2}
            model: {width: 8, depth: [2, 4, 8, 16]}
            train: {steps: 2, batch: 8}
            scales:
              ci: {model: {depth: [2, 4]}}
            ```
            """)
        let ci = try CommandRunner.run(["check", "notes.md", "--no-calibration"], in: directory)
        XCTAssertTrue(ci.stdout.contains("experiment s (block 1): 2 points"), ci.stdout)
        let full = try CommandRunner.run(["check", "notes.md", "--no-calibration", "--scale", "full"], in: directory)
        XCTAssertTrue(full.stdout.contains("experiment s (block 1): 4 points"), full.stdout)
        XCTAssertEqual(try CommandRunner.run(["render", "notes.md", "--quiet"], in: directory).status, 0)
        XCTAssertEqual(cacheEntries().count, 2)
        let clean = try CommandRunner.run(["clean", "notes.md"], in: directory)
        XCTAssertEqual(clean.status, 0)
        XCTAssertEqual(cacheEntries().count, 0)
    }

    static let tinyBlock = """
        ```experiment {#e}
        data: {name: teacher, train: 64}
        model: {width: 16, depth: [2, 4]}
        optimizer: {lr: [0.1, 0.01]}
        train: {steps: 3}
        show: [best-lr]
        ```
        """

    /// Regression: a typo in an inline reference was found only after every experiment ran, and
    /// `check` passed it. Now both fail at once (exit 2) with the reference's location.
    func testBadReferenceFailsBeforeAnythingRuns() throws {
        try write("See {{e.best_lrr[4]}}.\n\n" + Self.tinyBlock)
        for command in [["check", "notes.md", "--no-calibration"], ["render", "notes.md", "--quiet"]] {
            let result = try CommandRunner.run(command, in: directory)
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertTrue(result.stderr.contains("notes.md:1:5: {{e.best_lrr[4]}}: unknown quantity \"best_lrr\""), result.stderr)
        }
        XCTAssertEqual(cacheEntries(), [], "nothing may run before the references are valid")
    }

    /// Regression: `-o DIR` ran every experiment, then failed and left CSV, JSON and asset files
    /// beside the directory.
    func testOutputThatIsADirectoryFailsBeforeRunningAndLeavesNothing() throws {
        try write(Self.tinyBlock)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("target"), withIntermediateDirectories: true)
        let result = try CommandRunner.run(["render", "notes.md", "-o", "target", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("target: is a directory"), result.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(left, ["notes.md", "target"])
        XCTAssertEqual(cacheEntries(), [])
    }

    /// Regression: a missing data file was an experiment failure (exit 1) found while running,
    /// and `check` passed it. It is bad input (exit 2) naming the key and the file.
    func testMissingDataFileIsBadInputBeforeRunning() throws {
        try write("```experiment {#m}\ndata: {name: idx, images: missing.gz, labels: missing.gz}\n```\n")
        for command in [["check", "notes.md"], ["render", "notes.md", "--quiet"]] {
            let result = try CommandRunner.run(command, in: directory)
            XCTAssertEqual(result.status, 2, result.stderr)
            // Located at the key that names the file (issue 12), not at the fence (1:1).
            XCTAssertTrue(result.stderr.contains("notes.md:2:19: block m: data.images: no such file "), result.stderr)
            XCTAssertTrue(result.stderr.contains("missing.gz; hint: fix the path"), result.stderr)
        }
        try write("```experiment {#m}\ndata:\n  name: idx\n  images: here.gz\n  labels: missing.gz\n```\n")
        try Data([0]).write(to: directory.appendingPathComponent("here.gz"))
        let result = try CommandRunner.run(["check", "notes.md"], in: directory)
        XCTAssertTrue(result.stderr.contains("notes.md:5:3: block m: data.labels: no such file "), result.stderr)
    }

    /// Regression: `--scale cl` (a typo) silently rendered at full scale.
    func testUnknownScaleIsAnError() throws {
        try write(Self.tinyBlock.replacingOccurrences(of: "show: [best-lr]", with: "show: [best-lr]\nscales: {ci: {train: {steps: 2}}}"))
        let result = try CommandRunner.run(["render", "notes.md", "--scale", "cl", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("notes.md:1:1: --scale: no block defines scale \"cl\"; hint: did you mean ci? this notebook's scales are full, ci"), result.stderr)
        XCTAssertEqual(try CommandRunner.run(["check", "notes.md", "--scale", "ci", "--no-calibration"], in: directory).status, 0)
    }

    /// Fresh-user review: `--scale ci` on a notebook without scales said only "this notebook's
    /// scales are full"; the hint says what full is and how to add the scale.
    func testScaleOnANotebookWithoutScalesSaysHowToAddOne() throws {
        try write(Self.tinyBlock)
        let result = try CommandRunner.run(["check", "notes.md", "--scale", "ci", "--no-calibration"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "error: notes.md:1:1: --scale: no block defines scale \"ci\"; hint: this notebook defines no scales: drop --scale to run every block as written (full), or give a block `scales: {ci: {train: {steps: 10}}}`\n")
    }
}

/// The init-variance view against the real engine: measured E|x_L|²/|x_0|² within 10% of the
/// exact (1 + c·b²)^L (depth-mup.md §3 C1, reduced: width 256, two seeds).
final class InitVarianceRunTests: XCTestCase {
    func testMeasuredRatioMatchesTheExactFormula() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notebook = """
            Linear {{iv.init_variance_ratio[identity, 4]}} vs {{iv.init_variance_exact[identity, 4]}};
            {{iv.init_variance_ratio[identity, 16]}} vs {{iv.init_variance_exact[identity, 16]}};
            MS-relu {{iv.init_variance_ratio[relu, 4]}} vs {{iv.init_variance_exact[relu, 4]}};
            {{iv.init_variance_ratio[relu, 16]}} vs {{iv.init_variance_exact[relu, 16]}};
            MS-abs {{iv.init_variance_ratio[abs, 16]}} vs {{iv.init_variance_exact[abs, 16]}}.

            ```experiment {#iv}
            data: {name: teacher, train: 256, input_dim: 32, classes: 4}
            model: {width: 256, depth: [4, 16], activation: [identity, relu, abs], base_depth: 1}
            train: {steps: 1, batch: 128, seeds: 2}
            show: [init-variance]
            ```
            """
        try notebook.write(to: directory.appendingPathComponent("iv.md"), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["render", "iv.md", "--quiet", "--fragment", "-o", "-"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        let numbers = result.stdout.components(separatedBy: "<span class=\"reference\"").dropFirst().compactMap { part -> Double? in
            guard let start = part.range(of: "\">"), let end = part.range(of: "</span>") else { return nil }
            return Double(part[start.upperBound..<end.lowerBound])
        }
        XCTAssertEqual(numbers.count, 10, result.stdout)
        for pair in stride(from: 0, to: numbers.count - 1, by: 2) {
            let measured = numbers[pair], exact = numbers[pair + 1]
            XCTAssertEqual(measured, exact, accuracy: 0.1 * exact, "pair \(pair / 2): measured \(measured), exact \(exact)")
        }
    }
}
