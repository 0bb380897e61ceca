import Foundation

/// A problem writing an output file: what happened to which path, with a hint.
///
/// Messages come from `strerror(3)`, never from a Foundation error domain.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Every file one command writes (a page, its results JSON and CSVs, the `_files/` assets),
/// moved into place together only when all of them could be written: all or nothing.
///
/// ``commit()`` first checks each destination, then writes every regular file to a temporary
/// file beside it (``AtomicFile``), and only when all temporaries exist renames them into
/// place. A failure before the renames removes the temporaries and any folder it created, so
/// nothing is left behind. Destinations are never replaced by something else:
///
/// - a symlink is written *through* (its target is replaced atomically; the link stays);
/// - a character device or FIFO (`/dev/null`, a named pipe) is opened and written directly;
/// - a directory, block device, socket, dangling symlink or symlink loop is refused;
/// - a destination that is one of the command's `inputs` (the notebook, a data file, the
///   template), by device and inode after following symlinks, is refused.
///
/// ```swift
/// var outputs = OutputSet(inputs: [("notes.md", "notebook"), ("page.mustache", "template")])
/// outputs.add(Data(html.utf8), to: "out/notes.html")
/// outputs.add(Data(json.utf8), to: "out/notes.results.json")
/// try outputs.commit()   // both files, or neither
/// ```
public struct OutputSet: Sendable {
    private var inputs: [(path: String, role: String)]
    private var files: [(path: String, data: Data)] = []
    private var removals: [String] = []

    /// - Parameter inputs: paths the command reads, each with its role for messages
    ///   (`notebook`, `template`, `data file`); no output may land on one of them.
    public init(inputs: [(path: String, role: String)]) { self.inputs = inputs }

    /// Queues `data` for `path` (nothing is written before ``commit()``).
    public mutating func add(_ data: Data, to path: String) { files.append((path, data)) }

    /// Queues `path` for removal after every queued file is in place: only if it is then a
    /// regular file (not a symlink, folder or device), not one of the inputs and not a queued
    /// output; a file that is gone already is fine.
    public mutating func remove(_ path: String) { removals.append(path) }

    /// The paths queued for removal, in order.
    public var removedPaths: [String] { removals }

    /// The paths queued so far, in order.
    public var paths: [String] { files.map(\.path) }

    /// Whether `path` is a stream rather than a file to replace: `-` (standard output) or an
    /// existing character device or FIFO, symlinks followed (`/dev/null`, `/dev/stdout`). A
    /// command writes only the page there, with nothing beside it.
    public static func isStream(_ path: String) -> Bool {
        if path == "-" { return true }
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFCHR || type == S_IFIFO
    }

    /// How one destination is written.
    enum Target: Equatable {
        /// A regular file (or a new one): temporary file + rename, at this path (symlinks resolved).
        case replace(String)
        /// A character device or FIFO: opened and written in place.
        case stream(String)
    }

    /// Checks one destination and says how to write it.
    ///
    /// - Throws: ``OutputError`` for an empty path, a directory, a block device or socket, a
    ///   dangling symlink, a symlink loop, or a path that is one of the inputs.
    func target(for path: String) throws -> Target {
        guard !path.isEmpty else {
            throw OutputError(description: "the output path is empty; hint: give a file name, e.g. -o page.html")
        }
        var link = stat()
        guard lstat(path, &link) == 0 else {
            guard errno == ENOENT else { throw OutputError(description: "\(path): \(Self.reason(errno)); hint: choose another output path") }
            // `new/../notes.md` does not exist until `new/` is made (the page's one missing
            // folder level is), and then it is `notes.md`: judge that path, or the notebook
            // itself could be written over through a folder that does not exist yet.
            // (The same lexical form the staging keys files by: `standardizedFileURL`.)
            if path.split(separator: "/").contains("..") {
                return try target(for: URL(fileURLWithPath: path).standardizedFileURL.path)
            }
            return .replace(path)
        }
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ELOOP {
                throw OutputError(description: "\(path): is a symlink loop; hint: fix the link or choose another output path")
            }
            if code == ENOENT {
                throw OutputError(description: "\(path): is a symlink to a missing file; hint: fix the link or remove it")
            }
            throw OutputError(description: "\(path): \(Self.reason(code)); hint: choose another output path")
        }
        for input in inputs {
            var other = stat()
            if stat(input.path, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
                throw OutputError(description: "\(path): the output would overwrite the \(input.role) \(input.path); hint: choose another output path (or rename the \(input.role))")
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard link.st_mode & S_IFMT == S_IFLNK else { return .replace(path) }
            guard let resolved = realpath(path, nil) else {
                throw OutputError(description: "\(path): \(Self.reason(errno)); hint: fix the link or choose another output path")
            }
            defer { free(resolved) }
            return .replace(String(cString: resolved))
        case S_IFCHR, S_IFIFO:
            return .stream(path)
        case S_IFDIR:
            let folder = String(path.reversed().drop(while: { $0 == "/" }).reversed())   // "/tmp/bad/" → "/tmp/bad", "/" → ""
            throw OutputError(description: "\(path): is a directory; hint: give a file name, e.g. -o \(folder)/page.html")
        default:
            throw OutputError(description: "\(path): is a device or socket, not a file; hint: choose another output path")
        }
    }

    /// Checks destinations before anything is computed, as ``commit()`` will.
    ///
    /// - Throws: ``OutputError`` for the first path that cannot take a file.
    public func check(_ paths: [String]) throws {
        for path in paths { _ = try target(for: path) }
    }

    /// Writes every queued file, or none.
    ///
    /// Everything that can fail for lack of space, permission or a bad path fails while staging,
    /// before any rename. A rename failing after others succeeded (each is within one folder,
    /// so that needs the folder to change under us) leaves the ones already renamed in place.
    ///
    /// - Throws: ``OutputError`` naming the first destination that cannot take its file; then no
    ///   queued file has been written.
    public func commit() throws {
        var targets: [Target] = []
        var seen: Set<String> = []
        for file in files {
            let target = try target(for: file.path)
            if case .replace(let path) = target {
                let key = URL(fileURLWithPath: path).standardizedFileURL.path
                guard seen.insert(key).inserted else {
                    throw OutputError(description: "\(file.path): two outputs of this command would have the same name; hint: rename the notebook or choose another -o")
                }
            }
            targets.append(target)
        }
        var staged: [(temporary: URL, destination: URL)] = []
        var created: [URL] = []
        do {
            for (target, file) in zip(targets, files) {
                guard case .replace(let path) = target else { continue }
                let destination = URL(fileURLWithPath: path)
                created += try AtomicFile.makeDirectories(destination.deletingLastPathComponent())
                staged.append((try AtomicFile.stage(file.data, beside: destination), destination))
            }
        } catch {
            for file in staged { unlink(file.temporary.path) }
            for folder in created.reversed() { rmdir(folder.path) }
            throw OutputError(description: "\(error); hint: check the output path and that its folder is writable")
        }
        for file in staged {
            do {
                try AtomicFile.moveIntoPlace(file.temporary, file.destination)
            } catch {
                for rest in staged { unlink(rest.temporary.path) }
                throw OutputError(description: "\(error); hint: check the output path and that its folder is writable")
            }
        }
        for (target, file) in zip(targets, files) {
            guard case .stream(let path) = target else { continue }
            try Self.writeStream(file.data, to: path)
        }
        for path in removals where !seen.contains(URL(fileURLWithPath: path).standardizedFileURL.path) {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let isInput = inputs.contains { input in
                var other = stat()
                return stat(input.path, &other) == 0 && other.st_dev == info.st_dev && other.st_ino == info.st_ino
            }
            if !isInput { unlink(path) }
        }
    }

    /// Opens an existing device or FIFO and writes `data` to it (no temporary, no rename).
    static func writeStream(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            let hint = code == ENXIO ? "a named pipe needs a reader; start one first" : "choose another output path"
            throw OutputError(description: "\(path): cannot write (\(reason(code))); hint: \(hint)")
        }
        defer { close(descriptor) }
        // Blocking writes from here on: a pipe's reader may be slower than we are.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        do {
            try AtomicFile.writeAll(data, to: descriptor)
        } catch {
            throw OutputError(description: "\(path): \(error); hint: choose another output path")
        }
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Writes a file so that readers see the old contents or the new, never a mix.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `url`, then renames it over `url` (rename(2) is
    /// atomic within a file system). Creates missing directories.
    ///
    /// - Throws: ``RunnerError`` naming the path, with the system's reason.
    public static func write(_ data: Data, to url: URL) throws {
        _ = try makeDirectories(url.deletingLastPathComponent())
        try moveIntoPlace(try stage(data, beside: url), url)
    }

    /// Writes `data` to a new temporary file `.<name>.<pid>.<random>.tmp` beside `url`.
    ///
    /// - Returns: the temporary file, for ``moveIntoPlace(_:_:)``.
    /// - Throws: ``RunnerError`` naming `url`; no temporary is left behind.
    static func stage(_ data: Data, beside url: URL) throws -> URL {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o666)
        guard descriptor >= 0 else { throw RunnerError("cannot write \(url.path): \(OutputSet.reason(errno))") }
        do {
            try writeAll(data, to: descriptor)
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw RunnerError("cannot write \(url.path): \(error)")
        }
        return temporary
    }

    /// Renames a staged temporary over `url`; removes the temporary when that fails.
    static func moveIntoPlace(_ temporary: URL, _ url: URL) throws {
        guard rename(temporary.path, url.path) == 0 else {
            let reason = OutputSet.reason(errno)
            unlink(temporary.path)
            throw RunnerError("cannot write \(url.path): \(reason)")
        }
    }

    /// `write(2)` until every byte is out.
    ///
    /// - Throws: ``RunnerError`` with the system's reason.
    static func writeAll(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw RunnerError(OutputSet.reason(errno))
                }
                offset += written
            }
        }
    }

    /// Creates `folder` and its missing parents.
    ///
    /// - Returns: the folders it created, outermost first (so a failed commit can remove them).
    /// - Throws: ``RunnerError`` naming the folder that could not be created, with the reason
    ///   (`File exists` when a plain file is in the way, e.g. a file `.depthbook`).
    static func makeDirectories(_ folder: URL) throws -> [URL] {
        var missing: [URL] = []
        var current = folder.standardizedFileURL
        var info = stat()
        while stat(current.path, &info) != 0, current.path != "/" {
            missing.append(current)
            current = current.deletingLastPathComponent()
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            throw RunnerError("cannot create the folder \(folder.path): \(current.path) is a file, not a folder; hint: move that file away")
        }
        var created: [URL] = []
        for url in missing.reversed() {
            guard mkdir(url.path, 0o777) == 0 || errno == EEXIST else {
                throw RunnerError("cannot create the folder \(url.path): \(OutputSet.reason(errno))")
            }
            created.append(url)
        }
        return created
    }

    /// Deletes the temporary files of ``write(_:to:)`` in `directory` whose writing process no
    /// longer runs (a render killed with SIGKILL between write and rename leaves one behind).
    /// Files of live processes are kept; returns the number removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: URL) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            // `.<entry>.<pid>.<random>.tmp`
            let parts = name.split(separator: ".")
            guard parts.count >= 4, let pid = Int32(parts[parts.count - 3]) else { continue }
            let alive = kill(pid, 0) == 0 || errno == EPERM
            if !alive, (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil {
                removed += 1
            }
        }
        return removed
    }
}
