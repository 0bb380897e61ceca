import Foundation
@testable import DepthMuP

/// A Double re-implementation of the residual MLP's forward pass and loss, written from
/// depth-mup.md §0 independently of the Float kernels: the finite-difference oracle.
struct ReferenceModel {
    let config: ModelConfig
    let layout: ParameterLayout
    let branchScale: Double

    func phi(_ x: Double) -> Double {
        switch config.activation {
        case .relu: return max(x, 0)
        case .abs: return Swift.abs(x)
        case .tanh: return Foundation.tanh(x)
        case .identity: return x
        case .gelu:
            // Same tanh approximation as the engine, in Double.
            let c = Double(Activation.geluC), a = Double(Activation.geluA)
            return 0.5 * x * (1 + Foundation.tanh(c * (x + a * x * x * x)))
        }
    }

    /// y = x Wᵀ with W `[outputs, inputs]`.
    func linear(_ x: [Double], _ p: [Double], _ range: Range<Int>, rows: Int, inputs: Int, outputs: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var s = 0.0
                for i in 0..<inputs { s += x[r * inputs + i] * p[range.lowerBound + o * inputs + i] }
                y[r * outputs + o] = s
            }
        }
        return y
    }

    func meanSubtract(_ v: [Double], rows: Int, width: Int) -> [Double] {
        var out = v
        for r in 0..<rows {
            let mean = v[(r * width)..<((r + 1) * width)].reduce(0, +) / Double(width)
            for i in 0..<width { out[r * width + i] -= mean }
        }
        return out
    }

    func layerNorm(_ v: [Double], rows: Int, width: Int) -> [Double] {
        var out = v
        for r in 0..<rows {
            let row = v[(r * width)..<((r + 1) * width)]
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for i in 0..<width { out[r * width + i] = (v[r * width + i] - mean) / (variance + Double(LayerNorm.epsilon)).squareRoot() }
        }
        return out
    }

    /// Returns the per-block streams x_0…x_L and the logits.
    func forward(_ p: [Double], input: [Double], rows: Int) -> (stream: [[Double]], logits: [Double]) {
        let n = config.width
        var x = linear(input, p, layout.inputRange, rows: rows, inputs: layout.inputDim, outputs: n)
        var stream = [x]
        for l in 0..<config.depth {
            var u = config.preLN ? layerNorm(x, rows: rows, width: n) : x
            for j in 0..<config.blockDepth {
                u = linear(u, p, layout.hiddenRange(block: l, matrix: j), rows: rows, inputs: n, outputs: n).map(phi)
            }
            if config.usesMeanSubtraction { u = meanSubtract(u, rows: rows, width: n) }
            x = zip(x, u).map { $0 + branchScale * $1 }
            stream.append(x)
        }
        return (stream, linear(x, p, layout.readoutRange, rows: rows, inputs: n, outputs: layout.classes))
    }

    /// Mean loss (cross-entropy in nats, or MSE over batch and outputs).
    func loss(_ p: [Double], input: [Double], labels: [Int32], targets: [Double], rows: Int, kind: LossKind) -> Double {
        let f = forward(p, input: input, rows: rows).logits
        let c = layout.classes
        switch kind {
        case .crossEntropy:
            var total = 0.0
            for r in 0..<rows {
                let row = Array(f[(r * c)..<((r + 1) * c)])
                let m = row.max()!
                let logSum = log(row.map { exp($0 - m) }.reduce(0, +)) + m
                total += logSum - row[Int(labels[r])]
            }
            return total / Double(rows)
        case .mse:
            return zip(f, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(rows * c)
        }
    }
}
