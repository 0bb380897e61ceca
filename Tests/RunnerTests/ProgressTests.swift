import Foundation
import XCTest
@testable import Runner
import TestSupport

final class ProgressTests: XCTestCase {
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = ""
        var text: String { lock.lock(); defer { lock.unlock() }; return stored }
        func append(_ text: String) { lock.lock(); stored += text; lock.unlock() }
    }

    func run(_ mode: StderrProgress.Mode) throws -> String {
        let sink = Sink()
        let progress = StderrProgress(mode: mode, write: { sink.append($0) })
        let cell = testCell("model: {depth: [4, 8]}\ntrain: {steps: 2}")
        let scheduler = Scheduler(executor: FakeExecutor(), cache: nil, options: RunOptions(jobs: 1), progress: progress)
        _ = scheduler.run(cell, try testSpec("model: {depth: [4, 8]}\ntrain: {steps: 2}"))
        return sink.text
    }

    func testPlainModePrintsOneLinePerFinishedPoint() throws {
        let lines = try run(.plain).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, "\(lines)")
        XCTAssertEqual(lines[0], "block 1: 2 points, 0 cached, 2 to run")
        // Longest point first: depth 8 runs before depth 4.
        XCTAssertTrue(lines[1].hasPrefix("block 1: 1/2 depth=8: loss "), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("block 1: 2/2 depth=4: loss "), lines[2])
    }

    func testTerminalModeRewritesOneLiveLine() throws {
        let text = try run(.terminal)
        XCTAssertTrue(text.contains("\r\u{1B}[Kblock 1: 0/2 points · depth=8"), text)
        XCTAssertTrue(text.contains("\r\u{1B}[Kblock 1: 1/2 points · depth=4 · ETA "), text)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, "one line per block")
    }

    /// Fresh-user review (make demo's book): the total fell as each block finished
    /// (`938/1521 points in all`, then `819/1401`); a finished block stays in it until the run's
    /// last block ends, and the next run starts afresh.
    func testTheTotalKeepsFinishedBlocks() throws {
        let sink = Sink()
        let progress = StderrProgress(mode: .plain, write: { sink.append($0) })
        let points = Sweep.points(of: try testSpec("model: {depth: [4, 8]}\ntrain: {steps: 2}"))
        let result = FakeExecutor.result(for: points[0].spec)
        func run(_ blocks: [String]) {
            for block in blocks { progress.blockStarted(block, total: 2, cached: 0) }
            for block in blocks {
                for (done, point) in points.enumerated() {
                    progress.pointFinished(block, point: point, outcome: .finished(result), done: done + 1, toRun: 2, seconds: 0.1)
                }
                progress.blockFinished(block, status: .ok)
            }
        }
        run(["a", "b"])
        let lines = sink.text.split(separator: "\n").map(String.init).filter { $0.contains("in all") }
        XCTAssertEqual(lines.map { String($0.split(separator: ";").last ?? "") }, [
            " 1/4 points in all)", " 2/4 points in all)", " 3/4 points in all)", " 4/4 points in all)",
        ])
        run(["c"])
        XCTAssertFalse(sink.text.split(separator: "\n").last?.contains("in all") ?? true, sink.text)
    }

    func testQuietPrintsNothing() throws {
        XCTAssertEqual(try run(.quiet), "")
    }
}
