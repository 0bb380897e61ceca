import XCTest
import Notebook
@testable import Runner
import TestSupport

/// Records when each block's points finish and each block concludes, in event order.
private final class Timeline: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var events: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    private func note(_ event: String) { lock.lock(); stored.append(event); lock.unlock() }
    func blockStarted(_ label: String, total: Int, cached: Int) { note("start \(label)") }
    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {
        note("point \(label) \(point.spec.depth)")
    }
    func blockFinished(_ label: String, status: BlockStatus) { note("end \(label) \(status)") }
    func diagnostic(_ diagnostic: Diagnostic) {}
}

/// Issue 14 item 3: a render's local blocks share one longest-first queue, so no core idles
/// while any block has points left.
final class PooledSchedulingTests: ScratchDirectoryTestCase {
    func blocks(_ bodies: [(String, String)]) throws -> [(cell: ExperimentCell, spec: ExperimentSpec)] {
        try bodies.enumerated().map { index, body in
            let cell = testCell(body.1, index: index + 1, id: body.0)
            return (cell, try ExperimentSpec.decode(cell))
        }
    }

    func scheduler(_ executor: FakeExecutor, jobs: Int = 2, progress: any RunObserver = SilentProgress(),
                   timeout: Double? = nil) -> Scheduler {
        Scheduler(executor: executor, cache: ResultCache(notebook: directory.appendingPathComponent("notes.md")),
                  options: RunOptions(jobs: jobs, timeout: timeout), progress: progress)
    }

    /// Block a's one long point no longer runs alone: block b's points run on the other core
    /// meanwhile, and both blocks finish (each with its own events) when their last point does.
    /// Before pooling, b started only after a had finished.
    func testTheNextBlocksPointsRunBesideTheLastLongPoint() throws {
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.002
        let timeline = Timeline()
        let results = scheduler(executor, progress: timeline).run(try blocks([
            ("a", "model: {depth: 64}\ntrain: {steps: 150}"),
            ("b", "model: {depth: [4, 8]}\ntrain: {steps: 10}"),
        ]))
        XCTAssertEqual(results.map(\.status), [.ok, .ok])
        XCTAssertEqual(results.map { $0.outcomes.count }, [1, 2])
        let events = timeline.events
        let endA = try XCTUnwrap(events.firstIndex(of: "point a 64"))
        XCTAssertLessThan(try XCTUnwrap(events.firstIndex(of: "point b 4")), endA, "\(events)")
        XCTAssertLessThan(try XCTUnwrap(events.firstIndex(of: "point b 8")), endA, "\(events)")
        XCTAssertLessThan(try XCTUnwrap(events.firstIndex(of: "end b ok")), endA, "block b concludes when its last point does: \(events)")
        XCTAssertEqual(events.filter { $0.hasPrefix("end") }.count, 2)
    }

    /// Longest first across blocks: with one core the queue's order is the run order, so block
    /// a's depth-64 point runs before block b's shorter ones. (With two cores the order in which
    /// the workers reach the executor is a race; CI once saw depth 8 recorded first.)
    func testTheQueueIsLongestFirstAcrossBlocks() throws {
        let executor = FakeExecutor()
        _ = scheduler(executor, jobs: 1).run(try blocks([
            ("b", "model: {depth: [4, 8]}\ntrain: {steps: 10}"),
            ("a", "model: {depth: 64}\ntrain: {steps: 150}"),
        ]))
        XCTAssertEqual(executor.ranSpecs.map(\.depth), [64, 8, 4])
    }

    /// A point two blocks share runs once, and both blocks get its result.
    func testASharedPointRunsOnce() throws {
        let executor = FakeExecutor()
        let results = scheduler(executor).run(try blocks([
            ("a", "model: {depth: [4, 8]}\ntrain: {steps: 3}"),
            ("b", "model: {depth: [8, 16]}\ntrain: {steps: 3}"),
        ]))
        XCTAssertEqual(executor.ranSpecs.map(\.depth).sorted(), [4, 8, 16])
        XCTAssertEqual("\(results[0].outcomes[1])", "\(results[1].outcomes[0])")
        XCTAssertEqual(results.map(\.status), [.ok, .ok])
    }

    /// Each block keeps its own timeout, counted from its first point: a slow block times out,
    /// the other finishes.
    func testTimeoutsStayPerBlock() throws {
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.01
        let started = Date()
        let results = scheduler(executor, jobs: 1).run(try blocks([
            ("slow", "model: {depth: [16, 32]}\ntrain: {steps: 100000}\ntimeout: 0.3"),
            ("quick", "model: {depth: [4]}\ntrain: {steps: 3}"),
        ]))
        XCTAssertEqual(results[0].status, .timedOut(0.3))
        XCTAssertEqual(results[0].outcomes, [.timedOut, .timedOut])
        XCTAssertEqual(results[1].status, .ok)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    }

    /// The results are the same whatever `jobs` is (the page is byte-identical).
    func testResultsAreTheSameForAnyJobs() throws {
        let bodies = [("a", "model: {depth: [4, 8, 16]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}"),
                      ("b", "model: {depth: [8, 32]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}")]
        let serial = scheduler(FakeExecutor(), jobs: 1).run(try blocks(bodies))
        try FileManager.default.removeItem(at: directory.appendingPathComponent(".depthbook"))
        let parallel = scheduler(FakeExecutor(), jobs: 4).run(try blocks(bodies))
        XCTAssertEqual("\(serial.map(\.outcomes))", "\(parallel.map(\.outcomes))")
    }
}
