/// Tight loops over raw Float buffers, written so the optimizer vectorizes them (no bounds
/// checks in release: DepthMuP builds with `-Ounchecked`).
///
/// Every function takes `count` in elements (not bytes). None allocates.
enum Elementwise {
    /// `y[i] += scale · x[i]` for `i < count` (BLAS `saxpy` semantics).
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, count: Int) {
        for i in 0..<count { y[i] += scale * x[i] }
    }

    /// Overwrites `y[i] = x[i] + scale · y[i]` (the residual update x_l = x_{l−1} + c·branch).
    ///
    /// NOTE: explicit SIMD8, as LLVM left the plain loop scalar (possible aliasing of x and y).
    @inline(__always)
    static func residualAdd(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, count: Int) {
        var i = 0
        let c = SIMD8<Float>(repeating: scale)
        while i + 8 <= count {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: xv + c * yv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] = x[i] + scale * y[i]
            i += 1
        }
    }

    /// `Σ x[i]` with eight SIMD partial sums combined at the end (a fixed order, so results are
    /// deterministic; a strict left-to-right Float sum would not vectorize).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var partial = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            partial += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = partial.sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
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
