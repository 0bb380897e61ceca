import ArgumentParser
import Foundation
import enum Notebook.DidYouMean
import enum DepthMuP.Engine

/// The `depthbook` command: renders Markdown notebooks about depth scaling into executed HTML.
@main
struct Depthbook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depthbook",
        abstract: "Render Markdown notebooks about depth scaling into executed HTML.",
        // The engine's version is what a cached result is keyed by (DESIGN.md "Cache"), so it is
        // the one number a user needs to say which results a page holds.
        version: "depthbook, engine \(Engine.version)",
        subcommands: [RenderCommand.self, CheckCommand.self, CleanCommand.self, TrainCommand.self, PreviewCommand.self, RunPointCommand.self, BenchRenderCommand.self, BenchCommand.self]
    )

    /// Runs the command; usage and validation errors exit 2 (DESIGN.md: 2 = bad input), where
    /// ArgumentParser would use EX_USAGE (64). Every message starts `error:` as the notebook's
    /// own errors do (ArgumentParser writes `Error:`); `--help` and `--version` go through
    /// ArgumentParser unchanged.
    static func main() {
        if let message = unknownSubcommand(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((usageMessage(message) + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// The error for a first argument that names no subcommand, with the closest one
    /// (``DidYouMean``, the rule every mistyped name gets); nil when it names one or is an
    /// option. ArgumentParser said only "2 unexpected arguments: 'rendr', 'x.md'".
    ///
    /// ```
    /// $ depthbook rendr x.md
    /// error: unknown subcommand 'rendr'; hint: did you mean render? the subcommands are render, check, … (depthbook --help)
    /// ```
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let guess = DidYouMean.suggestion(for: first, among: names).map { "did you mean \($0)? " } ?? ""
        return "error: unknown subcommand '\(first)'; hint: \(guess)the subcommands are \(names.joined(separator: ", ")) (depthbook --help)"
    }

    /// `--timeout -1` as `--timeout=-1`: ArgumentParser reads a value that starts with `-` as
    /// an option and said "Missing value for '--timeout <timeout>'", though the value was
    /// there; joined, it reaches the option's own check ("--timeout must be a positive number
    /// of seconds"). Only a `--name` followed by a negative number is joined.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--"), argument.count > 2, !argument.contains("="), index + 1 < arguments.count,
               Double(arguments[index + 1]).map({ $0 < 0 }) ?? false {
                joined.append(argument + "=" + arguments[index + 1])
                index += 2
            } else {
                joined.append(argument)
                index += 1
            }
        }
        return joined
    }

    /// ArgumentParser's message with its `Error:` prefix written `error:`.
    static func usageMessage(_ message: String) -> String {
        message.hasPrefix("Error: ") ? "error: " + message.dropFirst("Error: ".count) : message
    }
}
