import Foundation
import Runner

/// Checks output paths before a render runs; writing goes through ``OutputSet`` (staged,
/// all-or-nothing, never over an input).
enum OutputFiles {
    /// Refuses an output path that cannot take the page (an input, a directory, an unwritable
    /// folder) before anything runs, so no experiment is wasted and no side file is left behind.
    ///
    /// - Parameter sideFiles: outputs known before the run (the results JSON), checked likewise.
    /// - Throws: ``OutputError`` with a hint.
    static func checkOutput(_ destination: String, outputs: OutputSet, sideFiles: [String] = []) throws {
        guard destination != "-" else { return }
        try outputs.check([destination] + sideFiles)
        // Another notebook (or the book's index.md) is not an input of this render, so the
        // input check lets it through; writing HTML over Markdown loses an author's text.
        let suffix = (destination as NSString).pathExtension.lowercased()
        var isFolder: ObjCBool = false
        if ["md", "markdown"].contains(suffix), FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder), !isFolder.boolValue {
            throw OutputError(description: "\(destination): is a Markdown file, and the page (HTML) would replace it; hint: give -o NAME.html")
        }
        guard !OutputSet.isStream(destination) else { return }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        try makeFolder(folder)
        guard access(folder, W_OK) == 0 else {
            throw OutputError(description: "\(folder): the output folder is not writable; hint: choose another -o")
        }
    }

    /// Makes the output folder `folder` (a page's, or a book's `-o OUT/`) when it is missing
    /// and its parent exists, as `mkdir` would: `-o out/notes.html` and `render FOLDER -o out/`
    /// work in a fresh checkout. A folder whose parent is missing too is refused, naming it: a
    /// mistyped `-o /nonexistent/dir/x.html` used to create every folder on the way.
    ///
    /// - Throws: ``OutputError`` naming the folder, with `mkdir -p` as the hint; also when it
    ///   is a file or cannot be created.
    static func makeFolder(_ folder: String) throws {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw OutputError(description: "\(folder): is a file, not a folder; hint: give -o a path in a folder")
            }
            return
        }
        let parent = (folder as NSString).deletingLastPathComponent
        guard parent.isEmpty || (files.fileExists(atPath: parent, isDirectory: &isFolder) && isFolder.boolValue) else {
            throw OutputError(description: "\(folder): no such folder, nor its parent \(parent); hint: create it first (mkdir -p \(folder)), or check the -o path")
        }
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: false)
        } catch {
            throw OutputError(description: "\(folder): cannot create the output folder; hint: check the -o path and that \(parent.isEmpty ? "." : parent) is writable")
        }
    }
}
