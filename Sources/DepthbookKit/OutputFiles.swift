import Foundation
import Runner

/// A problem with an output path: it names the path and says how to fix it.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) { self.description = description }
}

/// Checks and writes output files (pages, assets, side files, index pages).
public enum OutputFiles {
    /// Refuses a destination that is the notebook itself.
    ///
    /// - Throws: ``OutputError`` with a hint.
    static func checkDestination(_ destination: String, notebookPath: String) throws {
        guard destination != "-" else { return }
        if URL(fileURLWithPath: destination).standardizedFileURL.resolvingSymlinksInPath()
            == URL(fileURLWithPath: notebookPath).standardizedFileURL.resolvingSymlinksInPath() {
            throw OutputError(description: "\(destination): the output would overwrite the notebook; hint: choose another -o")
        }
    }

    /// Refuses an output path that cannot take the page (a directory, an unwritable folder)
    /// before anything runs, so no experiment is wasted and no side file is left behind.
    ///
    /// - Throws: ``OutputError`` with a hint.
    static func checkFolder(_ destination: String) throws {
        guard destination != "-" else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError(description: "\(destination): is a directory; hint: give a file name, e.g. -o \(destination)/page.html")
        }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "\(folder.path): cannot create the output folder; hint: check the -o path")
        }
        guard access(folder.path, W_OK) == 0 else {
            throw OutputError(description: "\(folder.path): the output folder is not writable; hint: choose another -o")
        }
    }

    /// Writes `data` to `path` through a temporary file in the same directory and a rename, so no
    /// half-written file is ever left at `path` (``AtomicFile/write(_:to:)``).
    ///
    /// - Throws: ``OutputError`` naming the path, with a hint.
    public static func write(_ data: Data, to path: String) throws {
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch {
            throw OutputError(description: "\(error); hint: check the -o path and that its directory is writable")
        }
    }
}
