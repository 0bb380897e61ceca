#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The training loss (depth-mup.md §0).
public enum LossKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// Softmax cross-entropy in nats, averaged over the batch.
    case crossEntropy = "cross-entropy"
    /// Mean squared error `(1/(B·c)) Σ (f − y)²` over batch and outputs.
    case mse
}

/// Loss values and gradients with respect to the logits.
enum Loss {
    /// Returns the mean loss over the batch and overwrites `dLogits` `[batch, classes]` with
    /// ∂loss/∂logits.
    ///
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: `[batch]` class indices (cross-entropy).
    ///   - targets: `[batch, classes]` regression targets (MSE).
    /// Cross-entropy is computed with the max subtracted (log-sum-exp), in nats; a NaN logit
    /// yields a NaN loss, which the trainer reports as divergence.
    static func evaluate(
        _ kind: LossKind, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, targets: UnsafePointer<Float>?,
        dLogits: UnsafeMutablePointer<Float>?, batch: Int, classes: Int
    ) -> Double {
        var total = 0.0
        switch kind {
        case .crossEntropy:
            let inverseBatch = 1 / Float(batch)
            for b in 0..<batch {
                let row = logits + b * classes
                var maximum = row[0]
                for i in 1..<classes { maximum = max(maximum, row[i]) }
                var sum: Float = 0
                for i in 0..<classes { sum += expf(row[i] - maximum) }
                let label = Int(labels[b])
                let logSum = logf(sum)
                total += Double(logSum + maximum - row[label])
                if let dLogits {
                    let d = dLogits + b * classes
                    for i in 0..<classes { d[i] = expf(row[i] - maximum) / sum * inverseBatch }
                    d[label] -= inverseBatch
                }
            }
            return total / Double(batch)
        case .mse:
            guard let targets else { preconditionFailure("Loss.evaluate: MSE needs targets") }
            let count = batch * classes
            let scale = 2 / Float(count)
            for i in 0..<count {
                let d = logits[i] - targets[i]
                total += Double(d * d)
                dLogits?[i] = scale * d
            }
            return total / Double(count)
        }
    }
}
