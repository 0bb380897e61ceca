#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's documented deterministic generator: xoshiro256** (Blackman & Vigna 2018)
/// seeded through SplitMix64, with Box–Muller Gaussians.
///
/// The same seed gives the same stream on every platform and thread count; nothing depends on
/// the system generator. Streams for different purposes (initialization, batch order, teacher)
/// come from `SeededRandom(seed:stream:)`, which mixes the stream id into the seed.
public struct SeededRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareGaussian: Double?

    /// Seeds the four state words with SplitMix64 outputs of `seed ^ stream·φ64`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var state = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15)
        func splitMix() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    @inline(__always) private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in `0..<bound` (multiply-shift; bias < 2^-32 for the sizes used here).
    mutating func nextInt(below bound: Int) -> Int {
        Int((UInt64(bound).multipliedFullWidth(by: next())).high)
    }

    /// A standard normal sample (Box–Muller in Double; the second value is cached).
    mutating func nextGaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        // 1 − U keeps the logarithm's argument in (0, 1].
        let u1 = 1 - nextUniform(), u2 = nextUniform()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareGaussian = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A standard normal sample rounded to Float.
    mutating func nextGaussianFloat() -> Float { Float(nextGaussian()) }
}
