import ArgumentParser
import DepthbookKit
import Foundation
import Notebook
import Render
import Runner

/// Exit codes shared by the subcommands (DESIGN.md): 0 ok, 1 an experiment failed, 2 bad input.
enum ExitStatus {
    static let executionFailure = ExitCode(1)
    static let badInput = ExitCode(2)
    /// Ctrl-C: 128 + SIGINT.
    static let interrupted = ExitCode(130)
}

/// Runs `body`, turning bad-input errors (notebook, spec, render, output) into a message on stderr
/// and exit code 2, runner errors into exit code 1, and an interrupted run into 130: the one
/// place library errors become exit codes.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as BadInput {
        for line in error.lines { printError(line) }
        throw ExitStatus.badInput
    } catch let error where error is NotebookError || error is RenderError || error is OutputError || error is SpecError {
        printError("error: \(error)")
        throw ExitStatus.badInput
    } catch let error as RunnerError {
        printError("error: \(error)")
        throw ExitStatus.executionFailure
    } catch let error as Interrupted {
        printError("\(error)")
        throw ExitStatus.interrupted
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
