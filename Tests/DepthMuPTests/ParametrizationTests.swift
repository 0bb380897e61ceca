import XCTest
@testable import DepthMuP

/// The parametrization table of depth-mup.md §0, base-shape equality, and the TP6 checks C1
/// (exact init variance) and C2 (one-step exponent) of depth-mup.md §3.
final class ParametrizationTests: XCTestCase {
    func testParsingRoundTrips() throws {
        for text in ["sp", "mup", "depth-mup", "alpha=0.5,gamma=0.5", "alpha=1.0,gamma=0.0"] {
            let name = try XCTUnwrap(ParametrizationName(parsing: text), text)
            XCTAssertEqual(ParametrizationName(parsing: name.description), name)
        }
        XCTAssertEqual(ParametrizationName(parsing: "gamma=1, alpha=0.5"), .custom(alpha: 0.5, gamma: 1))
        XCTAssertNil(ParametrizationName(parsing: "alpha=0.5"))
        XCTAssertNil(ParametrizationName(parsing: "ntk"))
        // The one parser also reads every form an inline reference may use (formerly a second
        // parser in Notebook) and the exact names the YAML schema takes.
        for text in ["α=0.5 γ=0", "alpha=0.5 gamma=0", "(0.5, 0)", "{alpha: 0.5, gamma: 0}", "alpha=0.5,gamma=0"] {
            XCTAssertEqual(ParametrizationName(parsing: text), .custom(alpha: 0.5, gamma: 0), text)
        }
        XCTAssertEqual(ParametrizationName.names.map { ParametrizationName(parsing: $0) }, [.sp, .mup, .depthMuP])
        XCTAssertNil(ParametrizationName(parsing: "(0.5)"))
        XCTAssertNil(ParametrizationName(parsing: "alpha=inf gamma=0"))
        let encoded = try JSONEncoder().encode([ParametrizationName.depthMuP])
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self), #"["depth-mup"]"#)
    }

    /// Depth-μP at n = 2·n0, L = 4·L0: branch ½, Adam rate η/2/2, SGD rate η, ε/2/2.
    func testTableValuesAwayFromBase() {
        let p = Parametrization(.depthMuP, width: 256, depth: 32, baseWidth: 128, baseDepth: 8)
        XCTAssertEqual(p.branchMultiplier(1), 0.5, accuracy: 1e-15)
        XCTAssertEqual(p.learningRate(.hidden, optimizer: .adam, eta: 1), 0.25, accuracy: 1e-15)
        XCTAssertEqual(p.learningRate(.hidden, optimizer: .sgd, eta: 1), 1, accuracy: 1e-15)
        XCTAssertEqual(p.epsilon(.hidden, base: 1), 0.25, accuracy: 1e-15)
        XCTAssertEqual(p.learningRate(.input, optimizer: .sgd, eta: 1), 2, accuracy: 1e-15)
        XCTAssertEqual(p.learningRate(.readout, optimizer: .adam, eta: 1), 0.5, accuracy: 1e-15)
        XCTAssertEqual(p.initStd(.readout, inputDim: 10), 1.0 / 256, accuracy: 1e-15)
        let sp = Parametrization(.sp, width: 256, depth: 32, baseWidth: 128, baseDepth: 8)
        XCTAssertEqual(sp.learningRate(.hidden, optimizer: .adam, eta: 1), 1)
        XCTAssertEqual(sp.initStd(.readout, inputDim: 10), 1.0 / 16, accuracy: 1e-15)
        // (½, 0): SGD rate grows as m_L^½; (1, 0): as m_L.
        XCTAssertEqual(Parametrization(.custom(alpha: 0.5, gamma: 0), width: 256, depth: 32, baseWidth: 128, baseDepth: 8)
            .learningRate(.hidden, optimizer: .sgd, eta: 1), 2, accuracy: 1e-12)
        XCTAssertEqual(Parametrization(.custom(alpha: 1, gamma: 0), width: 256, depth: 32, baseWidth: 128, baseDepth: 8)
            .learningRate(.hidden, optimizer: .sgd, eta: 1), 4, accuracy: 1e-12)
    }

    /// At the base shape every μP variant's multipliers equal SP's (readout init excepted, see
    /// `Parametrization`), and training is bit-identical (readout zero-initialized so the one
    /// documented difference is out of play).
    func testMuPEqualsSPAtBaseShape() throws {
        let names: [ParametrizationName] = [.mup, .depthMuP, .custom(alpha: 1, gamma: 0), .custom(alpha: 0.5, gamma: 1)]
        let sp = Parametrization(.sp, width: 16, depth: 4, baseWidth: 16, baseDepth: 4)
        for name in names {
            let p = Parametrization(name, width: 16, depth: 4, baseWidth: 16, baseDepth: 4)
            XCTAssertEqual(p.branchMultiplier(1.5), sp.branchMultiplier(1.5))
            for group in LayerGroup.allCases {
                for kind in OptimizerKind.allCases { XCTAssertEqual(p.learningRate(group, optimizer: kind, eta: 0.01), sp.learningRate(group, optimizer: kind, eta: 0.01)) }
                XCTAssertEqual(p.epsilon(group, base: 1e-8), sp.epsilon(group, base: 1e-8))
            }
            XCTAssertEqual(p.initStd(.input, inputDim: 8), sp.initStd(.input, inputDim: 8))
            XCTAssertEqual(p.initStd(.hidden, inputDim: 8), sp.initStd(.hidden, inputDim: 8))
        }
        let data = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 1), trainCount: 64, testCount: 16))
        func run(_ name: ParametrizationName, _ optimizer: OptimizerKind, readout: ReadoutMode = .zero) throws -> TrainingResult {
            var result = try Trainer.train(TrainingConfig(
                model: ModelConfig(width: 16, depth: 4, baseWidth: 16, baseDepth: 4, input: .trained, readout: readout),
                parametrization: name, optimizer: OptimizerConfig(kind: optimizer, learningRate: 0.01),
                steps: 5, batch: 8, seed: 3), on: data)
            (result.alpha, result.gamma, result.seconds, result.secondsPerStep) = (0, 0, 0, 0)
            return result
        }
        for optimizer in OptimizerKind.allCases {
            let reference = try run(.sp, optimizer)
            for name in names { XCTAssertEqual(try run(name, optimizer), reference, "\(name) vs sp with \(optimizer)") }
            // The μP family shares TP6's readout init, so with the default frozen readout every
            // variant equals mup at the base shape.
            let frozen = try run(.mup, optimizer, readout: .frozen)
            for name in names.dropFirst() {
                XCTAssertEqual(try run(name, optimizer, readout: .frozen), frozen, "\(name) vs mup with \(optimizer), frozen readout")
            }
        }
        // The one documented difference: readout variance 1/n² (μP) against 1/n (sp), §0.
        XCTAssertEqual(Parametrization(.mup, width: 16, depth: 4, baseWidth: 16, baseDepth: 4).initStd(.readout, inputDim: 8), 1.0 / 16)
        XCTAssertEqual(sp.initStd(.readout, inputDim: 8), 0.25)
    }

    /// Mean over a batch of |x_L|²/|x_0|² at init.
    private func streamGrowth(_ model: ModelConfig, name: ParametrizationName, seed: UInt64, batch: Int = 64) -> Double {
        let p = Parametrization(name, model: model)
        let mlp = ResidualMLP(config: model, inputDim: 16, classes: 2, branchScale: p.branchMultiplier(model.branchMultiplier), capacity: batch)
        var random = SeededRandom(seed: seed)
        mlp.initialize(p, random: &random)
        let input = (0..<(batch * 16)).map { _ in random.nextGaussianFloat() }
        input.withUnsafeBufferPointer { mlp.forward($0.baseAddress!, batch: batch) }
        var total = 0.0
        for b in 0..<batch {
            let x0 = Elementwise.sumOfSquares(mlp.x(0) + b * model.width, count: model.width)
            let xL = Elementwise.sumOfSquares(mlp.x(model.depth) + b * model.width, count: model.width)
            total += xL / x0
        }
        return total / Double(batch)
    }

    /// C1: E|x_L|²/|x_0|² = (1 + a²L^(−2α))^L for linear blocks and (1 + c_φ a²/L)^L for MS-relu
    /// (c_relu = ½ − 1/(2π), times (n−1)/n for MS's lost degree of freedom), L0 = 1.
    /// Sizes: n = 256, L ∈ {4, 16, 64}, batch 64, 2 seeds (depth-mup.md uses n = 512, L ≤ 256).
    /// Pass: within 5% (linear), 10% (MS-relu).
    func testC1ExactInitVariance() {
        let n = 256
        for L in [4, 16, 64] {
            let linear = ModelConfig(width: n, depth: L, activation: .identity, meanSubtraction: false, baseWidth: n, baseDepth: 1)
            let measured = (0..<2).map { streamGrowth(linear, name: .depthMuP, seed: UInt64($0)) }.reduce(0, +) / 2
            let predicted = pow(1 + 1 / Double(L), Double(L))
            XCTAssertEqual(measured / predicted, 1, accuracy: 0.05, "linear α=½ L=\(L): measured \(measured), predicted \(predicted)")

            let relu = ModelConfig(width: n, depth: L, activation: .relu, baseWidth: n, baseDepth: 1)
            let c = (0.5 - 1 / (2 * Double.pi)) * Double(n - 1) / Double(n)
            let measuredRelu = (0..<2).map { streamGrowth(relu, name: .depthMuP, seed: UInt64($0)) }.reduce(0, +) / 2
            let predictedRelu = pow(1 + c / Double(L), Double(L))
            XCTAssertEqual(measuredRelu / predictedRelu, 1, accuracy: 0.10, "MS-relu L=\(L): measured \(measuredRelu), predicted \(predictedRelu)")
        }
        // α = 0 (sp in depth): 2^L.
        let sp = ModelConfig(width: n, depth: 4, activation: .identity, meanSubtraction: false, baseWidth: n, baseDepth: 1)
        let measured = (0..<2).map { streamGrowth(sp, name: .mup, seed: UInt64($0)) }.reduce(0, +) / 2
        XCTAssertEqual(measured / 16, 1, accuracy: 0.05, "linear α=0 L=4: measured \(measured), predicted 16")
    }

    /// |Δf| after one SGD step on one datapoint (linear blocks, MSE, frozen U and V).
    private func oneStepChange(alpha: Double, gamma: Double, depth: Int, eta: Double, seed: UInt64) -> Double {
        let n = 128, inputDim = 16
        let model = ModelConfig(width: n, depth: depth, activation: .identity, meanSubtraction: false, baseWidth: n, baseDepth: 1)
        let p = Parametrization(.custom(alpha: alpha, gamma: gamma), model: model)
        let mlp = ResidualMLP(config: model, inputDim: inputDim, classes: 1, branchScale: p.branchMultiplier(1), capacity: 1)
        var random = SeededRandom(seed: seed)
        mlp.initialize(p, random: &random)
        // NOTE: U, V and ξ come from a depth-independent stream, so only the W_l change with L
        // (removes readout-norm noise from the fitted slope).
        var fixed = SeededRandom(seed: 1000 + seed)
        for i in mlp.layout.inputRange { mlp.parameters[i] = Float(fixed.nextGaussian() / Double(inputDim).squareRoot()) }
        for i in mlp.layout.readoutRange { mlp.parameters[i] = Float(fixed.nextGaussian() / Double(n)) }
        let input = (0..<inputDim).map { _ in fixed.nextGaussianFloat() }
        let target: [Float] = [1]
        let labels: [Int32] = [0]
        return input.withUnsafeBufferPointer { xin -> Double in
            mlp.forward(xin.baseAddress!, batch: 1)
            let before = Double(mlp.logits[0])
            _ = Loss.evaluate(.mse, logits: mlp.logits, labels: labels, targets: target, dLogits: mlp.dLogits, batch: 1, classes: 1)
            mlp.backward(xin.baseAddress!, batch: 1, trainInput: false, trainReadout: false)
            let rate = Float(p.learningRate(.hidden, optimizer: .sgd, eta: eta))
            let sgd = SGD(groups: [ParameterGroup(range: mlp.layout.hiddenRange, learningRate: rate, epsilon: 0)], momentum: 0, parameterCount: mlp.layout.count)
            sgd.step(parameters: mlp.parameters.baseAddress!, gradients: mlp.gradients.baseAddress!)
            mlp.forward(xin.baseAddress!, batch: 1)
            return Swift.abs(Double(mlp.logits[0]) - before)
        }
    }

    /// Least-squares slope of log y against log x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let lx = x.map(log), ly = y.map(log)
        let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
        let covariance = zip(lx, ly).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let variance = lx.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        return covariance / variance
    }

    /// C2 (TP6 App. D): Δf ∝ L^(1−α−γ) after one SGD step with raw rate η·L^(α−γ).
    /// Sizes: n = 128, L ∈ {8, 16, 32, 64}, 2 seeds, η = 1e-3 (linear regime: halving η halves Δf
    /// within 5%). Pass: |slope − prediction| ≤ 0.15.
    func testC2OneStepExponents() {
        let depths = [8, 16, 32, 64]
        let cases: [(Double, Double, Double)] = [(0.5, 0.5, 0), (0.5, 0, 0.5), (1, 0, 0), (0.5, 1, -0.5)]
        for (alpha, gamma, predicted) in cases {
            let changes = depths.map { L in (0..<2).map { oneStepChange(alpha: alpha, gamma: gamma, depth: L, eta: 1e-3, seed: UInt64($0)) }.reduce(0, +) / 2 }
            let fitted = Self.slope(depths.map(Double.init), changes)
            XCTAssertEqual(fitted, predicted, accuracy: 0.15, "(α, γ) = (\(alpha), \(gamma)): Δf \(changes), slope \(fitted)")
        }
        let full = oneStepChange(alpha: 0.5, gamma: 0, depth: 32, eta: 1e-3, seed: 0)
        let half = oneStepChange(alpha: 0.5, gamma: 0, depth: 32, eta: 5e-4, seed: 0)
        XCTAssertEqual(full / half, 2, accuracy: 0.1, "Δf must be linear in η: \(full) vs \(half)")
    }
}
