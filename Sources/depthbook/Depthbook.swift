import ArgumentParser

/// The `depthbook` command: renders Markdown notebooks about depth scaling into executed HTML.
@main
struct Depthbook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depthbook",
        abstract: "Render Markdown notebooks about depth scaling into executed HTML.",
        subcommands: [RenderCommand.self, CheckCommand.self, CleanCommand.self, TrainCommand.self, BenchRenderCommand.self, BenchCommand.self]
    )
}
