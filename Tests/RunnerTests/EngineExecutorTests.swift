import DepthMuP
import Foundation
import Notebook
import XCTest
@testable import Runner

/// The real executor: spec → engine config mapping, data loading, a tiny run.
final class EngineExecutorTests: XCTestCase {
    let executor = EngineExecutor(baseDirectory: URL(fileURLWithPath: "/tmp"))

    func point(_ yaml: String) throws -> PointSpec {
        try XCTUnwrap(Sweep.points(of: try testSpec(yaml)).first?.spec)
    }

    func testConfigMapsEveryField() throws {
        let spec = try point("""
            data: {name: teacher, train: 64, input_dim: 8, classes: 3, seed: 5}
            model: {width: 24, depth: 6, block_depth: 2, activation: abs, mean_subtraction: false, branch_multiplier: 0.5,
                    base_width: 12, base_depth: 3, input: trained, readout: zero, pre_ln: true}
            parametrization: {alpha: 1, gamma: 0}
            optimizer: {name: sgd, lr: 0.25, momentum: 0.9, epsilon: 1e-6}
            train: {steps: 7, batch: 4, seeds: [11], loss: mse}
            show: [coord-check, feature-update, loss-curves]
            """)
        let config = EngineExecutor.trainingConfig(spec)
        XCTAssertEqual(config.model.width, 24)
        XCTAssertEqual(config.model.depth, 6)
        XCTAssertEqual(config.model.blockDepth, 2)
        XCTAssertEqual(config.model.activation, .abs)
        XCTAssertEqual(config.model.meanSubtraction, false)
        XCTAssertEqual(config.model.branchMultiplier, 0.5)
        XCTAssertEqual(config.model.baseWidth, 12)
        XCTAssertEqual(config.model.baseDepth, 3)
        XCTAssertEqual(config.model.input, .trained)
        XCTAssertEqual(config.model.readout, .zero)
        XCTAssertTrue(config.model.preLN)
        XCTAssertEqual(config.parametrization, .custom(alpha: 1, gamma: 0))
        XCTAssertEqual(config.optimizer, OptimizerConfig(kind: .sgd, learningRate: 0.25, momentum: 0.9, epsilon: 1e-6))
        XCTAssertEqual(config.loss, .mse)
        XCTAssertEqual(config.steps, 7)
        XCTAssertEqual(config.batch, 4)
        XCTAssertEqual(config.seed, 11)
        XCTAssertEqual(config.measurements.coordinateCheckSteps, [0, 1, 2, 3])
        XCTAssertTrue(config.measurements.featureUpdate)
        XCTAssertTrue(config.measurements.lossPerStep)
        XCTAssertFalse(config.measurements.test)
        XCTAssertEqual(executor.dataConfig(for: spec.data),
                       DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 5), trainCount: 64, testCount: 0))
    }

    func testRelativeDataPathsResolveAgainstTheNotebook() throws {
        let spec = try point("data: {name: idx, images: data/x.gz, labels: /abs/y.gz}")
        XCTAssertEqual(executor.dataFiles(for: spec.data), ["/tmp/data/x.gz", "/abs/y.gz"])
        XCTAssertThrowsError(try executor.dataFingerprint(for: spec.data))
    }

    func testTinyRunGivesAResultAndAStableFingerprint() throws {
        let spec = try point("""
            data: {name: teacher, train: 64, input_dim: 8, classes: 3}
            model: {width: 16, depth: 4}
            train: {steps: 3, batch: 8}
            show: [init-variance]
            """)
        let first = try executor.dataFingerprint(for: spec.data)
        XCTAssertEqual(first, try EngineExecutor(baseDirectory: URL(fileURLWithPath: "/")).dataFingerprint(for: spec.data))
        let result = try executor.run(spec, progress: { _ in }, shouldStop: { false })
        XCTAssertEqual(result.stepsRun, 3)
        XCTAssertEqual(result.alpha, 0.5)
        XCTAssertEqual(result.gamma, 0.5)
        XCTAssertEqual(result.coordinateCheck.map(\.step), [0])
        XCTAssertEqual(result.coordinateCheck.first?.blockRMS.count, 5)
        XCTAssertTrue(result.finalTrainLoss.isFinite)
    }

    func testShouldStopEndsTheRun() throws {
        let spec = try point("data: {name: teacher, train: 64, input_dim: 8, classes: 3}\nmodel: {width: 16, depth: 4}\ntrain: {steps: 100000, batch: 8}")
        let started = Date()
        XCTAssertThrowsError(try executor.run(spec, progress: { _ in }, shouldStop: { Date().timeIntervalSince(started) > 0.2 }))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    }
}
