import ArgumentParser
import Foundation

/// The `depthbook` command: renders Markdown notebooks about depth scaling into executed HTML.
@main
struct Depthbook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depthbook",
        abstract: "Render Markdown notebooks about depth scaling into executed HTML.",
        subcommands: [RenderCommand.self, CheckCommand.self, CleanCommand.self, TrainCommand.self, PreviewCommand.self, RunPointCommand.self, BenchRenderCommand.self, BenchCommand.self]
    )

    /// Runs the command; usage and validation errors exit 2 (DESIGN.md: 2 = bad input), where
    /// ArgumentParser would use EX_USAGE (64). Every message starts `error:` as the notebook's
    /// own errors do (ArgumentParser writes `Error:`); `--help` and `--version` go through
    /// ArgumentParser unchanged.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((usageMessage(message) + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// ArgumentParser's message with its `Error:` prefix written `error:`.
    static func usageMessage(_ message: String) -> String {
        message.hasPrefix("Error: ") ? "error: " + message.dropFirst("Error: ".count) : message
    }
}
