import ArgumentParser
import Foundation

/// The `depthbook` command: renders Markdown notebooks about depth scaling into executed HTML.
@main
struct Depthbook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depthbook",
        abstract: "Render Markdown notebooks about depth scaling into executed HTML.",
        subcommands: [RenderCommand.self, CheckCommand.self, CleanCommand.self, TrainCommand.self, RunPointCommand.self, BenchRenderCommand.self, BenchCommand.self]
    )

    /// Runs the command; usage and validation errors exit 2 (DESIGN.md: 2 = bad input), where
    /// ArgumentParser would use EX_USAGE (64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
