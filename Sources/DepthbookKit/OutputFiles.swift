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
}
