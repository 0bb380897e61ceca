import Foundation
import Notebook
@testable import Runner
import TestSupport
import XCTest

/// A batch executor that trains every item with the fake engine and records each batch.
private final class FakeBatchExecutor: BatchPointExecutor, @unchecked Sendable {
    let engine = FakeExecutor()
    let group: String
    private let lock = NSLock()
    private var recorded: [[BatchItem]] = []

    init(group: String = "cluster") { self.group = group }

    var batches: [[BatchItem]] { lock.lock(); defer { lock.unlock() }; return recorded }
    var batchGroup: AnyHashable { AnyHashable(group) }
    var engineVersion: String { engine.engineVersion }
    func dataFiles(for data: DataSpec) -> [String] { [] }
    func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)] { [] }
    func dataProblem(for data: DataSpec) -> (key: String, message: String)? { nil }
    func dataFingerprint(for data: DataSpec) throws -> String { try engine.dataFingerprint(for: data) }
    func flopsPerStep(_ point: PointSpec) throws -> Double { try engine.flopsPerStep(point) }
    func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void, shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        XCTFail("a batch executor's points go through runBatch")
        return try engine.run(point, progress: progress, shouldStop: shouldStop)
    }

    func runBatch(_ items: [BatchItem], isStopped: @escaping @Sendable (Int) -> Bool,
                  finished: @escaping @Sendable (Int, Result<PointResult, Error>) -> Void) {
        lock.lock(); recorded.append(items); lock.unlock()
        for (position, item) in items.enumerated() {
            // As a cluster task does: the result goes into the item's cache, then it is reported.
            let result = Result { try engine.run(item.point, progress: { _ in }, shouldStop: { false }) }
            if case .success(let value) = result {
                try? item.cache?.store(value, for: item.point, engineVersion: engineVersion, dataFingerprint: item.dataFingerprint)
            }
            finished(position, result)
        }
    }
}

/// Records block events by label.
private final class Events: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var finished: [String: Int] = [:]
    var counts: [String: Int] { lock.lock(); defer { lock.unlock() }; return finished }
    func blockStarted(_ label: String, total: Int, cached: Int) {}
    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {
        lock.lock(); finished[label, default: 0] += 1; lock.unlock()
    }
    func blockFinished(_ label: String, status: BlockStatus) {}
    func diagnostic(_ diagnostic: Diagnostic) {}
}

final class BatchSchedulingTests: ScratchDirectoryTestCase {
    func cache(_ name: String) -> ResultCache { ResultCache(notebook: directory.appendingPathComponent("\(name).md")) }

    let lr = "model: {depth: [4, 8]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}"
    /// Shares depth 8 at lr 0.1 and 0.01 with `lr`.
    let deep = "model: {depth: [8, 16]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}"

    func blocks(_ bodies: [String]) throws -> [(cell: ExperimentCell, spec: ExperimentSpec)] {
        try bodies.enumerated().map { index, body in
            let cell = testCell(body, index: index + 1)
            return (cell, try ExperimentSpec.decode(cell))
        }
    }

    /// Every uncached point of every block goes into one batch, a point two blocks share once,
    /// and both blocks get its result; cached points are not submitted again.
    func testOneBatchForEveryBlockWithSharedPointsOnce() throws {
        let executor = FakeBatchExecutor()
        let events = Events()
        let scheduler = Scheduler(executor: executor, cache: cache("notes"), options: RunOptions(jobs: 1), progress: events)
        let results = scheduler.run(try blocks([lr, deep]))
        XCTAssertEqual(executor.batches.count, 1)
        XCTAssertEqual(executor.batches[0].count, 6)   // 4 + 4 points, 2 shared
        XCTAssertEqual(Set(executor.batches[0].map(\.block)), ["1", "2"])
        XCTAssertEqual(results.map(\.status), [.ok, .ok])
        for result in results {
            for (point, outcome) in zip(result.points, result.outcomes) {
                XCTAssertEqual(outcome, .finished(FakeExecutor.result(for: point.spec)))
            }
        }
        XCTAssertEqual(events.counts, ["1": 4, "2": 4])

        let wider = "model: {depth: [4, 8, 32]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}"
        _ = scheduler.run(try blocks([wider, deep]))
        XCTAssertEqual(executor.batches.count, 2)
        XCTAssertEqual(executor.batches[1].map(\.point.depth), [32, 32])
    }

    /// Two notebooks (a book's chapters) whose executors share a group share one batch: a point
    /// both want runs once and lands in both caches; a third notebook run locally never
    /// reaches the batch; another group is another batch.
    func testNotebooksOfOneGroupShareABatchAndLocalOnesRunBeside() throws {
        let first = FakeBatchExecutor(), second = FakeBatchExecutor(), other = FakeBatchExecutor(group: "elsewhere")
        let local = FakeExecutor()
        let workloads = [
            Scheduler.Workload(executor: first, cache: cache("a"), blocks: try blocks([lr]), labelPrefix: "a/"),
            Scheduler.Workload(executor: second, cache: cache("b"), blocks: try blocks([deep]), labelPrefix: "b/"),
            Scheduler.Workload(executor: local, cache: cache("c"), blocks: try blocks([lr]), labelPrefix: "c/"),
            Scheduler.Workload(executor: other, cache: cache("d"), blocks: try blocks([lr]), labelPrefix: "d/"),
        ]
        let events = Events()
        let results = Scheduler.run(workloads, options: RunOptions(jobs: 2), progress: events, stop: StopFlag())
        XCTAssertEqual(first.batches.map(\.count), [6])
        XCTAssertEqual(second.batches.count, 0)
        XCTAssertEqual(other.batches.map(\.count), [4])
        XCTAssertEqual(local.runCount, 4)
        XCTAssertEqual(results.map { $0.map(\.status) }, [[.ok], [.ok], [.ok], [.ok]])
        XCTAssertEqual(events.counts, ["a/1": 4, "b/1": 4, "c/1": 4, "d/1": 4])
        // The shared points are in notebook b's cache too: b's next run submits nothing.
        let again = Scheduler(executor: second, cache: cache("b"), options: RunOptions(jobs: 1)).run(try blocks([deep]))
        XCTAssertEqual(again[0].cachedCount, 4)
        XCTAssertEqual(second.batches.count, 0)
    }
}
