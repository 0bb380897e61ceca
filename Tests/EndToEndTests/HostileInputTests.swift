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

    func testIndexRefusesToOverwriteItsNotebook() throws {
        let notebook = try write("---\ntitle: One\n---\n# x\n")
        let result = try CommandRunner.run(["index", notebook.path, "-o", notebook.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(notebook.path): the output would overwrite the notebook \(notebook.path); hint: choose another output path (or rename the notebook)\n")
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
}

/// A value one thread sets and another reads.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Data?
    func set(_ data: Data) { lock.lock(); value = data; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return value }
}
