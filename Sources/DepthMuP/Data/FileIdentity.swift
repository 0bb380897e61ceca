import Foundation

/// What `stat(2)` says about a file's identity: device, inode, size, modification time and
/// change time (both in nanoseconds since the epoch).
///
/// Two equal identities mean the bytes were neither replaced nor rewritten: a rename over the
/// file changes the inode, a write changes mtime and ctime, and `touch -r` can restore an mtime
/// but not a ctime. The one definition of "has this file changed?" for the IDX cache, the data
/// fingerprint memo (`ResultCache`) and the preview server's file watcher.
public struct FileIdentity: Hashable, Sendable {
    /// `st_dev`, `st_ino`.
    public var device: UInt64, inode: UInt64
    /// `st_size`, in bytes.
    public var size: Int64
    /// `st_mtim`, `st_ctim` in nanoseconds.
    public var modified: Int64, changed: Int64

    /// Reads the identity with `stat(2)` (following symlinks); nil when the file is missing or
    /// cannot be stat'ed.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    /// `path|device|inode|size|mtime ns|ctime ns`, or `path|missing`: the identity as one
    /// comparable string, stored in the data-fingerprint memo and compared by the file watcher.
    public static func stamp(_ path: String) -> String {
        guard let identity = FileIdentity(path: path) else { return "\(path)|missing" }
        return "\(path)|\(identity.device)|\(identity.inode)|\(identity.size)|\(identity.modified)|\(identity.changed)"
    }
}
