import ArgumentParser
import Foundation
import Notebook
import Render
import Runner

/// `depthbook index NOTEBOOK.md… -o out/index.html`: a page linking the rendered notebooks.
///
/// ```
/// $ depthbook index notebooks/*.md -o out/index.html
/// wrote out/index.html (4 notebooks)
/// ```
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Write an index page linking rendered notebooks, titled from their front matter.",
        discussion: "Each NOTEBOOK.md is linked as NOTEBOOK.html next to the index (as `make demo` renders them)."
    )

    @Argument(help: "The notebooks (.md), in the order to list them.")
    var notebooks: [String]

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String = "index.html"

    @Option(help: "Heading and title of the page.")
    var title: String = "depthbook notebooks"

    func run() throws {
        try reportingErrors {
            let entries = try notebooks.map { path -> IndexPage.Entry in
                let notebook = try Notebook.load(path: path)
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                return IndexPage.Entry(title: notebook.frontMatter.title ?? name,
                                       description: notebook.frontMatter.description, href: name + ".html")
            }
            var outputs = OutputSet(inputs: notebooks.map { ($0, "notebook") })
            outputs.add(Data(IndexPage.html(title: title, entries: entries).utf8), to: output)
            try outputs.commit()
            print("wrote \(output) (\(entries.count) notebook\(entries.count == 1 ? "" : "s"))")
        }
    }
}
