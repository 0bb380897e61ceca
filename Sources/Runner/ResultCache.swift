import Foundation
import DepthMuP
import Notebook

/// The on-disk cache of point results, `.depthbook/cache/<notebook>/` beside the notebook.
///
/// One entry per canonical point spec: the file `<sha256(spec)>.json` holds the spec, the engine
/// version, the data fingerprint, the result, `key` = SHA-256 of all three inputs and a checksum
/// of the result. A lookup
/// hits only when all three match, so the effective key is (spec, engine version, data
/// fingerprint), and a miss can say which part differed (`--explain`). Entries are written to a
/// temporary file in the same directory and renamed, so a kill at any moment leaves either the
/// old entry, the new one, or none — never half a file. A file that does not decode, or whose
/// `key` does not match its contents, is corrupt: it misses and is overwritten.
///
/// ```
/// notes.md
/// .depthbook/cache/notes/3f5a…e1.json
/// .depthbook/cache/notes/data-9c0d….json     (data fingerprint memo)
/// ```
public struct ResultCache: Sendable {
    /// Why a lookup missed.
    public enum Miss: Hashable, Sendable, CustomStringConvertible {
        case noEntry
        case engineChanged(from: String, to: String)
        case dataChanged
        case corrupt(String)
        case refresh

        public var description: String {
            switch self {
            case .noEntry: return "no entry"
            case .engineChanged(let old, let new): return "engine version changed (\(old) → \(new))"
            case .dataChanged: return "data changed"
            case .corrupt(let why): return "corrupt entry (\(why))"
            case .refresh: return "--refresh"
            }
        }
    }

    public enum Lookup: Sendable {
        case hit(PointResult)
        case miss(Miss)
    }

    /// One entry file, format 2: `{"checksum", "data_fingerprint", "engine_version", "format",
    /// "key", "result", "spec"}` with the spec and result as ``PointCodec`` writes them.
    struct Entry {
        static let format = 2
        var key: String
        var engineVersion: String
        var dataFingerprint: String
        var spec: PointSpec
        var result: PointResult
        /// SHA-256 of the result's encoding: catches edited or damaged values.
        var checksum: String

        var encoded: String {
            PointCodec.object([
                "format": String(Self.format), "key": PointCodec.string(key),
                "engine_version": PointCodec.string(engineVersion), "data_fingerprint": PointCodec.string(dataFingerprint),
                "spec": PointCodec.canonicalSpec(spec), "result": PointCodec.encodeResult(result),
                "checksum": PointCodec.string(checksum),
            ]) + "\n"
        }

        static func decode(_ data: Data) throws -> Entry {
            let root = try JSONReader(data, what: "cache entry")
            guard try root.int("format") == format else { throw RunnerError("cache entry: another format") }
            guard let key = try root.string("key"), let engineVersion = try root.string("engine_version"),
                  let dataFingerprint = try root.string("data_fingerprint"), let checksum = try root.string("checksum"),
                  let spec = try root.object("spec"), let result = try root.object("result") else {
                throw RunnerError("cache entry: a key is missing")
            }
            let entry = Entry(key: key, engineVersion: engineVersion, dataFingerprint: dataFingerprint,
                              spec: try PointCodec.decodeSpec(spec), result: try PointCodec.decodeResult(result), checksum: checksum)
            try root.refuseUnknown()
            return entry
        }
    }

    static func checksum(_ result: PointResult) -> String { SHA256.hex(PointCodec.encodeResult(result)) }

    /// The directory of this notebook's entries.
    public let directory: URL

    /// The cache of the notebook at `notebook`: `<dir>/.depthbook/cache/<basename without .md>`.
    public init(notebook: URL) {
        let name = notebook.deletingPathExtension().lastPathComponent
        directory = notebook.deletingLastPathComponent()
            .appendingPathComponent(".depthbook/cache/\(name)", isDirectory: true)
    }

    public init(directory: URL) { self.directory = directory }

    /// SHA-256 over the three inputs of a result, separated so no two triples collide by accident.
    public static func key(spec: PointSpec, engineVersion: String, dataFingerprint: String) -> String {
        SHA256.hex("depthbook-point-v\(PointCodec.specFormat)\n\(engineVersion)\n\(dataFingerprint)\n\(PointCodec.canonicalSpec(spec))")
    }

    func url(for spec: PointSpec) -> URL {
        directory.appendingPathComponent(SHA256.hex(PointCodec.canonicalSpec(spec)) + ".json")
    }

    /// The largest entry ``lookup(_:engineVersion:dataFingerprint:)`` reads (256 MiB: a loss
    /// curve of 10⁷ steps with coordinate checks stays well below).
    static let maximumEntryBytes = 256 << 20

    /// Looks a point up.
    public func lookup(_ spec: PointSpec, engineVersion: String, dataFingerprint: String) -> Lookup {
        let url = url(for: spec)
        var info = stat()
        guard stat(url.path, &info) == 0 else { return .miss(.noEntry) }
        // Sized before reading: a damaged or planted entry of gigabytes is not read into memory.
        guard info.st_size <= Self.maximumEntryBytes else {
            return .miss(.corrupt("\(info.st_size) bytes, more than an entry can hold"))
        }
        guard let data = FileManager.default.contents(atPath: url.path) else { return .miss(.noEntry) }
        let entry: Entry
        do {
            entry = try Entry.decode(data)
        } catch {
            return .miss(.corrupt("does not decode"))
        }
        guard entry.spec == spec,
              entry.key == Self.key(spec: entry.spec, engineVersion: entry.engineVersion,
                                    dataFingerprint: entry.dataFingerprint),
              entry.checksum == Self.checksum(entry.result) else {
            return .miss(.corrupt("key does not match its contents"))
        }
        if entry.engineVersion != engineVersion { return .miss(.engineChanged(from: entry.engineVersion, to: engineVersion)) }
        if entry.dataFingerprint != dataFingerprint { return .miss(.dataChanged) }
        return .hit(entry.result)
    }

    /// Stores a result atomically (temporary file + rename).
    ///
    /// - Throws: ``RunnerError`` when the directory cannot be written.
    public func store(_ result: PointResult, for spec: PointSpec, engineVersion: String, dataFingerprint: String) throws {
        let entry = Entry(key: Self.key(spec: spec, engineVersion: engineVersion, dataFingerprint: dataFingerprint),
                          engineVersion: engineVersion, dataFingerprint: dataFingerprint, spec: spec, result: result,
                          checksum: Self.checksum(result))
        try AtomicFile.write(Data(entry.encoded.utf8), to: url(for: spec))
    }

    /// Deletes every entry of this notebook. Returns whether there was anything to delete.
    @discardableResult
    public func clear() throws -> Bool {
        var info = stat()
        guard lstat(directory.path, &info) == 0 else { return false }
        // A render of this notebook may add entries while we remove: try a few times.
        var failure: String?
        for _ in 0..<5 {
            failure = Self.removeTree(directory.path)
            if failure == nil { return true }
            usleep(50_000)
        }
        throw RunnerError("cannot remove \(directory.path): \(failure ?? "unknown reason"); hint: a render of this notebook may be running; let it finish and run clean again")
    }

    /// Removes a file or folder tree with POSIX calls; returns the first failure, or nil.
    static func removeTree(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return errno == ENOENT ? nil : "\(path): \(String(cString: strerror(errno)))" }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                if let failure = removeTree(path + "/" + name) { return failure }
            }
            guard rmdir(path) == 0 || errno == ENOENT else { return String(cString: strerror(errno)) }
            return nil
        }
        guard unlink(path) == 0 || errno == ENOENT else { return String(cString: strerror(errno)) }
        return nil
    }

    // MARK: Data fingerprint memo

    /// `data-<hash>.json`: `{"files": ["path|size|mtime", …], "fingerprint": "…"}`.
    struct DataMemo {
        var files: [String]
        var fingerprint: String

        var encoded: String {
            PointCodec.object(["files": "[" + files.map(PointCodec.string).joined(separator: ",") + "]",
                               "fingerprint": PointCodec.string(fingerprint)])
        }

        static func decode(_ data: Data) -> DataMemo? {
            guard let memo = try? JSONReader(data, what: "data memo"), let files = try? memo.strings("files"),
                  let fingerprint = try? memo.string("fingerprint") else { return nil }
            return DataMemo(files: files, fingerprint: fingerprint)
        }
    }

    /// The data fingerprint (a hash of the data's content), computed once and remembered while
    /// every data file keeps its device, inode, size, modification time *and* change time (in
    /// nanoseconds): `touch -r` can restore an mtime but not a ctime, so any byte change, a
    /// replaced file or a rename over it recomputes the hash. The cache key is the hash itself,
    /// so a recomputed memo with unchanged content keeps every entry valid.
    ///
    /// - Parameter computing: false: answer only from the memo (nil when it does not hold this
    ///   data), so `check --no-calibration` never loads a data set.
    public func dataFingerprint(for data: DataSpec, executor: any PointExecutor, computing: Bool = true) throws -> String? {
        let files = executor.dataFiles(for: data).map(FileIdentity.stamp)
        let dataJSON = PointCodec.dataObject(data)
        let url = directory.appendingPathComponent("data-" + SHA256.hex("\(executor.engineVersion)\n\(dataJSON)").prefix(32) + ".json")
        if let stored = FileManager.default.contents(atPath: url.path),
           let memo = DataMemo.decode(stored), memo.files == files {
            return memo.fingerprint
        }
        guard computing else { return nil }
        let fingerprint = try executor.dataFingerprint(for: data)
        try? AtomicFile.write(Data(DataMemo(files: files, fingerprint: fingerprint).encoded.utf8), to: url)
        return fingerprint
    }
}
