import XCTest
@testable import DepthMuP

/// The C kernels (both variants: baseline and, where the CPU has it, AVX2) give the bits of the
/// Swift loops they replaced, kept here as the oracle (issue 14: no number may change).
final class KernelsTests: XCTestCase {
    /// Every variant this machine runs, named.
    static var variants: [(String, Kernels)] {
        [("baseline", Kernels.baseline)] + (Kernels.avx2.map { [("avx2", $0)] } ?? [])
    }

    /// Lengths that cover empty input, tails only, whole blocks of 8 and blocks plus a tail.
    static let counts = [0, 1, 7, 8, 9, 16, 21, 128, 389]

    /// Gaussian values with the special ones mixed in: ±0, ±∞, NaN, subnormals, exact kinks.
    static func values(_ count: Int, seed: UInt64, specials: Bool = true) -> [Float] {
        var random = SeededRandom(seed: seed, stream: 0)
        let special: [Float] = [0, -0, .infinity, -.infinity, .nan, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude / 3, 1e30, -1e-30]
        return (0..<count).map { i in
            specials && i % 5 == 2 ? special[(i / 5) % special.count] : random.nextGaussianFloat()
        }
    }

    /// The bits, with every NaN as one value: neither LLVM (which commutes `a + b`) nor IEEE 754
    /// fixes which NaN's sign and payload an operation on two NaNs returns, and no result shows
    /// them (a NaN loss is a divergence). Every other value, ±0 included, must match bit for bit.
    static func bits(_ x: [Float]) -> [UInt32] { x.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }

    func testSumKeepsTheLaneOrder() {
        for (name, kernels) in Self.variants {
            for count in Self.counts {
                for specials in [false, true] {
                    let x = Self.values(count, seed: UInt64(count), specials: specials)
                    XCTAssertEqual(Self.bits([kernels.sum(x, count: count)]), Self.bits([Oracle.sum(x, count: count)]), "\(name) count \(count)")
                }
            }
        }
        // The order is the lanes' one, not left to right: 1e8 + 1 − 1e8 loses the 1 in lane order only.
        var x = [Float](repeating: 0, count: 16)
        x[0] = 1e8; x[8] = 1; x[1] = -1e8
        XCTAssertEqual(Kernels.active.sum(x, count: 16), 0)
        XCTAssertEqual(Oracle.sum(x, count: 16), 0)
    }

    func testAdamEqualsTheSwiftLoop() {
        for (name, kernels) in Self.variants {
            for count in Self.counts {
                var w = Self.values(count, seed: 1, specials: false), m = Self.values(count, seed: 2, specials: false)
                var v = Self.values(count, seed: 3, specials: false).map { $0 * $0 }
                let g = Self.values(count, seed: 4)
                var w2 = w, m2 = m, v2 = v
                for _ in 0..<3 {
                    kernels.adamUpdate(&w, g, &m, &v, count: count, b1: 0.9, b2: 0.999, c1: 0.1, c2: 0.001, rate: 0.013, epsilon: 1e-8, inverseCorrection2: 3.7)
                    Oracle.adam(&w2, g, &m2, &v2, count: count, b1: 0.9, b2: 0.999, c1: 0.1, c2: 0.001, rate: 0.013, epsilon: 1e-8, inverseCorrection2: 3.7)
                }
                XCTAssertEqual(Self.bits(w), Self.bits(w2), "\(name) w, count \(count)")
                XCTAssertEqual(Self.bits(m), Self.bits(m2), "\(name) m, count \(count)")
                XCTAssertEqual(Self.bits(v), Self.bits(v2), "\(name) v, count \(count)")
            }
        }
    }

    func testSquareRootEqualsTheSwiftForm() {
        var random = SeededRandom(seed: 5, stream: 0)
        for _ in 0..<5_000 {
            let x = Float(pow(10, random.nextUniform() * 72 - 36))
            XCTAssertEqual(Kernels.squareRoot(x).bitPattern, Oracle.squareRoot(x).bitPattern, "\(x)")
        }
        XCTAssertEqual(Kernels.squareRoot(0).bitPattern, Oracle.squareRoot(0).bitPattern)
    }

    func testElementwiseKernelsEqualTheSwiftLoops() {
        for (name, kernels) in Self.variants {
            for count in Self.counts {
                let h = Self.values(count, seed: 6), x = Self.values(count, seed: 7)
                for kind in [Kernels.Kind.relu, .abs] {
                    var out = [Float](repeating: 1, count: count)
                    kernels.forward(kind, h, &out, count: count)
                    XCTAssertEqual(Self.bits(out), Self.bits(Oracle.forward(kind, h)), "\(name) \(kind) forward, count \(count)")
                    var g = x, g2 = x
                    kernels.multiplyDerivative(kind, h, &g, count: count)
                    Oracle.multiplyDerivative(kind, h, &g2, count: count)
                    XCTAssertEqual(Self.bits(g), Self.bits(g2), "\(name) \(kind) derivative, count \(count)")
                }
                var y = h, y2 = h
                kernels.residualAdd(&y, x, scale: 0.37, count: count)
                for i in 0..<count { y2[i] = x[i] + 0.37 * y2[i] }
                XCTAssertEqual(Self.bits(y), Self.bits(y2), "\(name) residual add, count \(count)")
            }
            for (rows, width) in [(3, 16), (5, 12), (1, 389), (4, 128)] {
                var values = Self.values(rows * width, seed: 8), expected = values
                kernels.meanSubtract(&values, rows: rows, width: width)
                Oracle.meanSubtract(&expected, rows: rows, width: width)
                XCTAssertEqual(Self.bits(values), Self.bits(expected), "\(name) mean subtraction \(rows)×\(width)")
            }
        }
    }

    func testFusedBranchEqualsTheSwiftLoops() {
        for (name, kernels) in Self.variants {
            for (rows, width) in [(64, 128), (3, 16), (2, 8)] {
                let count = rows * width
                let h = Self.values(count, seed: 9), previous = Self.values(count, seed: 10), dNext = Self.values(count, seed: 11)
                for kind in [Kernels.Kind.relu, .abs] {
                    var next = [Float](repeating: 0, count: count), dPre = next
                    kernels.branchForward(kind, h: h, previous: previous, next: &next, rows: rows, width: width, scale: 0.37)
                    kernels.branchBackward(kind, h: h, dNext: dNext, dPre: &dPre, rows: rows, width: width, scale: 0.37)
                    XCTAssertEqual(Self.bits(next), Self.bits(Oracle.branchForward(kind, h, previous, rows: rows, width: width, scale: 0.37)),
                                   "\(name) \(kind) forward \(rows)×\(width)")
                    XCTAssertEqual(Self.bits(dPre), Self.bits(Oracle.branchBackward(kind, h, dNext, rows: rows, width: width, scale: 0.37)),
                                   "\(name) \(kind) backward \(rows)×\(width)")
                }
            }
        }
    }

    /// On an x86-64 CPU with AVX2 the engine runs the AVX2 variant (unless DEPTHBOOK_KERNELS=baseline).
    func testActiveVariantIsTheFastestTheCPURuns() {
        if Kernels.avx2 != nil && ProcessInfo.processInfo.environment["DEPTHBOOK_KERNELS"] != "baseline" {
            XCTAssertEqual(Kernels.activeName, "avx2")
        } else {
            XCTAssertEqual(Kernels.activeName, "baseline")
        }
    }
}

/// The Swift loops the C kernels replaced (engine 1.3.0), verbatim but for names: the oracle.
enum Oracle {
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

    static func squareRoot(_ x: Float) -> Float {
        var y = Float(bitPattern: 0x5F37_59DF &- (x.bitPattern >> 1))
        let half = 0.5 * x
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        let root = x * y
        return root + 0.5 * y * (x - root * root)
    }

    static func adam(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                     count: Int, b1: Float, b2: Float, c1: Float, c2: Float, rate: Float, epsilon: Float, inverseCorrection2: Float) {
        for i in 0..<count {
            let gi = g[i]
            let mi = b1 * m[i] + c1 * gi
            let vi = b2 * v[i] + c2 * gi * gi
            m[i] = mi
            v[i] = vi
            w[i] -= rate * mi / (squareRoot(vi * inverseCorrection2) + epsilon)
        }
    }

    static func forward(_ kind: Kernels.Kind, _ input: [Float]) -> [Float] {
        switch kind {
        case .relu: return input.map { max($0, 0) }
        case .abs: return input.map { Swift.abs($0) }
        }
    }

    static func multiplyDerivative(_ kind: Kernels.Kind, _ preActivation: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let h = UnsafeRawPointer(preActivation + i).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD8<Float>.self)
            // NOTE: SIMD negation is `0 - g` (+0 for g = +0), the tail's `-g` flips the sign bit.
            let result = kind == .relu ? g.replacing(with: 0, where: h .<= 0) : g.replacing(with: -g, where: h .<= 0)
            UnsafeMutableRawPointer(gradient + i).storeBytes(of: result, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            if !(preActivation[i] > 0) { gradient[i] = kind == .relu ? 0 : -gradient[i] }
            i += 1
        }
    }

    static func meanSubtract(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let inverse = 1 / Float(width)
        for r in 0..<rows {
            let row = values + r * width
            let mean = sum(row, count: width) * inverse
            for i in 0..<width { row[i] -= mean }
        }
    }

    static func branchForward(_ kind: Kernels.Kind, _ preActivation: [Float], _ previous: [Float], rows: Int, width: Int, scale: Float) -> [Float] {
        var y = forward(kind, preActivation)
        let inverse = 1 / Float(width)
        let c = SIMD8<Float>(repeating: scale)
        y.withUnsafeMutableBufferPointer { yb in
            previous.withUnsafeBufferPointer { xb in
                for r in 0..<rows {
                    let x = xb.baseAddress! + r * width, y = yb.baseAddress! + r * width
                    let mean = sum(y, count: width) * inverse
                    let m = SIMD8<Float>(repeating: mean)
                    var i = 0
                    while i + 8 <= width {
                        let centred = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self) - m
                        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(y + i).storeBytes(of: xv + c * centred, as: SIMD8<Float>.self)
                        i += 8
                    }
                }
            }
        }
        return y
    }

    static func branchBackward(_ kind: Kernels.Kind, _ preActivation: [Float], _ dNext: [Float], rows: Int, width: Int, scale: Float) -> [Float] {
        var dh = dNext.map { scale * $0 }
        let inverse = 1 / Float(width)
        dh.withUnsafeMutableBufferPointer { db in
            preActivation.withUnsafeBufferPointer { hb in
                for r in 0..<rows {
                    let h = hb.baseAddress! + r * width, dh = db.baseAddress! + r * width
                    let mean = sum(dh, count: width) * inverse
                    let m = SIMD8<Float>(repeating: mean)
                    var i = 0
                    while i + 8 <= width {
                        let hv = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD8<Float>.self)
                        let g = UnsafeRawPointer(dh + i).loadUnaligned(as: SIMD8<Float>.self) - m
                        let masked = kind == .relu ? g.replacing(with: 0, where: hv .<= 0) : g.replacing(with: -g, where: hv .<= 0)
                        UnsafeMutableRawPointer(dh + i).storeBytes(of: masked, as: SIMD8<Float>.self)
                        i += 8
                    }
                }
            }
        }
        return dh
    }
}
