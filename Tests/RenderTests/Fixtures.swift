import DepthMuP
import Foundation
import Notebook
@testable import Render
@testable import Runner

/// A block whose results are computed by `outcome` (no engine): deterministic fixtures for views.
func fixtureBlock(_ yaml: String, index: Int = 1, id: String? = "lr-transfer", scale: String? = nil,
                  status: BlockStatus = .ok, outcome: (PointSpec) -> PointOutcome = { .finished(syntheticResult($0)) }) throws -> BlockResult {
    let start = SourceLocation(file: "notes.md", line: 10, column: 1)
    let cell = ExperimentCell(index: index, id: id, body: yaml, range: SourceRange(start: start, end: start), bodyStart: start)
    let spec = try ExperimentSpec.decode(cell, scale: scale)
    let points = Sweep.points(of: spec)
    return BlockResult(cell: cell, spec: spec, axes: Sweep.axes(of: spec), points: points,
                       outcomes: points.map { outcome($0.spec) }, status: status, failsCommand: true)
}

/// A loss bowl in log2 lr whose optimum drifts with depth under sp and stays put under depth-mup;
/// above 2^-3 the run diverges. Coordinates and update ratios scale like TP6 predicts.
func syntheticResult(_ point: PointSpec) -> PointResult {
    let x = log2(point.learningRate)
    let depth = Double(point.depth)
    let optimum = point.parametrization == .depthMuP ? -7.0 : -7.0 - log2(depth / 4) / 2
    let loss = 0.4 + 0.03 * (x - optimum) * (x - optimum) - 0.02 * log2(depth) + 0.002 * Double(point.seed)
    let diverged = x > -3 ? 5 : nil
    let alpha = point.parametrization == .depthMuP ? 0.5 : 0
    let b = point.branchMultiplier * pow(depth / Double(point.baseDepth), -alpha)
    let c = 0.5 - 1 / (2 * Double.pi)
    let samples = point.coordinateCheckSteps.map { step -> CoordinateRecord in
        let growth = alpha == 0.5 ? 1.0 : sqrt(depth / 4)
        let rms = (0...point.depth).map { l in pow(1 + c * b * b, Double(l) / 2) * (1 + 0.001 * Double(step)) }
        let delta = (0...point.depth).map { l in step == 0 ? 0 : 0.1 * Double(step) * growth * Double(l) / depth }
        return CoordinateRecord(step: step, blockRMS: rms, blockDeltaRMS: delta, outputRMS: 1)
    }
    return PointResult(alpha: alpha, gamma: alpha, branchMultiplier: b, hiddenLearningRate: point.learningRate,
                       initialLoss: 2.3, finalTrainLoss: diverged == nil ? loss : .nan,
                       lossPerStep: point.lossCurve ? (1...point.steps).map { 2.3 * exp(-Double($0) / 3) + loss } : [],
                       testLoss: point.data.testCount > 0 ? loss + 0.05 : nil, testAccuracy: point.data.testCount > 0 ? 0.8 : nil,
                       divergedAtStep: diverged, coordinateCheck: samples,
                       weightUpdateRatio: point.featureUpdate ? Array(repeating: 0.2 * pow(depth, alpha == 0.5 ? -0.5 : 0), count: point.depth) : [],
                       stepsRun: diverged ?? point.steps, seconds: 0.25)
}

let lrTransfer = """
    title: Learning-rate transfer
    model: {width: 32, depth: [4, 16]}
    parametrization: [sp, depth-mup]
    optimizer: {lr: {log2: [-10, -2]}}
    train: {steps: 6, seeds: 2}
    show: [loss-vs-lr, best-lr, loss-table]
    """
