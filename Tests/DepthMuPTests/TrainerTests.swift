import Foundation
import XCTest
@testable import DepthMuP

/// Determinism (also across concurrent threads), divergence, cancellation and metric definitions.
final class TrainerTests: XCTestCase {
    static let data: Dataset = {
        // Force-unwrapping is confined to this fixture; the teacher task needs no files.
        try! Dataset.load(DataConfig(source: .teacher(inputDim: 12, classes: 4, seed: 5), trainCount: 256, testCount: 64))
    }()

    static func config(steps: Int = 20, learningRate: Double = 0.01, seed: UInt64 = 1) -> TrainingConfig {
        TrainingConfig(model: ModelConfig(width: 32, depth: 4, baseWidth: 32, baseDepth: 2),
                       parametrization: .depthMuP, optimizer: OptimizerConfig(kind: .adam, learningRate: learningRate),
                       steps: steps, batch: 16, seed: seed,
                       measurements: MeasurementRequest(coordinateCheckSteps: [0, 5, steps], featureUpdate: true, diversity: true))
    }

    /// Strips wall-clock fields so results compare by value.
    static func timeless(_ result: TrainingResult) -> TrainingResult {
        var copy = result
        copy.seconds = 0
        copy.secondsPerStep = 0
        return copy
    }

    func testSameConfigAndSeedGiveIdenticalBits() throws {
        let first = try Trainer.train(Self.config(), on: Self.data)
        let second = try Trainer.train(Self.config(), on: Self.data)
        XCTAssertEqual(Self.timeless(first), Self.timeless(second))
        XCTAssertEqual(first.lossPerStep.map(\.bitPattern), second.lossPerStep.map(\.bitPattern))
        let other = try Trainer.train(Self.config(seed: 2), on: Self.data)
        XCTAssertNotEqual(first.lossPerStep, other.lossPerStep, "a different seed must change the run")
    }

    func testConcurrentRunsOnTwoThreadsAreIdenticalToSequential() throws {
        let sequential = try [1, 2].map { try Trainer.train(Self.config(seed: $0), on: Self.data) }.map(Self.timeless)
        nonisolated(unsafe) var concurrent: [TrainingResult?] = [nil, nil, nil, nil]
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let result = try? Trainer.train(Self.config(seed: UInt64(i % 2 + 1)), on: Self.data)
            lock.lock()
            concurrent[i] = result.map(Self.timeless)
            lock.unlock()
        }
        for i in 0..<4 { XCTAssertEqual(concurrent[i], sequential[i % 2], "thread run \(i) differs from the sequential run") }
    }

    /// Two OpenBLAS threads give the same bits as one (sgemm splits rows and columns of C, not
    /// the inner dimension). Width 256 and batch 64 so OpenBLAS actually splits the work.
    func testResultsIndependentOfBLASThreadCount() throws {
        var config = Self.config(steps: 5)
        config.model = ModelConfig(width: 256, depth: 2, baseWidth: 256, baseDepth: 2)
        config.batch = 64
        BLAS.setThreadCount(1)
        let single = try Trainer.train(config, on: Self.data)
        BLAS.setThreadCount(2)
        defer { BLAS.setThreadCount(1) }
        let double = try Trainer.train(config, on: Self.data)
        XCTAssertEqual(Self.timeless(single), Self.timeless(double))
    }

    /// Looking up precomputed x_0 of a frozen input layer gives the same bits as the GEMM per step.
    /// Also with a partial last chunk (250 = 10·24 + 10 rows) and OpenBLAS's large-matrix path.
    func testPrecomputedInputProjectionMatchesPerStepGEMM() throws {
        let wide = try Dataset.load(DataConfig(source: .teacher(inputDim: 300, classes: 10, seed: 6), trainCount: 250, testCount: 0))
        var wideConfig = Self.config()
        wideConfig.model = ModelConfig(width: 128, depth: 2)
        wideConfig.batch = 24
        for (config, data) in [(Self.config(), Self.data), (wideConfig, wide)] {
            XCTAssertTrue(Trainer.precomputesInputProjection(config, trainCount: data.trainCount))
            let projected = try Trainer.train(config, on: data)
            XCTAssertFalse(Trainer.precomputesInputProjection(config, trainCount: data.trainCount, budget: 0))
            let direct = try Trainer.train(config, on: data, projectionBudget: 0)
            XCTAssertEqual(Self.timeless(projected), Self.timeless(direct), "width \(config.model.width)")
        }
    }

    func testHugeLearningRateDivergesAndReportsStep() throws {
        var config = Self.config(steps: 200, learningRate: 1e4)
        config.optimizer.kind = .sgd
        config.model.readout = .trained
        let result = try Trainer.train(config, on: Self.data)
        let step = try XCTUnwrap(result.divergedAtStep, "lr 1e4 must diverge")
        XCTAssertGreaterThan(step, 1)
        XCTAssertEqual(result.stepsRun, step)
        let last = try XCTUnwrap(result.lossPerStep.last)
        XCTAssertTrue(!last.isFinite || last > 100 * result.initialLoss)
        XCTAssertNil(result.testAccuracy)
    }

    func testFinalTrainLossIsMeanOfLastTenthAndTrainingLearns() throws {
        let result = try Trainer.train(Self.config(steps: 60), on: Self.data)
        XCTAssertNil(result.divergedAtStep)
        XCTAssertEqual(result.finalTrainLoss, result.lossPerStep.suffix(6).reduce(0, +) / 6, accuracy: 1e-12)
        XCTAssertLessThan(result.finalTrainLoss, result.initialLoss)
        XCTAssertEqual(result.initialLoss, result.lossPerStep[0])
        let accuracy = try XCTUnwrap(result.testAccuracy)
        XCTAssertGreaterThan(accuracy, 0.3, "4 balanced classes: chance is about 0.25")
        XCTAssertEqual(result.alpha, 0.5)
        XCTAssertEqual(result.branchMultiplier, 1 / 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(result.coordinateCheck.map(\.step), [0, 5, 60])
        XCTAssertEqual(result.coordinateCheck[0].blockRMS.count, 5)
        XCTAssertEqual(result.coordinateCheck[0].blockDeltaRMS, [0, 0, 0, 0, 0])
        XCTAssertEqual(result.weightUpdateRatio.count, 4)
        XCTAssertEqual(result.diversity.map(\.j), [1, 2])
    }

    func testShouldStopCancels() {
        XCTAssertThrowsError(try Trainer.train(Self.config(), on: Self.data, shouldStop: { true })) { error in
            XCTAssertEqual(error as? DepthMuPError, .cancelled(step: 0))
        }
        nonisolated(unsafe) var seen: [Int] = []
        _ = try? Trainer.train(Self.config(steps: 5), on: Self.data, progress: { seen.append($0) })
        XCTAssertEqual(seen, [1, 2, 3, 4, 5])
    }

    func testInvalidConfigThrowsClearError() {
        var config = Self.config()
        config.batch = 0
        XCTAssertThrowsError(try Trainer.train(config, on: Self.data)) { error in
            XCTAssertTrue("\(error)".contains("batch"), "\(error)")
        }
    }

    func testFlopsPerStepCountsHiddenGEMMs() {
        let config = TrainingConfig(model: ModelConfig(width: 128, depth: 16), optimizer: OptimizerConfig(learningRate: 1), steps: 1, batch: 64, seed: 0)
        let hidden = 3 * 2 * 64.0 * 128 * 128 * 16
        let flops = Trainer.flopsPerStep(config, inputDim: 784, classes: 10)
        XCTAssertGreaterThan(flops, hidden)
        XCTAssertLessThan(flops, 1.5 * hidden)
    }
}

/// Regression: an oversized run crashed in the allocator; now it is an invalid-configuration
/// error naming the size, thrown before anything is allocated.
final class MemoryBudgetTests: XCTestCase {
    func testOversizedRunsAreRefusedBeforeAllocating() throws {
        let data = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 1), trainCount: 16, testCount: 0))
        let config = TrainingConfig(model: ModelConfig(width: 100_000_000, depth: 4), parametrization: .depthMuP,
                                    optimizer: OptimizerConfig(kind: .adam, learningRate: 0.01), steps: 1, batch: 8, seed: 0)
        XCTAssertThrowsError(try Trainer.train(config, on: data)) { error in
            guard case DepthMuPError.invalidConfig(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("GiB of memory"), message)
        }
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .teacher(inputDim: 32, classes: 3, seed: 1),
                                                         trainCount: 100_000_000_000, testCount: 0)))
        // A run that fits is estimated in the megabytes.
        let small = TrainingConfig(model: ModelConfig(width: 128, depth: 8), parametrization: .depthMuP,
                                   optimizer: OptimizerConfig(kind: .adam, learningRate: 0.01), steps: 1, batch: 64, seed: 0)
        XCTAssertLessThan(Trainer.estimatedBytes(small, inputDim: 784, classes: 10), 10e6)
    }
}
