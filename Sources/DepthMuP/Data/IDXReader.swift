/// Reader for the IDX format of MNIST and Fashion-MNIST (LeCun's `idx3-ubyte` images,
/// `idx1-ubyte` labels), gzip-compressed or not.
///
/// Header: big-endian UInt32 magic (0x00000803 images, 0x00000801 labels), then one big-endian
/// UInt32 per dimension (count, rows, columns), then the unsigned bytes row-major.
enum IDXReader {
    /// Decoded images: `pixels` is `[count, rows·columns]` bytes (0…255).
    struct Images: Sendable {
        var count: Int, rows: Int, columns: Int
        var pixels: [UInt8]
    }

    static let imageMagic: UInt32 = 0x0000_0803
    static let labelMagic: UInt32 = 0x0000_0801

    /// Reads an image file.
    ///
    /// - Throws: ``DepthMuPError`` naming `path`: missing file, wrong magic, truncated data.
    static func readImages(_ path: String) throws -> (images: Images, bytes: [UInt8]) {
        let bytes = try GzipFile.read(path)
        try checkHeader(bytes, path: path, magic: imageMagic, headerBytes: 16)
        let count = Int(word(bytes, 4)), rows = Int(word(bytes, 8)), columns = Int(word(bytes, 12))
        let expected = count * rows * columns
        if bytes.count - 16 < expected {
            throw DepthMuPError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count - 16)
        }
        return (Images(count: count, rows: rows, columns: columns, pixels: Array(bytes[16..<(16 + expected)])), bytes)
    }

    /// Reads a label file; returns labels as bytes.
    ///
    /// - Throws: ``DepthMuPError`` naming `path`: missing file, wrong magic, truncated data.
    static func readLabels(_ path: String) throws -> (labels: [UInt8], bytes: [UInt8]) {
        let bytes = try GzipFile.read(path)
        try checkHeader(bytes, path: path, magic: labelMagic, headerBytes: 8)
        let count = Int(word(bytes, 4))
        if bytes.count - 8 < count {
            throw DepthMuPError.truncated(path: path, expectedBytes: count, actualBytes: bytes.count - 8)
        }
        return (Array(bytes[8..<(8 + count)]), bytes)
    }

    private static func checkHeader(_ bytes: [UInt8], path: String, magic: UInt32, headerBytes: Int) throws {
        if bytes.count < 4 {
            throw DepthMuPError.truncated(path: path, expectedBytes: headerBytes, actualBytes: bytes.count)
        }
        let found = word(bytes, 0)
        if found != magic { throw DepthMuPError.wrongMagic(path: path, expected: magic, found: found) }
        if bytes.count < headerBytes {
            throw DepthMuPError.truncated(path: path, expectedBytes: headerBytes, actualBytes: bytes.count)
        }
    }

    /// Big-endian UInt32 at byte `offset`.
    static func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// Encodes an IDX file (for tests and fixtures): `dimensions` then `data`.
    static func encode(magic: UInt32, dimensions: [Int], data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [magic] + dimensions.map({ UInt32($0) }) {
            bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        return bytes + data
    }
}

/// FNV-1a 64-bit over 8-byte little-endian words (tail bytes singly), for data fingerprints.
struct Fingerprint {
    private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Mixes `bytes` in.
    mutating func combine(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            var h = state
            for i in 0..<words {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            }
            for i in (words * 8)..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3 }
            state = h
        }
    }

    /// Mixes Floats in by bit pattern.
    mutating func combine(_ values: [Float]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        combine(bytes)
    }

    /// 16 lowercase hex digits.
    var hex: String {
        let s = String(state, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
