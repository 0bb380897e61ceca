import CZlib

/// Whole-file gzip reading and writing through zlib's `gzopen`/`gzread`/`gzwrite`: the only
/// file that imports CZlib.
///
/// `gzread` also reads uncompressed files transparently, so plain `*-ubyte` files work too.
enum GzipFile {
    /// Returns the decompressed bytes of `path`.
    ///
    /// - Throws: ``DepthMuPError/fileNotFound(path:)`` when the file cannot be opened,
    ///   ``DepthMuPError/malformed(path:reason:)`` when zlib reports corrupt data.
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw DepthMuPError.fileNotFound(path: path) }
        defer { gzclose(file) }
        var bytes: [UInt8] = []
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let read = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
                throw DepthMuPError.malformed(path: path, reason: "corrupt gzip data (\(message)); re-download the file")
            }
            if read == 0 { break }
            bytes.append(contentsOf: buffer[0..<Int(read)])
        }
        return bytes
    }

    /// Writes `bytes` gzip-compressed to `path` (used by tests to build small IDX fixtures).
    ///
    /// - Throws: ``DepthMuPError/fileNotFound(path:)`` when the file cannot be created.
    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = gzopen(path, "wb") else { throw DepthMuPError.fileNotFound(path: path) }
        defer { gzclose(file) }
        if bytes.isEmpty { return }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        if written != Int32(bytes.count) { throw DepthMuPError.malformed(path: path, reason: "gzwrite wrote \(written) of \(bytes.count) bytes") }
    }
}
