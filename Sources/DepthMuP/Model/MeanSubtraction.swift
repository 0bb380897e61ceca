/// MS(z) = z − mean_i(z_i)·1 per example over the width (TP6 §3, "MS"), and LayerNorm without
/// affine parameters for the pre-LN variant (TP6 §6.3).
enum MeanSubtraction {
    /// Subtracts each row's mean (``Kernels/sum(_:count:)`` · (1/width)) in place. `values` is
    /// `[rows, width]`, overwritten (the C kernel ``Kernels/meanSubtract(_:rows:width:)``).
    ///
    /// MS is an orthogonal projection, so its backward pass is the same operation applied to the
    /// gradient.
    static func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        Kernels.active.meanSubtract(values, rows: rows, width: width)
    }
}

/// Per-example LayerNorm without gain or bias: `y = (x − μ)/√(σ² + 1e-5)` over the width.
enum LayerNorm {
    /// Stabilizer added to the variance (PyTorch's default).
    static let epsilon: Float = 1e-5

    /// Overwrites `output` `[rows, width]` with LN(`input`) and `inverseStd` `[rows]` with 1/√(σ²+ε).
    static func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let inverseWidth = 1 / Float(width)
        for r in 0..<rows {
            let x = input + r * width
            let y = output + r * width
            var sum: Float = 0
            for i in 0..<width { sum += x[i] }
            let mean = sum * inverseWidth
            var squares: Float = 0
            for i in 0..<width {
                let d = x[i] - mean
                squares += d * d
            }
            let rstd = 1 / (squares * inverseWidth + epsilon).squareRoot()
            inverseStd[r] = rstd
            for i in 0..<width { y[i] = (x[i] - mean) * rstd }
        }
    }

    /// Accumulates `dInput += rstd · (dOutput − mean(dOutput) − y · mean(dOutput · y))` per row.
    ///
    /// Shapes: `output` (the normalized y), `dOutput`, `dInput` are `[rows, width]`; `dInput` is `+=`.
    static func backward(output: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let inverseWidth = 1 / Float(width)
        for r in 0..<rows {
            let y = output + r * width
            let dy = dOutput + r * width
            let dx = dInput + r * width
            var meanDy: Float = 0
            var meanDyY: Float = 0
            for i in 0..<width {
                meanDy += dy[i]
                meanDyY += dy[i] * y[i]
            }
            meanDy *= inverseWidth
            meanDyY *= inverseWidth
            let rstd = inverseStd[r]
            for i in 0..<width { dx[i] += rstd * (dy[i] - meanDy - y[i] * meanDyY) }
        }
    }
}
