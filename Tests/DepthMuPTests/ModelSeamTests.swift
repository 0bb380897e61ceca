import XCTest
@testable import DepthMuP

/// The trainer drives any ``Model``: a second conformer (a counting wrapper) trains to the same
/// bits as the residual MLP, and the trainer's cost figures come from the model type.
final class ModelSeamTests: XCTestCase {
    /// A conformer that delegates to a residual MLP and counts the passes the trainer asks for.
    final class CountingModel: Model {
        let inner: ResidualMLP
        var forwards = 0, backwards = 0

        init(config: ModelConfig, inputDim: Int, classes: Int, branchScale: Double, capacity: Int) {
            inner = ResidualMLP(config: config, inputDim: inputDim, classes: classes, branchScale: branchScale, capacity: capacity)
        }

        var layout: ParameterLayout { inner.layout }
        var parameters: UnsafeMutableBufferPointer<Float> { inner.parameters }
        var gradients: UnsafeMutableBufferPointer<Float> { inner.gradients }
        var width: Int { inner.width }
        var depth: Int { inner.depth }
        func x(_ l: Int) -> UnsafeMutablePointer<Float> { inner.x(l) }
        var logits: UnsafeMutablePointer<Float> { inner.logits }
        var dLogits: UnsafeMutablePointer<Float> { inner.dLogits }
        func initialize(_ parametrization: Parametrization, random: inout SeededRandom) { inner.initialize(parametrization, random: &random) }
        func projectInputs(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
            inner.projectInputs(input, rows: rows, into: output)
        }
        func forward(_ input: UnsafePointer<Float>, batch: Int, inputLayerDone: Bool) {
            forwards += 1
            inner.forward(input, batch: batch, inputLayerDone: inputLayerDone)
        }
        func backward(_ input: UnsafePointer<Float>, batch: Int, trainInput: Bool, trainReadout: Bool, parametersDone: (Range<Int>) -> Void) {
            backwards += 1
            inner.backward(input, batch: batch, trainInput: trainInput, trainReadout: trainReadout, parametersDone: parametersDone)
        }
        static func flopsPerStep(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double { 42 }
        static func estimatedBytes(_ config: TrainingConfig, inputDim: Int, classes: Int) -> Double { 1 }
    }

    func testTrainerDrivesAnyModelThroughTheSeam() throws {
        let data = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 1), trainCount: 64, testCount: 16))
        let config = TrainingConfig(model: ModelConfig(width: 8, depth: 3), optimizer: OptimizerConfig(kind: .adam, learningRate: 0.01),
                                    steps: 4, batch: 8, measurements: MeasurementRequest(coordinateCheckSteps: [0, 4], diversity: true))
        let viaSeam = try Trainer.train(config, on: data, model: CountingModel.self, progress: nil, shouldStop: nil,
                                        projectionBudget: Trainer.defaultProjectionBudget)
        var direct = try Trainer.train(config, on: data)
        direct.seconds = viaSeam.seconds
        direct.secondsPerStep = viaSeam.secondsPerStep
        XCTAssertEqual(viaSeam, direct)
        XCTAssertEqual(CountingModel.flopsPerStep(config, inputDim: 8, classes: 3), 42)
        XCTAssertEqual(Trainer.flopsPerStep(config, inputDim: 8, classes: 3),
                       ResidualMLP.flopsPerStep(config, inputDim: 8, classes: 3))
    }
}
