import XCTest
import Notebook
@testable import Runner
import TestSupport

final class SchedulerTests: ScratchDirectoryTestCase {

    func cache() -> ResultCache { ResultCache(notebook: directory.appendingPathComponent("notes.md")) }

    func run(_ body: String, executor: FakeExecutor, options: RunOptions = RunOptions(jobs: 2),
             cell: ExperimentCell? = nil, progress: any RunObserver = SilentProgress()) throws -> BlockResult {
        let cell = cell ?? testCell(body)
        let scheduler = Scheduler(executor: executor, cache: cache(), options: options, progress: progress)
        return scheduler.run(cell, try ExperimentSpec.decode(cell))
    }

    let sweep = "model: {depth: [4, 8]}\noptimizer: {lr: [0.1, 0.01]}\ntrain: {steps: 3}"

    /// Longest points first (issue 14), so a sweep does not end with one long point on one core.
    func testLongestPointsStartFirst() throws {
        let executor = FakeExecutor()
        _ = try run("model: {width: [32, 128], depth: [4, 64, 16]}\ntrain: {steps: 3}", executor: executor, options: RunOptions(jobs: 1))
        let costs = executor.ranSpecs.map(Scheduler.cost)
        XCTAssertEqual(costs, costs.sorted(by: >))
        XCTAssertEqual(executor.ranSpecs.map { "\($0.width)x\($0.depth)" }, ["128x64", "128x16", "128x4", "32x64", "32x16", "32x4"])
    }

    /// The estimate counts the test split's forward pass: equal training, a bigger test set costs more.
    func testCostCountsTestEvaluation() throws {
        func point(_ yaml: String) throws -> PointSpec { try XCTUnwrap(Sweep.points(of: ExperimentSpec.decode(testCell(yaml))).first).spec }
        let small = try point("data: {name: teacher, train: 100, test: 10}\ntrain: {steps: 10}")
        let large = try point("data: {name: teacher, train: 100, test: 10000}\ntrain: {steps: 10}")
        XCTAssertGreaterThan(Scheduler.cost(large), Scheduler.cost(small))
        let longer = try point("data: {name: teacher, train: 100, test: 10}\ntrain: {steps: 20}")
        XCTAssertEqual(Scheduler.cost(longer) / Scheduler.cost(small), 2, accuracy: 0.01)
    }

    func testSecondRunHitsTheCacheForEveryPoint() throws {
        let executor = FakeExecutor()
        let first = try run(sweep, executor: executor)
        XCTAssertEqual(executor.runCount, 4)
        XCTAssertEqual(first.status, .ok)
        let second = try run(sweep, executor: executor)
        XCTAssertEqual(executor.runCount, 4, "a re-render runs nothing")
        XCTAssertEqual("\(second.outcomes)", "\(first.outcomes)")
        XCTAssertEqual(second.cachedCount, 4)
    }

    func testProseEditRunsNothing() throws {
        let executor = FakeExecutor()
        _ = try run(sweep, executor: executor, cell: testCell(sweep, index: 1))
        // The block moved (prose above it grew) and got a title: no point changes.
        _ = try run("title: Moved\n" + sweep, executor: executor, cell: nil)
        XCTAssertEqual(executor.runCount, 4)
    }

    func testWideningASweepRunsOnlyTheNewPoints() throws {
        let executor = FakeExecutor()
        _ = try run("model: {depth: [4, 8]}\noptimizer: {lr: [0.1, 0.01]}", executor: executor)
        XCTAssertEqual(executor.runCount, 4)
        let widened = try run("model: {depth: [4, 8, 16]}\noptimizer: {lr: [0.1, 0.01]}", executor: executor)
        XCTAssertEqual(executor.runCount, 6)
        XCTAssertEqual(Set(executor.ranSpecs.suffix(2).map(\.depth)), [16])
        XCTAssertEqual(widened.cachedCount, 4)
        XCTAssertEqual(widened.ranCount, 2)
    }

    func testEngineVersionChangeMissesEveryPoint() throws {
        _ = try run(sweep, executor: FakeExecutor(engineVersion: "1"))
        let notes = NoteRecorder()
        let executor = FakeExecutor(engineVersion: "2")
        _ = try run(sweep, executor: executor, options: RunOptions(jobs: 1, explain: true), progress: notes)
        XCTAssertEqual(executor.runCount, 4)
        XCTAssertEqual(notes.notes.count, 4)
        XCTAssertTrue(notes.notes[0].hasSuffix("point 1 (depth=4 lr=0.1): engine version changed (1 → 2)"), notes.notes[0])
    }

    func testDataChangeMissesAndIsExplained() throws {
        _ = try run(sweep, executor: FakeExecutor())
        let executor = FakeExecutor()
        executor.fingerprint = "other-data"
        let notes = NoteRecorder()
        // The memo is keyed by file stats; the fake reads no files, so drop the memo to re-ask.
        for file in try FileManager.default.contentsOfDirectory(atPath: cache().directory.path) where file.hasPrefix("data-") {
            try FileManager.default.removeItem(at: cache().directory.appendingPathComponent(file))
        }
        _ = try run(sweep, executor: executor, options: RunOptions(jobs: 2, explain: true), progress: notes)
        XCTAssertEqual(executor.runCount, 4)
        XCTAssertTrue(notes.notes.allSatisfy { $0.hasSuffix("data changed") }, "\(notes.notes)")
    }

    /// The data fingerprint is remembered while the data files keep their size and time, so a
    /// cached render never reads the data; an edited file is noticed.
    func testDataFingerprintMemoFollowsTheFiles() throws {
        let data = directory.appendingPathComponent("train.idx")
        try "version 1".write(to: data, atomically: true, encoding: .utf8)
        let executor = FakeExecutor()
        executor.files = [data.path]
        _ = try run(sweep, executor: executor)
        _ = try run(sweep, executor: executor)
        XCTAssertEqual(executor.fingerprintCalls, 1, "the second render reuses the memo")
        XCTAssertEqual(executor.runCount, 4)
        try "version 2, longer".write(to: data, atomically: true, encoding: .utf8)
        let notes = NoteRecorder()
        _ = try run(sweep, executor: executor, options: RunOptions(jobs: 2, explain: true), progress: notes)
        XCTAssertEqual(executor.fingerprintCalls, 2)
        XCTAssertEqual(executor.runCount, 8)
        XCTAssertTrue(notes.notes.allSatisfy { $0.hasSuffix("data changed") }, "\(notes.notes)")
    }

    func testRefreshRerunsEverything() throws {
        let executor = FakeExecutor()
        _ = try run(sweep, executor: executor)
        _ = try run(sweep, executor: executor, options: RunOptions(jobs: 2, refresh: true))
        XCTAssertEqual(executor.runCount, 8)
    }

    func testCorruptEntryRerunsWithAWarning() throws {
        let executor = FakeExecutor()
        let first = try run(sweep, executor: executor)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache().directory.path)
            .filter { !$0.hasPrefix("data-") }.sorted()
        XCTAssertEqual(files.count, 4)
        let victim = cache().directory.appendingPathComponent(files[0])
        let bytes = try Data(contentsOf: victim)
        try bytes.prefix(bytes.count / 2).write(to: victim)   // truncated, as by a crash of another tool
        let notes = NoteRecorder()
        let second = try run(sweep, executor: executor, progress: notes)
        XCTAssertEqual(executor.runCount, 5)
        XCTAssertEqual("\(second.outcomes)", "\(first.outcomes)")
        XCTAssertEqual(notes.notes.count, 1)
        XCTAssertTrue(notes.notes[0].hasPrefix("warning: block 1: point "), notes.notes[0])
        XCTAssertTrue(notes.notes[0].contains("corrupt entry (does not decode); running it again"), notes.notes[0])
        // Tampered contents (valid JSON, wrong key) are corrupt too.
        let text = try String(contentsOf: victim, encoding: .utf8)
        try text.replacingOccurrences(of: "\"final_train_loss\":", with: "\"final_train_loss\":1").write(to: victim, atomically: true, encoding: .utf8)
        _ = try run(sweep, executor: executor, progress: notes)
        XCTAssertEqual(executor.runCount, 6)
    }

    func testNoTemporaryFilesAreLeft() throws {
        _ = try run(sweep, executor: FakeExecutor())
        let files = try FileManager.default.contentsOfDirectory(atPath: cache().directory.path)
        XCTAssertFalse(files.contains { $0.hasSuffix(".tmp") }, "\(files)")
    }

    /// Regression: a render killed between write and rename left `.<entry>.<pid>.<n>.tmp` in
    /// the cache forever. Temporaries of dead processes are swept; a live writer's are kept.
    func testStaleTemporariesOfDeadProcessesAreRemoved() throws {
        let folder = cache().directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = ".abc.json.\(finished.processIdentifier).77.tmp", live = ".def.json.\(getpid()).78.tmp"
        for name in [dead, live, "abc.json"] {
            try Data("{".utf8).write(to: folder.appendingPathComponent(name))
        }
        XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: folder), 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(left, [live, "abc.json"].sorted())
    }

    func testResultsAreOrderedByPointIndexForAnyJobs() throws {
        let body = "model: {depth: [4, 8, 16]}\noptimizer: {lr: {log2: [-8, -1]}}\ntrain: {steps: 2}"
        let serial = try run(body, executor: FakeExecutor(), options: RunOptions(jobs: 1, refresh: true))
        let parallel = try run(body, executor: FakeExecutor(), options: RunOptions(jobs: 4, refresh: true))
        // NOTE: compared as text, since NaN (a diverged point) is never == itself.
        XCTAssertEqual("\(serial.outcomes)", "\(parallel.outcomes)")
        XCTAssertEqual(serial.points, parallel.points)
    }

    func testDivergedPointIsAResultNotAnError() throws {
        let result = try run("optimizer: {lr: [0.5, 0.01]}", executor: FakeExecutor())
        XCTAssertEqual(result.status, .ok)
        guard case .finished(let diverged) = result.outcomes[0] else { return XCTFail("\(result.outcomes[0])") }
        XCTAssertEqual(diverged.divergedAtStep, 2)
        XCTAssertTrue(diverged.finalTrainLoss.isNaN)
    }

    func testFailingPointFailsTheBlockWithItsLocation() throws {
        let executor = FakeExecutor()
        executor.failingDepth = 8
        let result = try run("model: {depth: [4, 8]}", executor: executor)
        XCTAssertEqual(result.status, .failed("notes.md:5:1: block 1: fake engine refuses depth 8"))
        XCTAssertTrue(result.failsCommand)
        guard case .finished = result.outcomes[0] else { return XCTFail("depth 4 still runs") }
        let allowed = try run("model: {depth: [4, 8]}\nallow-errors: true", executor: executor)
        XCTAssertFalse(allowed.failsCommand)
        XCTAssertFalse(try run("model: {depth: [4, 8]}", executor: executor,
                               options: RunOptions(jobs: 1, allowErrors: true)).failsCommand)
    }

    func testTimeoutStopsWithinASecondOfItsLimit() throws {
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.01
        let started = Date()
        let result = try run("model: {depth: [4, 8, 16]}\ntrain: {steps: 100000}\ntimeout: 0.5", executor: executor)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, .timedOut(0.5))
        XCTAssertEqual(result.outcomes, [.timedOut, .timedOut, .timedOut])
        XCTAssertLessThan(elapsed, 1.5)
        XCTAssertGreaterThanOrEqual(elapsed, 0.5)
    }

    func testStopFlagCancelsAndKeepsFinishedPoints() throws {
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.02
        let stop = StopFlag()
        let cell = testCell("model: {depth: [4, 8, 16, 32]}\ntrain: {steps: 10}")
        let scheduler = Scheduler(executor: executor, cache: cache(), options: RunOptions(jobs: 1), stop: stop)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { stop.set() }
        let result = scheduler.run(cell, try ExperimentSpec.decode(cell))
        XCTAssertEqual(result.status, .cancelled)
        let finished = result.outcomes.filter { if case .finished = $0 { return true } else { return false } }.count
        XCTAssertGreaterThan(finished, 0)
        XCTAssertLessThan(finished, 4)
        let again = FakeExecutor()
        _ = try run("model: {depth: [4, 8, 16, 32]}\ntrain: {steps: 10}", executor: again)
        XCTAssertEqual(again.runCount, 4 - finished, "finished points stay cached")
    }
}

final class NoteRecorder: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var notes: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    func blockStarted(_ label: String, total: Int, cached: Int) {}
    func pointFinished(_ label: String, point: Point, outcome: PointOutcome, done: Int, toRun: Int, seconds: Double) {}
    func blockFinished(_ label: String, status: BlockStatus) {}
    func diagnostic(_ diagnostic: Diagnostic) { lock.lock(); stored.append(diagnostic.description); lock.unlock() }
}
