import Foundation
import Runner

/// The list of side files a render wrote beside its page, kept as `.NAME.outputs` beside
/// `NAME.html`, so the next render of the same notebook can remove the ones it no longer
/// writes (the CSV of a view taken out of `show:`, of a renamed block).
///
/// The file is plain text: a first line naming the notebook (its absolute path), then one file
/// name per line. Our own format rather than JSON: it is read back only to find names to drop,
/// and every name is checked before anything is removed. Only names this manifest lists are
/// ever removed, and only when all of these hold: the manifest's notebook is the one rendering
/// now; the name is a plain file name (no `/`, not hidden) that starts with `NAME.` and ends with
/// `.csv` or `.results.json`; the file is a regular file (not a symlink, a folder or a device);
/// it is not one of the render's inputs. Removals are staged in the ``OutputSet`` and happen
/// only after every new file is in place.
struct OutputManifest {
    /// `.NAME.outputs` beside the page.
    let path: String
    let pageName: String
    /// The notebook's absolute path, standardized.
    let notebook: String

    init(page destination: String, notebookFile: String) {
        let page = URL(fileURLWithPath: destination)
        pageName = page.deletingPathExtension().lastPathComponent
        path = page.deletingLastPathComponent().appendingPathComponent(".\(pageName).outputs").path
        notebook = URL(fileURLWithPath: notebookFile).standardizedFileURL.path
    }

    static let header = "# depthbook: the files the last render of this notebook wrote beside its page; the next render removes those it no longer writes"

    /// The manifest listing `names`.
    func contents(_ names: [String]) -> Data {
        Data(([Self.header, "notebook " + notebook] + names).map { $0 + "\n" }.joined().utf8)
    }

    /// The paths of files the previous render listed that `names` no longer holds and that may
    /// be removed (see the type's rules).
    func staleFiles(keeping names: [String]) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count >= 2, lines[0] == Self.header, lines[1] == "notebook " + notebook else { return [] }
        let keep = Set(names)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return lines.dropFirst(2).filter { name in
            !keep.contains(name) && !name.contains("/") && !name.hasPrefix(".") && name.hasPrefix(pageName + ".")
                && (name.hasSuffix(".csv") || name.hasSuffix(".results.json"))
        }.map { folder.appendingPathComponent($0).path }
    }
}
