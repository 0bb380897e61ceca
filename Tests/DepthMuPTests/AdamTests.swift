import XCTest
@testable import DepthMuP

/// Adam and SGD updates against their formulas computed in Double.
final class AdamTests: XCTestCase {
    func testAdamMatchesFormulaOverSeveralSteps() {
        // 21 elements: two SIMD8 blocks and a scalar tail; two groups with different rate and ε.
        let count = 21
        var random = SeededRandom(seed: 9)
        var weights = (0..<count).map { _ in random.nextGaussianFloat() }
        let groups = [ParameterGroup(range: 0..<13, learningRate: 0.01, epsilon: 1e-3), ParameterGroup(range: 13..<21, learningRate: 0.1, epsilon: 1e-8)]
        let adam = Adam(groups: groups, parameterCount: count)
        var w = weights.map(Double.init), m = [Double](repeating: 0, count: count), v = m
        for t in 1...3 {
            let gradients = (0..<count).map { _ in random.nextGaussianFloat() }
            weights.withUnsafeMutableBufferPointer { p in gradients.withUnsafeBufferPointer { adam.step(parameters: p.baseAddress!, gradients: $0.baseAddress!) } }
            for group in groups {
                for i in group.range {
                    let g = Double(gradients[i])
                    m[i] = 0.9 * m[i] + 0.1 * g
                    v[i] = 0.999 * v[i] + 0.001 * g * g
                    let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
                    w[i] -= Double(group.learningRate) * mHat / (vHat.squareRoot() + Double(group.epsilon))
                }
            }
        }
        let worst = zip(weights, w).map { abs(Double($0) - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5, "max |w_Float − w_Double| = \(worst)")
    }

    func testSGDWithMomentum() {
        var weights: [Float] = [1, 2, 3]
        let sgd = SGD(groups: [ParameterGroup(range: 0..<2, learningRate: 0.5, epsilon: 0)], momentum: 0.9, parameterCount: 3)
        let gradient: [Float] = [1, -1, 100]
        for _ in 0..<2 {
            weights.withUnsafeMutableBufferPointer { p in gradient.withUnsafeBufferPointer { sgd.step(parameters: p.baseAddress!, gradients: $0.baseAddress!) } }
        }
        // v1 = g, v2 = 1.9 g: w = w0 − 0.5 (1 + 1.9) g; element 2 is outside every group.
        XCTAssertEqual(weights[0], 1 - 1.45, accuracy: 1e-6)
        XCTAssertEqual(weights[1], 2 + 1.45, accuracy: 1e-6)
        XCTAssertEqual(weights[2], 3)
    }
}

/// The vectorizable square root used by Adam, against Double `sqrt`.
final class AdamSquareRootTests: XCTestCase {
    /// Normal x over 10^-36…10^36: within 1 ulp. Subnormal x (< 2^-126, i.e. |g| < 1e-19):
    /// the root is below 1e-18 in absolute terms, negligible next to any Adam ε used here.
    func testWithinOneUlpOverManyDecades() {
        XCTAssertEqual(Kernels.squareRoot(0), 0)
        var random = SeededRandom(seed: 11)
        var worst: Float = 0
        for _ in 0..<20_000 {
            let x = Float(pow(10, random.nextUniform() * 72 - 36))
            let exact = Float(Double(x).squareRoot())
            worst = max(worst, abs(Kernels.squareRoot(x) - exact) / exact.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 1, "max error \(worst) ulp")
        for x in [Float.leastNormalMagnitude / 8, Float.leastNormalMagnitude / 4096, Float.leastNonzeroMagnitude] {
            XCTAssertLessThan(abs(Kernels.squareRoot(x) - Float(Double(x).squareRoot())), 1e-18, "subnormal \(x)")
        }
    }
}
