import XCTest
@testable import DepthMuP

/// depth-mup.md §3 C3, the depth coordinate check, through `Trainer` measurements.
final class MeasurementsTests: XCTestCase {
    /// RMS(x_L,t − x_L,0), mean per-block ‖ΔW‖/‖W0‖, and RMS(x_L,t) after `steps` Adam steps.
    func measure(_ name: ParametrizationName, depth: Int, steps: Int, seed: UInt64, data: Dataset) throws -> (delta: Double, ratio: Double, rms: Double) {
        let config = TrainingConfig(
            model: ModelConfig(width: 64, depth: depth, activation: .relu, baseWidth: 64, baseDepth: 4),
            parametrization: name, optimizer: OptimizerConfig(kind: .adam, learningRate: 1e-2),
            steps: steps, batch: 32, seed: seed,
            measurements: MeasurementRequest(lossPerStep: false, test: false, coordinateCheckSteps: [steps], featureUpdate: true))
        let result = try Trainer.train(config, on: data)
        let record = try XCTUnwrap(result.coordinateCheck.last)
        return (record.blockDeltaRMS[depth], result.weightUpdateRatio.reduce(0, +) / Double(depth), record.blockRMS[depth])
    }

    /// C3. Sizes: MS-relu, n = 64, L ∈ {4, 8, 16, 32, 64}, batch 32, Adam η = 1e-2, 10 steps, 2 seeds,
    /// L0 = 4 (depth-mup.md: n = 128, L ≤ 128, 3 seeds).
    /// Depth-μP: slope of log RMS(Δx_L) vs log L within ±0.15, RMS(x_L) within 1.5× across L,
    /// per-block ‖ΔW‖/‖W0‖ slope −0.5 ± 0.1; (½, 0): Δx_L slope after the first update in [0.35, 0.65].
    func testC3DepthCoordinateCheck() throws {
        let data = try Dataset.load(DataConfig(source: .teacher(inputDim: 16, classes: 4, seed: 2), trainCount: 512, testCount: 0))
        let depths = [4, 8, 16, 32, 64]
        func average(_ name: ParametrizationName, steps: Int = 10) throws -> [(delta: Double, ratio: Double, rms: Double)] {
            try depths.map { L in
                let runs = try (0..<2).map { try measure(name, depth: L, steps: steps, seed: UInt64($0), data: data) }
                return (runs.map(\.delta).reduce(0, +) / 2, runs.map(\.ratio).reduce(0, +) / 2, runs.map(\.rms).reduce(0, +) / 2)
            }
        }
        let x = depths.map(Double.init)
        let depthMuP = try average(.depthMuP)
        let deltaSlope = ParametrizationTests.slope(x, depthMuP.map(\.delta))
        let ratioSlope = ParametrizationTests.slope(x, depthMuP.map(\.ratio))
        let rms = depthMuP.map(\.rms)
        XCTAssertEqual(deltaSlope, 0, accuracy: 0.15, "Depth-μP Δx_L \(depthMuP.map(\.delta)) slope \(deltaSlope)")
        XCTAssertEqual(ratioSlope, -0.5, accuracy: 0.1, "Depth-μP ‖ΔW‖/‖W0‖ \(depthMuP.map(\.ratio)) slope \(ratioSlope)")
        XCTAssertLessThan(rms.max()! / rms.min()!, 1.5, "Depth-μP RMS(x_L) \(rms)")

        // As in depth-mup.md §3: (½, 0) after the first update (later its Δx_L saturates at this width).
        let branchOnly = try average(.custom(alpha: 0.5, gamma: 0), steps: 1)
        let branchSlope = ParametrizationTests.slope(x, branchOnly.map(\.delta))
        XCTAssertTrue((0.35...0.65).contains(branchSlope), "(½, 0) Δx_L \(branchOnly.map(\.delta)) slope \(branchSlope)")
    }
}
