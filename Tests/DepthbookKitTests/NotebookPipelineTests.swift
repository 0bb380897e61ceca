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
