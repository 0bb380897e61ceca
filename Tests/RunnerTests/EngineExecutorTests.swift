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

    /// Every case of every enum reaches the engine as itself: the schema uses the engine's own
    /// types, so no `?? .relu` or two-way ternary can turn a new case into another one (the
    /// mapping before mapped readout, input, loss and optimizer by hand).
    func testEveryEnumCaseReachesTheEngineUnchanged() throws {
        var spec = PointSpec.defaults
        for activation in ActivationKind.allCases {
            spec.activation = activation
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).model.activation, activation)
        }
        for input in InputMode.allCases {
            spec.input = input
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).model.input, input)
        }
        for readout in ReadoutMode.allCases {
            spec.readout = readout
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).model.readout, readout)
        }
        for loss in LossKind.allCases {
            spec.loss = loss
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).loss, loss)
        }
        for optimizer in OptimizerKind.allCases {
            spec.optimizer = optimizer
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).optimizer.kind, optimizer)
        }
        for parametrization in [ParametrizationName.sp, .mup, .depthMuP, .custom(alpha: 1, gamma: 0.25)] {
            spec.parametrization = parametrization
            XCTAssertEqual(EngineExecutor.trainingConfig(spec).parametrization, parametrization)
        }
        spec.diversity = true
        XCTAssertTrue(EngineExecutor.trainingConfig(spec).measurements.diversity)
    }

    /// `measure: {diversity: true}` reaches the result (the engine's curve was dropped before).
    func testDiversityIsMeasuredAndKept() throws {
        let spec = try point("""
            data: {name: teacher, train: 64, input_dim: 8, classes: 3}
            model: {width: 8, depth: 4}
            train: {steps: 2, batch: 8}
            measure: {diversity: true}
            """)
        let result = try executor.run(spec, progress: { _ in }, shouldStop: { false })
        XCTAssertFalse(result.diversity.isEmpty)
        XCTAssertTrue(result.diversity.allSatisfy { $0.d.isFinite && $0.d >= 0 }, "\(result.diversity)")
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
