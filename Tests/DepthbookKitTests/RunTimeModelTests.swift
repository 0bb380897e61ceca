@testable import DepthbookKit
import Notebook
import Runner
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
