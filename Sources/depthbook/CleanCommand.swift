import ArgumentParser
import Foundation
import DepthbookKit
import Runner

/// `depthbook clean NOTEBOOK.md`: deletes the notebook's cached results.
///
/// ```
/// $ depthbook clean notes.md
/// removed .depthbook/cache/notes
/// ```
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Delete a notebook's cached results (.depthbook/cache/<name>/ beside it)."
    )

    @Argument(help: "The notebook (.md).")
    var notebook: String

    func run() throws {
        let cache = NotebookPipeline.cache(forNotebookAt: notebook)
        do {
            if try cache.clear() {
                print("removed \(cache.directory.path)")
            } else {
                print("nothing cached for \(notebook)")
            }
        } catch {
            printError("error: \(error)")
            throw ExitStatus.executionFailure
        }
    }
}
