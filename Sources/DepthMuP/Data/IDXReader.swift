import Foundation

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

    /// An IDX file's header, checked: the magic matched and the data size fits memory.
    struct Header {
        /// `[count, rows, columns]` for images, `[count]` for labels.
        var dimensions: [Int]
        /// Bytes after the header that the dimensions promise.
        var dataBytes: Int
        var headerBytes: Int
    }

    /// Opens `path` and reads and checks its header, before anything proportional to the data
    /// is allocated: the promised size must not overflow, must fit ``MemoryBudget``, and must be
    /// possible for the file's length (a plain file holds at least that many bytes; gzip inflates
    /// at most 1032 to 1).
    ///
    /// - Throws: ``DepthMuPError`` naming `path`: not a regular file, wrong magic, truncated or
    ///   impossible header.
    static func open(_ path: String, magic: UInt32) throws -> (GzipFile.Reader, Header) {
        let file = try GzipFile.Reader(path)
        let dimensionCount = magic == imageMagic ? 3 : 1
        let headerBytes = 4 + 4 * dimensionCount
        let head = try file.read(headerBytes)
        try checkHeader(head, path: path, magic: magic, headerBytes: headerBytes)
        let dimensions = (0..<dimensionCount).map { Int(word(head, 4 + 4 * $0)) }
        var dataBytes = 1
        for dimension in dimensions {
            let (product, overflow) = dataBytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw DepthMuPError.malformed(path: path, reason: "header promises \(dimensions.map(String.init).joined(separator: "×")) bytes, more than any file holds; is this an IDX file?")
            }
            dataBytes = product
        }
        var info = stat()
        if stat(path, &info) == 0 {
            let length = Int(info.st_size)
            let compressed = head.count == headerBytes && length > 2 && isGzip(path)
            let possible = compressed ? length.multipliedReportingOverflow(by: 1032).partialValue : length - headerBytes
            if dataBytes > possible, compressed {
                throw DepthMuPError.malformed(path: path, reason: "header promises \(dataBytes) data bytes, more than this \(length)-byte gzip file can hold; is this the right IDX file?")
            }
            if dataBytes > possible {
                throw DepthMuPError.truncated(path: path, expectedBytes: dataBytes, actualBytes: max(possible, 0))
            }
        }
        try MemoryBudget.check(bytes: Double(dataBytes), what: "\(path) (\(dimensions.map(String.init).joined(separator: "×")) bytes)",
                               hint: "is this the right IDX file?")
        return (file, Header(dimensions: dimensions, dataBytes: dataBytes, headerBytes: headerBytes))
    }

    /// Whether `path` starts with the gzip magic bytes 1f 8b.
    private static func isGzip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 2)) ?? Data()
        return magic == Data([0x1F, 0x8B])
    }

    /// Reads `header.dataBytes` after the header, at most that many.
    ///
    /// - Throws: ``DepthMuPError/truncated(path:expectedBytes:actualBytes:)`` when the file ends early.
    private static func readData(_ file: GzipFile.Reader, _ header: Header) throws -> [UInt8] {
        let data = try file.read(header.dataBytes)
        if data.count < header.dataBytes {
            throw DepthMuPError.truncated(path: file.path, expectedBytes: header.dataBytes, actualBytes: data.count)
        }
        return data
    }

    /// Checks an image/label pair without keeping the data (constant memory): headers, lengths
    /// and that both files hold the same number of examples. `check` runs this; loading does
    /// the same checks as it reads.
    ///
    /// - Returns: the number of examples.
    /// - Throws: ``DepthMuPError`` naming the offending file.
    static func validate(images: String, labels: String) throws -> Int {
        var counts: [Int] = []
        for (path, magic) in [(images, imageMagic), (labels, labelMagic)] {
            let (file, header) = try open(path, magic: magic)
            let present = try file.skip(header.dataBytes)
            if present < header.dataBytes {
                throw DepthMuPError.truncated(path: path, expectedBytes: header.dataBytes, actualBytes: present)
            }
            counts.append(header.dimensions[0])
        }
        if counts[0] != counts[1] {
            throw DepthMuPError.malformed(path: labels, reason: "holds \(counts[1]) labels but \(images) holds \(counts[0]) images; pass the label file that belongs to these images")
        }
        return counts[0]
    }

    /// The shape of an image/label pair from its headers, and its classes from one streaming
    /// pass over the labels (1 MiB at a time): what a FLOP estimate needs, without the data.
    static func shape(images: String, labels: String) throws -> (inputDim: Int, classes: Int) {
        let (_, imageHeader) = try open(images, magic: imageMagic)
        let (file, labelHeader) = try open(labels, magic: labelMagic)
        var maximum: UInt8 = 0
        var remaining = labelHeader.dataBytes
        while remaining > 0 {
            let chunk = try file.read(min(remaining, 1 << 20))
            if chunk.isEmpty { break }
            maximum = max(maximum, chunk.max() ?? 0)
            remaining -= chunk.count
        }
        return (imageHeader.dimensions[1] * imageHeader.dimensions[2], max(Int(maximum) + 1, 2))
    }

    /// Reads an image file.
    ///
    /// - Throws: ``DepthMuPError`` naming `path`: missing file, wrong magic, truncated data.
    static func readImages(_ path: String) throws -> (images: Images, bytes: [UInt8]) {
        let (file, header) = try open(path, magic: imageMagic)
        let pixels = try readData(file, header)
        let bytes = encode(magic: imageMagic, dimensions: header.dimensions, data: [])
        let d = header.dimensions
        return (Images(count: d[0], rows: d[1], columns: d[2], pixels: pixels), bytes + pixels)
    }

    /// Reads a label file; returns labels as bytes.
    ///
    /// - Throws: ``DepthMuPError`` naming `path`: missing file, wrong magic, truncated data.
    static func readLabels(_ path: String) throws -> (labels: [UInt8], bytes: [UInt8]) {
        let (file, header) = try open(path, magic: labelMagic)
        let labels = try readData(file, header)
        return (labels, encode(magic: labelMagic, dimensions: header.dimensions, data: []) + labels)
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
