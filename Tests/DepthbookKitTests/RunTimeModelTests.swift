@testable import DepthbookKit
import Notebook
import Runner
import TestSupport
import XCTest

/// `check`'s run-time model: a point's seconds lie on the line through the two calibrated shapes.
final class RunTimeModelTests: XCTestCase {
    func point(width: Int, depth: Int, steps: Int = 10) -> PointSpec {
        var spec = ExperimentSpec()
        spec.model.width = [width]
        spec.model.depth = [depth]
        spec.train.steps = steps
        return Sweep.points(of: spec)[0].spec
    }

    func testSecondsInterpolateBetweenTheShapesByStepCost() {
        let small = point(width: 16, depth: 2), large = point(width: 64, depth: 8), middle = point(width: 32, depth: 4)
        let (xSmall, xLarge, x) = (Scheduler.stepCost(small), Scheduler.stepCost(large), Scheduler.stepCost(middle))
        let model = RunTimeModel(large: .init(stepCost: xLarge, perStep: 0.010, fixed: 0.050),
                                 small: .init(stepCost: xSmall, perStep: 0.001, fixed: 0.005), loading: 0.4, storing: 0.002)
        let t = (x - xSmall) / (xLarge - xSmall)
        let expected = (0.005 + t * 0.045) + 10 * (0.001 + t * 0.009) + 0.002
        XCTAssertEqual(model.seconds(middle), expected, accuracy: 1e-12)
        // The shapes themselves come back exactly.
        XCTAssertEqual(model.seconds(large), 0.050 + 10 * 0.010 + 0.002, accuracy: 1e-12)
        XCTAssertEqual(model.seconds(small), 0.005 + 10 * 0.001 + 0.002, accuracy: 1e-12)
        // A step has a cost that does not shrink with width: at an eighth of the step cost a
        // proportional model (one shape) gives an eighth of the time, the line more.
        let one = RunTimeModel(large: model.large, small: nil, loading: 0, storing: 0)
        XCTAssertEqual(one.seconds(middle), (0.050 + 10 * 0.010) * x / xLarge, accuracy: 1e-12)
        XCTAssertGreaterThan(model.seconds(small), one.seconds(small))
    }

    /// The model `calibrate` makes of a 400-step width-32 point on a fake executor at 2 ms a
    /// step, after `configure` changes the fake (a pause, a slow start); the fake is returned
    /// for its record of runs.
    func calibrated(steps: Int = 400, _ configure: (FakeExecutor) -> Void = { _ in }) throws -> (model: RunTimeModel?, executor: FakeExecutor) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rtm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let executor = FakeExecutor()
        executor.secondsPerStep = 0.002
        configure(executor)
        let model = RunTimeModel.calibrate([point(width: 32, depth: 4, steps: steps)], executor: executor,
                                           cache: ResultCache(directory: directory), threads: 1)
        return (model, executor)
    }

    /// A pause of the machine in one step of the calibration run is one step, not every step:
    /// the step time was the difference of two runs, and a 0.15 s pause in the longer one
    /// raised it by half (tutorial 02: 8 checks in a row said 40–66 s for a 37 s render).
    func testAPausedStepDoesNotRaiseTheStepTime() throws {
        let spec = point(width: 32, depth: 4, steps: 400)
        let calm = try XCTUnwrap(try calibrated().model)
        let model = try XCTUnwrap(try calibrated { $0.pause = (step: 5, seconds: 0.15) }.model)
        XCTAssertGreaterThan(calm.large.perStep, 0.0019)
        XCTAssertEqual(model.large.perStep, calm.large.perStep, accuracy: 0.15 * calm.large.perStep)
        // The render's 400 steps pay the pause once: within 0.2 s of the quiet estimate plus it.
        XCTAssertLessThan(model.seconds(spec), calm.seconds(spec) + 0.15 + 0.2)
    }

    /// A whole calibration run that is slow (the machine busy for a second, or the process's
    /// memory laid out badly) does not set the step time: a shape of more than 10 steps runs
    /// twice and the faster counts. Here the 1-step run and the first shape's runs take 2×.
    func testASlowRunIsOutrunByTheSecond() throws {
        let calm = try XCTUnwrap(try calibrated().model)
        // Runs 1–3, slow: the 1-step run, then 10 and 40 steps (at 4 ms a step, 40 take the
        // 0.15 s asked for); run 4 repeats the 40 steps at 2 ms.
        let (slowModel, slow) = try calibrated { $0.slowStart = (runs: 3, factor: 2) }
        let model = try XCTUnwrap(slowModel)
        XCTAssertEqual(slow.ranSpecs.map(\.steps), [1, 10, 40, 40])
        XCTAssertEqual(model.large.perStep, calm.large.perStep, accuracy: 0.15 * calm.large.perStep)
        // A point of 10 steps or fewer (mostly fixed cost) runs once.
        let short = try calibrated(steps: 10) { $0.secondsPerStep = 0 }.executor
        XCTAssertEqual(short.ranSpecs.map(\.steps), [1, 10])
    }

    /// A point that diverges early is costed at the steps it runs: of a learning-rate sweep,
    /// the rates are probed from the highest down, and probing stops at the first that does
    /// not diverge (the fake diverges at step 2 above 2^-2).
    func testDivergingPointsAreCostedAtTheStepTheyStop() {
        var spec = ExperimentSpec()
        spec.model.depth = [4, 8]
        spec.optimizer.learningRates = [1, 0.5, 0.0625, 0.015625]
        spec.train.steps = 50
        let points = Sweep.points(of: spec).map(\.spec)
        let executor = FakeExecutor()
        let diverging = RunTimeModel.divergingSteps(points, executor: executor, threads: 2)
        XCTAssertEqual(Set(diverging.keys), Set(points.filter { $0.learningRate > 0.25 }))
        XCTAssertEqual(Set(diverging.values), [2])
        // Per depth: 1, 0.5 (diverge), 0.0625 (does not: stop), so 0.015625 is never probed.
        XCTAssertEqual(executor.ranSpecs.map(\.learningRate).sorted(), [0.0625, 0.0625, 0.5, 0.5, 1, 1])
        XCTAssertEqual(Set(executor.ranSpecs.map(\.steps)), [RunTimeModel.divergenceProbeSteps])
        let model = RunTimeModel(large: .init(stepCost: Scheduler.stepCost(points[0]), perStep: 0.01, fixed: 0.05),
                                 small: nil, loading: 0, storing: 0)
        XCTAssertEqual(model.seconds(points[0], stepsRun: 2), 0.05 + 2 * 0.01, accuracy: 1e-12)
        XCTAssertEqual(model.seconds(points[0]), 0.05 + 50 * 0.01, accuracy: 1e-12)
    }

    /// A render's blocks share one longest-first queue, so `check`'s render line takes the
    /// pooled makespan: two blocks of [4, 1, 1] s on 2 jobs take 6 s together, not 4 + 4.
    func testRenderLinePoolsTheBlocksPoints() {
        let block = [4.0, 1, 1]
        XCTAssertEqual(NotebookPipeline.makespan(block, jobs: 2), 4)
        XCTAssertEqual(NotebookPipeline.makespan(block + block, jobs: 2), 6)
        XCTAssertEqual(NotebookPipeline.makespan(block + block, jobs: 1), 12)
        XCTAssertEqual(NotebookPipeline.makespan([], jobs: 2), 0)
        XCTAssertEqual(NotebookPipeline.makespan([2, 3], jobs: 8), 3)
    }
}

/// `check` adds its process's age (launch and argument parsing) to the page's estimate.
final class ProcessAgeTests: XCTestCase {
    /// The test process began before this test did, and less than an hour ago in CI; a wrong
    /// field of /proc/self/stat gives nil (out of range) or an age unrelated to the clock.
    func testAgeIsAtLeastTheTimeSinceThisTestBegan() throws {
        let began = Date()
        Thread.sleep(forTimeInterval: 0.05)
        let age = try XCTUnwrap(ProcessAge.seconds)
        XCTAssertGreaterThanOrEqual(age + 0.02, Date().timeIntervalSince(began))
        Thread.sleep(forTimeInterval: 0.3)
        let later = try XCTUnwrap(ProcessAge.seconds)
        XCTAssertEqual(later - age, 0.3, accuracy: 0.1)
    }
}
