import CZlib
import Foundation

/// Streaming gzip reading and whole-file writing through zlib's `gzopen`/`gzread`/`gzwrite`: the only
/// file that imports CZlib.
///
/// `gzread` also reads uncompressed files transparently, so plain `*-ubyte` files work too.
enum GzipFile {
    /// A regular file opened for sequential decompressed reading.
    final class Reader {
        let path: String
        private let file: gzFile

        /// Opens `path` after checking it is a regular file (following symlinks): a FIFO would
        /// block, `/dev/zero` never ends, a directory is no data.
        ///
        /// - Throws: ``DepthMuPError`` naming the path and what it is instead.
        init(_ path: String) throws {
            self.path = path
            var info = stat()
            if stat(path, &info) != 0 {
                if errno == ELOOP { throw DepthMuPError.malformed(path: path, reason: "is a symlink loop; fix the link") }
                throw DepthMuPError.fileNotFound(path: path)
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw DepthMuPError.malformed(path: path, reason: "is a directory, not an IDX file; name the file inside it")
            case S_IFIFO: throw DepthMuPError.malformed(path: path, reason: "is a named pipe, not an IDX file; data must be a regular file")
            default: throw DepthMuPError.malformed(path: path, reason: "is a device, not an IDX file; data must be a regular file")
            }
            guard let file = gzopen(path, "rb") else { throw DepthMuPError.fileNotFound(path: path) }
            self.file = file
        }

        deinit { gzclose(file) }

        /// Up to `count` more bytes (fewer at the end of the file).
        func read(_ count: Int) throws -> [UInt8] {
            var bytes: [UInt8] = []
            let chunk = 1 << 20
            var buffer = [UInt8](repeating: 0, count: chunk)
            while bytes.count < count {
                let want = min(chunk, count - bytes.count)
                let got = try next(&buffer, want)
                if got == 0 { break }
                bytes.append(contentsOf: buffer[0..<got])
            }
            return bytes
        }

        /// Skips up to `count` bytes; returns how many there were.
        func skip(_ count: Int) throws -> Int {
            var skipped = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while skipped < count {
                let got = try next(&buffer, min(buffer.count, count - skipped))
                if got == 0 { break }
                skipped += got
            }
            return skipped
        }

        private func next(_ buffer: inout [UInt8], _ want: Int) throws -> Int {
            let read = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(want)) }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
                throw DepthMuPError.malformed(path: path, reason: "corrupt gzip data (\(message)); re-download the file")
            }
            return Int(read)
        }
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
