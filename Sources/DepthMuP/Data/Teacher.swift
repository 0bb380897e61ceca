#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The synthetic teacher task: ξ ~ N(0, I_d) labelled by a fixed random two-layer tanh network
/// `t(ξ) = A tanh(B ξ)`, B `[64, d]` with N(0, 1/d) entries and A `[c, 64]` with N(0, 3/64)
/// entries (logit scale ≈ 1, so classes are balanced but not trivially separable).
///
/// Labels are `argmax t(ξ)`; MSE targets are `t(ξ)` itself. Teacher weights come from stream 1
/// of the seed, training inputs from stream 2, test inputs from stream 3, so the training set does
/// not depend on the test size.
enum Teacher {
    static let hidden = 64

    /// Generated data: inputs `[count, d]`, labels `[count]`, targets `[count, c]`.
    struct Split {
        var inputs: [Float], labels: [Int32], targets: [Float]
    }

    /// Draws the teacher and both splits; `fingerprint` mixes the teacher's weights.
    static func generate(inputDim: Int, classes: Int, seed: UInt64, trainCount: Int, testCount: Int) -> (train: Split, test: Split, fingerprint: String) {
        var weightsRandom = SeededRandom(seed: seed, stream: 1)
        let first = (0..<(hidden * inputDim)).map { _ in Float(weightsRandom.nextGaussian() / Double(inputDim).squareRoot()) }
        let second = (0..<(classes * hidden)).map { _ in Float(weightsRandom.nextGaussian() * (3.0 / Double(hidden)).squareRoot()) }
        func split(count: Int, stream: UInt64) -> Split {
            var random = SeededRandom(seed: seed, stream: stream)
            var inputs = [Float](repeating: 0, count: count * inputDim)
            var labels = [Int32](repeating: 0, count: count)
            var targets = [Float](repeating: 0, count: count * classes)
            var hiddenValues = [Float](repeating: 0, count: hidden)
            for e in 0..<count {
                for i in 0..<inputDim { inputs[e * inputDim + i] = random.nextGaussianFloat() }
                for h in 0..<hidden {
                    var sum: Float = 0
                    for i in 0..<inputDim { sum += first[h * inputDim + i] * inputs[e * inputDim + i] }
                    hiddenValues[h] = tanhf(sum)
                }
                var best = 0
                for c in 0..<classes {
                    var sum: Float = 0
                    for h in 0..<hidden { sum += second[c * hidden + h] * hiddenValues[h] }
                    targets[e * classes + c] = sum
                    if sum > targets[e * classes + best] { best = c }
                }
                labels[e] = Int32(best)
            }
            return Split(inputs: inputs, labels: labels, targets: targets)
        }
        var fingerprint = Fingerprint()
        fingerprint.combine(first)
        fingerprint.combine(second)
        return (split(count: trainCount, stream: 2), split(count: testCount, stream: 3), fingerprint.hex)
    }
}
