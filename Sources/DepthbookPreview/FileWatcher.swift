import Foundation
import DepthMuP
import Runner

/// Polls a set of files for changes: the notebook and every file its render read.
///
/// A file's stamp is ``FileIdentity/stamp(_:)`` (device, inode, size, mtime and ctime in
/// ns, or missing), the one identity the cache's data memo also uses: an editor that saves in
/// place changes the size or mtime, one that writes a new file and renames it changes the
/// inode, `touch -d` with an old time still changes the ctime, and deleting or creating a
/// watched file is a change too.
///
/// Polling rather than inotify: a handful of `stat` calls every 50 ms costs nothing
/// measurable, works the same on every file system (network mounts, bind mounts in containers,
/// where inotify misses writes), and survives editors that replace the file by renaming, which
/// drops an inotify watch on the old inode.
final class FileWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var stamps: [String: String] = [:]

    /// Watches exactly `paths`, forgetting other files; a file already watched keeps its last
    /// stamp (so a change seen during a render is not lost), a new one is stamped now.
    func watch(_ paths: [String]) {
        lock.lock(); defer { lock.unlock() }
        var fresh: [String: String] = [:]
        for path in paths { fresh[path] = stamps[path] ?? FileIdentity.stamp(path) }
        stamps = fresh
    }

    /// The watched files whose stamp differs from the last look (each change is reported once).
    func changes() -> [String] {
        lock.lock(); defer { lock.unlock() }
        var changed: [String] = []
        for (path, old) in stamps {
            let now = FileIdentity.stamp(path)
            if now != old {
                changed.append(path)
                stamps[path] = now
            }
        }
        return changed.sorted()
    }
}
