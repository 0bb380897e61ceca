/// Tight loops over raw Float buffers, written so the optimizer vectorizes them (no bounds
/// checks in release: DepthMuP builds with `-Ounchecked`). The hot ones (sum, residual add,
/// Adam, activations, the fused branch) are C kernels: ``Kernels``.
///
/// Every function takes `count` in elements (not bytes). None allocates.
enum Elementwise {
    /// `y[i] += scale · x[i]` for `i < count` (BLAS `saxpy` semantics).
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, count: Int) {
        for i in 0..<count { y[i] += scale * x[i] }
    }

    /// `y[i] += x[i]` for `i < count`.
    @inline(__always)
    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// Overwrites `y[0..<count]` with zeros.
    @inline(__always)
    static func zero(_ y: UnsafeMutablePointer<Float>, count: Int) {
        y.update(repeating: 0, count: count)
    }

    /// `Σ x[i]²` accumulated in Double (for RMS and Frobenius norms in measurements).
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var chunk: Float = 0
        // NOTE: Float partial sums over blocks of 256 vectorize; Double totals keep precision.
        var i = 0
        while i < count {
            let end = min(count, i + 256)
            chunk = 0
            for j in i..<end { chunk += x[j] * x[j] }
            total += Double(chunk)
            i = end
        }
        return total
    }

    /// `Σ (x[i] − y[i])²` accumulated in Double.
    static func sumOfSquaredDifferences(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        for i in 0..<count {
            let d = Double(x[i]) - Double(y[i])
            total += d * d
        }
        return total
    }
}
