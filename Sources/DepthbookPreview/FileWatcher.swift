import Foundation

/// What changes when a file is saved: device, inode, size, modification and change time.
///
/// An editor that saves by writing in place changes the size or mtime; one that writes a new
/// file and renames it changes the inode; `touch -d` with an old time still changes the ctime.
/// A missing file has no stamp, so deleting or creating a watched file is a change too.
struct FileStamp: Hashable {
    var device: UInt64, inode: UInt64, size: Int64
    var modified: timespec, changed: timespec

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(inode); hasher.combine(size); hasher.combine(modified.tv_nsec)
    }
}

/// Polls a set of files for changes (``FileStamp``): the notebook and every file its render read.
///
/// Polling rather than inotify: a handful of `stat` calls every 100 ms costs nothing
/// measurable, works the same on every file system (network mounts, bind mounts in containers,
/// where inotify misses writes), and survives editors that replace the file by renaming, which
/// drops an inotify watch on the old inode.
final class FileWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var stamps: [String: FileStamp?] = [:]

    /// Starts watching exactly `paths` (the stamps they have now), forgetting other files.
    func watch(_ paths: [String]) {
        let fresh = Dictionary(paths.map { ($0, FileStamp(path: $0)) }, uniquingKeysWith: { first, _ in first })
        lock.lock(); stamps = fresh; lock.unlock()
    }

    /// The watched files whose stamp differs from the last look (each change is reported once).
    func changes() -> [String] {
        lock.lock(); defer { lock.unlock() }
        var changed: [String] = []
        for (path, old) in stamps {
            let now = FileStamp(path: path)
            if now != old {
                changed.append(path)
                stamps[path] = now
            }
        }
        return changed.sorted()
    }
}
