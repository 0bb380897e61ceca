import XCTest
@testable import DepthMuP

/// Forward values and every gradient of `ResidualMLP` against central finite differences of the
/// Double `ReferenceModel`.
final class ResidualMLPTests: XCTestCase {
    /// Shapes: batch 3, d_in 5, width 6, 4 classes, L = 2 blocks.
    let rows = 3, inputDim = 5, classes = 4

    /// Checks one configuration; input and readout are trained so all three groups are checked.
    ///
    /// Bound: per layer group, max |analytic − numeric| ≤ 2e-3 · max |numeric| (Float backward has
    /// ~1e-6 relative rounding; Double central differences with h = 1e-6 have ~1e-9 error), and
    /// |loss_Float − loss_Double| ≤ 1e-5 · (1 + |loss|).
    func check(_ config: ModelConfig, loss kind: LossKind = .crossEntropy, seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line) {
        var model = config
        model.input = .trained
        model.readout = .trained
        let branchScale = 0.8
        let mlp = ResidualMLP(config: model, inputDim: inputDim, classes: classes, branchScale: branchScale, capacity: rows)
        var random = SeededRandom(seed: seed)
        // Readout std 0.5 (not 1/n) so the loss is sensitive to every layer.
        let parametrization = Parametrization(.sp, width: 4, depth: model.depth, baseWidth: 4, baseDepth: model.depth)
        mlp.initialize(parametrization, random: &random)
        let input = (0..<(rows * inputDim)).map { _ in random.nextGaussianFloat() }
        let labels: [Int32] = (0..<rows).map { Int32($0 % classes) }
        let targets = (0..<(rows * classes)).map { _ in random.nextGaussianFloat() }

        let floatLoss = input.withUnsafeBufferPointer { xin -> Double in
            mlp.forward(xin.baseAddress!, batch: rows)
            let value = labels.withUnsafeBufferPointer { lp in
                targets.withUnsafeBufferPointer { tp in
                    Loss.evaluate(kind, logits: mlp.logits, labels: lp.baseAddress!, targets: tp.baseAddress!, dLogits: mlp.dLogits, batch: rows, classes: classes)
                }
            }
            mlp.backward(xin.baseAddress!, batch: rows, trainInput: true, trainReadout: true)
            return value
        }
        let reference = ReferenceModel(config: model, layout: mlp.layout, branchScale: Double(Float(branchScale)))
        var p = mlp.parameters.map(Double.init)
        let x = input.map(Double.init), t = targets.map(Double.init)
        func f(_ p: [Double]) -> Double { reference.loss(p, input: x, labels: labels, targets: t, rows: rows, kind: kind) }
        let doubleLoss = f(p)
        XCTAssertLessThan(abs(floatLoss - doubleLoss), 1e-5 * (1 + abs(doubleLoss)), "forward loss Float \(floatLoss) vs Double \(doubleLoss) for \(model)", file: file, line: line)

        let h = 1e-6
        for group in LayerGroup.allCases {
            var worst = 0.0, worstIndex = -1, scale = 0.0
            for i in mlp.layout.range(group) {
                let saved = p[i]
                p[i] = saved + h
                let plus = f(p)
                p[i] = saved - h
                let minus = f(p)
                p[i] = saved
                let numeric = (plus - minus) / (2 * h)
                scale = max(scale, abs(numeric))
                let difference = abs(Double(mlp.gradients[i]) - numeric)
                if difference > worst { worst = difference; worstIndex = i }
            }
            XCTAssertGreaterThan(scale, 1e-6, "\(group) gradient vanished; the check would be vacuous", file: file, line: line)
            XCTAssertLessThanOrEqual(worst, 2e-3 * scale, "\(group): max |Δ| \(worst) at parameter \(worstIndex) (scale \(scale)) for \(model), loss \(kind)", file: file, line: line)
        }
    }

    func testGradientsEveryActivationBlockDepthOne() {
        for activation in ActivationKind.allCases { check(ModelConfig(width: 6, depth: 2, activation: activation)) }
    }

    func testGradientsEveryActivationBlockDepthTwo() {
        for activation in ActivationKind.allCases { check(ModelConfig(width: 6, depth: 2, blockDepth: 2, activation: activation)) }
    }

    func testGradientsMeanSubtractionToggledAgainstDefault() {
        check(ModelConfig(width: 6, depth: 2, activation: .relu, meanSubtraction: false))
        check(ModelConfig(width: 6, depth: 2, activation: .tanh, meanSubtraction: true))
    }

    func testGradientsPreLayerNorm() {
        check(ModelConfig(width: 6, depth: 2, activation: .abs, preLN: true))
        check(ModelConfig(width: 6, depth: 2, blockDepth: 2, activation: .relu, preLN: true))
    }

    func testGradientsMeanSquaredError() {
        check(ModelConfig(width: 6, depth: 2, activation: .gelu), loss: .mse)
        check(ModelConfig(width: 6, depth: 3, blockDepth: 2, activation: .tanh, preLN: true), loss: .mse)
    }

    /// The check must be able to fail: a wrong branch scale in the reference is detected.
    func testGradientCheckDetectsAWrongModel() {
        let model = ModelConfig(width: 6, depth: 2, input: .trained, readout: .trained)
        let mlp = ResidualMLP(config: model, inputDim: inputDim, classes: classes, branchScale: 1, capacity: rows)
        var random = SeededRandom(seed: 3)
        mlp.initialize(Parametrization(.sp, width: 4, depth: 2, baseWidth: 4, baseDepth: 2), random: &random)
        let input = (0..<(rows * inputDim)).map { _ in random.nextGaussianFloat() }
        input.withUnsafeBufferPointer { mlp.forward($0.baseAddress!, batch: rows) }
        let wrong = ReferenceModel(config: model, layout: mlp.layout, branchScale: 1.1)
        let logits = wrong.forward(mlp.parameters.map(Double.init), input: input.map(Double.init), rows: rows).logits
        let difference = zip(logits, (0..<(rows * classes)).map { Double(mlp.logits[$0]) }).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-4)
    }
}
