import Foundation
import XCTest

/// Issue 16: hostile and unlucky input through the built binary. Every case must end bounded
/// (no crash, hang or runaway memory), located (`file:line:col` or the path, with a hint) and
/// never destructive (no input overwritten, no device or symlink replaced, nothing half-written).
final class HostileInputTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try CommandRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// One point of a tiny teacher run (a fraction of a second).
    static let tinyBlock = """
        ```experiment {#tiny}
        data: {name: teacher, train: 64, test: 16}
        model: {width: 8, depth: 2}
        optimizer: {lr: 0.01}
        train: {steps: 3, batch: 16, seeds: 1}
        show: [loss-table]
        ```
        """

    static let tinyNotebook = "# Tiny\n\n" + tinyBlock + "\n\nLoss {{tiny.final_loss}}.\n"

    @discardableResult
    func write(_ text: String, to name: String = "nb.md") throws -> URL {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func files(in folder: URL? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: (folder ?? directory).path)) ?? []).sorted()
    }

    // MARK: Outputs: all or nothing, never destructive

    /// The index page is now written by book mode (`render FOLDER -o OUT/`; issue 8 removed the
    /// `index` command): an output that names the notebook is refused and the notebook kept.
    func testIndexRefusesToOverwriteItsNotebook() throws {
        let notebook = try write("---\ntitle: One\n---\n# x\n")
        let result = try CommandRunner.run(["render", directory.path, "-o", notebook.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(notebook.path): is a file, not a folder; hint: a book is written to a folder of pages, give -o OUT/\n")
        XCTAssertEqual(try String(contentsOf: notebook, encoding: .utf8), "---\ntitle: One\n---\n# x\n")
    }

    func testResultsSidecarNeverOverwritesTheNotebook() throws {
        let notebook = try write(Self.tinyNotebook, to: "x.results.json")
        let result = try CommandRunner.run(["render", notebook.path, "-o", "x.html", "--quiet"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("x.results.json: the output would overwrite the notebook"), result.stderr)
        XCTAssertEqual(try String(contentsOf: notebook, encoding: .utf8), Self.tinyNotebook)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.html").path))
    }

    func testEmptyOutputPathWritesNothingAnywhere() throws {
        let folder = directory.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let notebook = try write(Self.tinyNotebook, to: "sub/sub.md")
        let result = try CommandRunner.run(["render", notebook.path, "-o", ""], in: folder)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: the output path is empty; hint: give a file name, e.g. -o page.html\n")
        XCTAssertEqual(files(), ["sub"])
        XCTAssertEqual(files(in: folder), ["sub.md"])
    }

    func testSymlinkOutputIsWrittenThrough() throws {
        let notebook = try write(Self.tinyNotebook)
        let real = directory.appendingPathComponent("real.html")
        try "old".write(to: real, atomically: true, encoding: .utf8)
        let link = directory.appendingPathComponent("page.html")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.html")
        let result = try CommandRunner.run(["render", notebook.path, "-o", link.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "real.html")
        XCTAssertTrue(try String(contentsOf: real, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }

    func testSymlinkLoopOutputIsRefused() throws {
        let notebook = try write(Self.tinyNotebook)
        let loop = directory.appendingPathComponent("loop.html")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: "loop.html")
        let result = try CommandRunner.run(["render", notebook.path, "-o", loop.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(loop.path): is a symlink loop; hint: fix the link or choose another output path\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: loop.path), "loop.html")
    }

    /// A FIFO stays a FIFO: the page goes through it, self-contained, and nothing lands beside it.
    func testFIFOOutputIsWrittenDirectly() throws {
        let notebook = try write(Self.tinyNotebook)
        let fifo = directory.appendingPathComponent("pipe.html")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        let received = LockedData()
        let reader = Thread {
            if let handle = FileHandle(forReadingAtPath: fifo.path) { received.set(handle.readDataToEndOfFile()) }
        }
        reader.start()
        let result = try CommandRunner.run(["render", notebook.path, "-o", fifo.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for _ in 0..<100 where received.get() == nil { usleep(20_000) }
        var info = stat()
        XCTAssertEqual(lstat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
        let page = String(decoding: received.get() ?? Data(), as: UTF8.self)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"), page)
        XCTAssertFalse(page.contains("pipe_files/"))
        XCTAssertEqual(files().filter { !$0.hasPrefix(".") }, ["nb.md", "pipe.html"])
    }

    // MARK: Data files

    /// An IDX file: big-endian magic and dimensions, then `data`.
    @discardableResult
    func idx(_ name: String, magic: UInt32, dimensions: [UInt32], data: [UInt8]) throws -> URL {
        var bytes: [UInt8] = []
        for value in [magic] + dimensions { bytes += [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
        let url = directory.appendingPathComponent(name)
        try Data(bytes + data).write(to: url)
        return url
    }

    func idxNotebook(images: String, labels: String, train: Int = 2) -> String {
        """
        # Data

        ```experiment {#d}
        data: {name: idx, images: \(images), labels: \(labels), train: \(train)}
        model: {width: 8, depth: 2}
        train: {steps: 2, batch: 2}
        ```

        """
    }

    /// Two 2×2 images and their labels.
    func goodPair() throws {
        try idx("img", magic: 0x803, dimensions: [2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7])
        try idx("lab", magic: 0x801, dimensions: [2], data: [0, 1])
    }

    func check(_ text: String, extra: [String] = ["--no-calibration"]) throws -> CommandRunner.Result {
        let notebook = try write(text)
        return try CommandRunner.run(["check", notebook.path] + extra, in: directory)
    }

    func testHugeIDXHeaderIsRefusedBeforeAllocating() throws {
        try goodPair()
        try idx("huge", magic: 0x803, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: [1, 2, 3])
        let result = try check(idxNotebook(images: "huge", labels: "lab"))
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: \(directory.path)/huge: header promises 4294967295×4294967295×4294967295 bytes, more than any file holds; is this an IDX file?\n")
        try idx("big", magic: 0x803, dimensions: [60000, 28, 28], data: [1, 2, 3])
        let train = try CommandRunner.run(["train", "--data", "idx:big,lab", "--steps", "1", "--lr", "0.01"], in: directory)
        XCTAssertEqual(train.status, 2, train.stderr)
        XCTAssertTrue(train.stderr.contains("big: truncated IDX file: header promises 47040000 data bytes but only 3 were read"), train.stderr)
    }

    func testDevicesFIFOsAndDirectoriesAreNotData() throws {
        try goodPair()
        let zero = try check(idxNotebook(images: "/dev/zero", labels: "lab"))
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: /dev/zero: is a device, not an IDX file; data must be a regular file\n")
        // render fails the block in place (exit 1), at once: nothing reads /dev/zero.
        let render = try CommandRunner.run(["render", directory.appendingPathComponent("nb.md").path, "--quiet"])
        XCTAssertEqual(render.status, 1, render.stderr)
        XCTAssertTrue(render.stderr.contains("/dev/zero: is a device, not an IDX file"), render.stderr)
        XCTAssertEqual(mkfifo(directory.appendingPathComponent("fifo").path, 0o644), 0)
        let fifo = try check(idxNotebook(images: "img", labels: "fifo"))
        XCTAssertEqual(fifo.status, 2)
        XCTAssertEqual(fifo.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.labels: \(directory.path)/fifo: is a named pipe, not an IDX file; data must be a regular file\n")
        let folder = try check(idxNotebook(images: ".", labels: "lab"))
        XCTAssertEqual(folder.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: \(directory.path): is a directory, not an IDX file; name the file inside it\n")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("loop").path, withDestinationPath: "loop")
        let loop = try check(idxNotebook(images: "loop", labels: "lab"))
        XCTAssertEqual(loop.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: \(directory.path)/loop: is a symlink loop; fix the link\n")
    }

    func testCheckValidatesHeadersAndCountsAsRenderDoes() throws {
        try goodPair()
        XCTAssertEqual(try check(idxNotebook(images: "img", labels: "lab")).status, 0)
        let swapped = try check(idxNotebook(images: "lab", labels: "img"))
        XCTAssertEqual(swapped.status, 2)
        XCTAssertEqual(swapped.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: \(directory.path)/lab: wrong IDX magic number 0x801 (expected 0x803); this is a label file: did you swap IMAGES and LABELS?\n")
        try idx("short", magic: 0x803, dimensions: [2, 2, 2], data: [0, 1, 2])
        let truncated = try check(idxNotebook(images: "short", labels: "lab"))
        XCTAssertEqual(truncated.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.images: \(directory.path)/short: truncated IDX file: header promises 8 data bytes but only 3 were read; re-download the file\n")
        try idx("three", magic: 0x801, dimensions: [3], data: [0, 1, 0])
        let mismatch = try check(idxNotebook(images: "img", labels: "three"))
        XCTAssertEqual(mismatch.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.labels: \(directory.path)/three: holds 3 labels but \(directory.path)/img holds 2 images; pass the label file that belongs to these images\n")
        let tooMany = try check(idxNotebook(images: "img", labels: "lab", train: 5))
        XCTAssertEqual(tooMany.stderr, "error: \(directory.path)/nb.md:3:1: block d: data.train: invalid configuration: 5 training + test examples requested but \(directory.path)/img holds 2; ask for fewer examples\n")
        XCTAssertFalse(tooMany.stderr.contains("--"), "no CLI flags in notebook errors")
    }

    /// `touch -r` after a same-size edit: the memo sees the ctime, the data re-runs.
    func testSameSizeDataEditWithRestoredMtimeReruns() throws {
        try goodPair()
        let notebook = try write(idxNotebook(images: "img", labels: "lab"))
        XCTAssertEqual(try CommandRunner.run(["render", notebook.path, "--quiet"]).status, 0)
        let images = directory.appendingPathComponent("img")
        var info = stat()
        XCTAssertEqual(stat(images.path, &info), 0)
        usleep(20_000)
        let handle = try FileHandle(forWritingTo: images)
        try handle.seek(toOffset: 16)
        try handle.write(contentsOf: Data([7, 6, 5, 4, 3, 2, 1, 0]))
        try handle.close()
        var times = [info.st_atim, info.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, images.path, &times, 0), 0)
        let again = try CommandRunner.run(["render", notebook.path, "--explain"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("data changed"), again.stderr)
    }
}

/// A value one thread sets and another reads.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Data?
    func set(_ data: Data) { lock.lock(); value = data; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Flags and warnings of issue 16.
extension HostileInputTests {
    func testTrainRefusesHugeTeacherClasses() throws {
        let result = try CommandRunner.run(["train", "--data", "teacher", "--lr", "0.01", "--teacher-classes", "100000000"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("--teacher-classes 100000000 is out of range; use 2…100000"), result.stderr)
        let rate = try CommandRunner.run(["train", "--data", "teacher", "--lr", "2^1024"])
        XCTAssertEqual(rate.status, 2, rate.stderr)
        XCTAssertTrue(rate.stderr.contains("--lr '2^1024' is not a rate"), rate.stderr)
    }

    func testJobsAreCappedAtTheCoresWithANote() throws {
        let notebook = try write(Self.tinyNotebook)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let result = try CommandRunner.run(["render", notebook.path, "--jobs", "1000", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "note: --jobs 1000 capped at \(cores), the number of cores; pass --force-jobs to run 1000 anyway\n")
        let forced = try CommandRunner.run(["render", notebook.path, "--jobs", "3", "--force-jobs", "--quiet", "--refresh"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(forced.stderr, "")
    }

    func testQuietStillPrintsWarnings() throws {
        let notebook = try write(Self.tinyNotebook)
        XCTAssertEqual(try CommandRunner.run(["render", notebook.path, "--quiet"]).status, 0)
        let cache = directory.appendingPathComponent(".depthbook/cache/nb")
        let entry = try XCTUnwrap(files(in: cache).first { !$0.hasPrefix("data-") })
        try "{ not json".write(to: cache.appendingPathComponent(entry), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["render", notebook.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "warning: block tiny: point 1: corrupt entry (does not decode); running it again\n")
    }
}

/// Answers over blocks that did not finish (issue 16).
extension HostileInputTests {
    /// A timed-out block with allow-errors: the command still exits 0 (as allowed), but every
    /// quoted quantity says it covers only the points that finished.
    func testQuantitiesOfATimedOutBlockSayTheyAreIncomplete() throws {
        let notebook = try write("""
            ```experiment {#long}
            data: {name: teacher, train: 256, input_dim: 16, classes: 4}
            model: {width: 8, depth: 2}
            optimizer: {lr: [0.001, 0.01, 0.1]}
            train: {steps: 1000000, batch: 16}
            timeout: 1
            allow-errors: true
            ```

            Points {{long.points}}, best {{long.best_lr}}.

            """)
        let result = try CommandRunner.run(["render", notebook.path, "--jobs", "1", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOf: directory.appendingPathComponent("nb.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<span class=\"reference incomplete\" title=\"long.points\">3 <em class=\"incomplete-note\">(incomplete: 0 of 3 points finished (timed out))</em></span>"), html)
        XCTAssertTrue(html.contains("title=\"long.best_lr\">"), html)
        XCTAssertFalse(html.contains("<span class=\"reference\" title=\"long.best_lr\">"), html)
    }
}

/// Messages that say what happened (issue 16).
extension HostileInputTests {
    func testNotebookPathsThatAreNotFiles() throws {
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("loop.md").path, withDestinationPath: "loop.md")
        let loop = try CommandRunner.run(["check", "loop.md"], in: directory)
        XCTAssertEqual(loop.status, 2)
        XCTAssertEqual(loop.stderr, "error: loop.md: is a symlink loop; hint: fix the link, or name the notebook file itself\n")
        XCTAssertEqual(mkfifo(directory.appendingPathComponent("pipe.md").path, 0o644), 0)
        let fifo = try CommandRunner.run(["check", "pipe.md"], in: directory)
        XCTAssertEqual(fifo.status, 2)
        XCTAssertEqual(fifo.stderr, "error: pipe.md: is a named pipe, not a notebook file; hint: a notebook is a regular .md file\n")
        let zero = try CommandRunner.run(["render", "/dev/zero"], in: directory)
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "error: /dev/zero: is a device, not a notebook file; hint: a notebook is a regular .md file\n")
        try write("---\ntitle: Only\n---\n", to: "fm.md")
        let front = try CommandRunner.run(["check", "fm.md"], in: directory)
        XCTAssertEqual(front.stderr, "error: fm.md:4:1: the notebook has front matter but nothing after it; hint: write some Markdown after the closing ---\n")
    }

    func testCacheFolderBlockedByAFileSaysSo() throws {
        let notebook = try write(Self.tinyNotebook)
        try "x".write(to: directory.appendingPathComponent(".depthbook"), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["render", notebook.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "warning: block tiny: cannot create the folder \(directory.path)/.depthbook/cache/nb: \(directory.path)/.depthbook is a file, not a folder; hint: move that file away\n")
        XCTAssertFalse(result.stderr.contains("Domain"))
    }

    func testTemplateThatIsNotUTF8() throws {
        let notebook = try write(Self.tinyNotebook)
        let template = directory.appendingPathComponent("t.mustache")
        try Data([0x3C, 0x70, 0x3E, 0xE9, 0x0A]).write(to: template)
        let result = try CommandRunner.run(["render", notebook.path, "--template", template.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(template.path): is not valid UTF-8; hint: save the template as UTF-8 text\n")
    }
}

extension HostileInputTests {
    /// A render's output may not land on a data file it reads, nor on its template.
    func testOutputsNeverOverwriteDataOrTemplate() throws {
        try goodPair()
        let notebook = try write(idxNotebook(images: "img", labels: "lab"))
        let before = try Data(contentsOf: directory.appendingPathComponent("img"))
        let data = try CommandRunner.run(["render", notebook.path, "-o", directory.appendingPathComponent("img").path])
        XCTAssertEqual(data.status, 2)
        XCTAssertEqual(data.stderr, "error: \(directory.path)/img: the output would overwrite the data file \(directory.path)/img; hint: choose another output path (or rename the data file)\n")
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("img")), before)
        let template = directory.appendingPathComponent("t.mustache")
        try "<p>{{{body}}}</p>\n".write(to: template, atomically: true, encoding: .utf8)
        let page = try CommandRunner.run(["render", notebook.path, "--template", template.path, "-o", template.path])
        XCTAssertEqual(page.status, 2)
        XCTAssertTrue(page.stderr.contains("the output would overwrite the template"), page.stderr)
        XCTAssertEqual(try String(contentsOf: template, encoding: .utf8), "<p>{{{body}}}</p>\n")
    }
}

extension HostileInputTests {
    /// `check --no-calibration` builds nothing proportional to the data (it took 56 s and
    /// 1.7 GB for `train: 10000000` when it generated the teacher set for a FLOP count).
    func testCheckWithoutCalibrationBuildsNoData() throws {
        let notebook = try write("# Big\n\n```experiment {#big}\ndata: {name: teacher, train: 10000000}\nmodel: {width: 8, depth: 2}\n```\n")
        let started = Date()
        let result = try CommandRunner.run(["check", notebook.path, "--no-calibration"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("experiment big (block 1): 1 point, "), result.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}
