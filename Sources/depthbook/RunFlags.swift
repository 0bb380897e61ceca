import ArgumentParser
import DepthbookKit
import Foundation
import Runner

/// Flags of `render` that control execution.
struct RunFlags: ParsableArguments {
    @Option(help: "Points run side by side (default: the number of cores).")
    var jobs: Int?

    @Flag(help: "Ignore cached results and run every point again.")
    var refresh = false

    @Option(help: "Seconds each block may run (a block's own timeout: wins).")
    var timeout: Double?

    @Flag(help: "A failing block does not fail the command (as allow-errors: true in every block).")
    var allowErrors = false

    @Flag(help: "Say why each point that runs was not taken from the cache.")
    var explain = false

    @Option(help: "Run scale (e.g. ci or full), overriding the front matter's scale:.")
    var scale: String?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// How points run: in this process (default).
    func executors() throws -> ExecutorFactory { .inProcess }

    var options: RunOptions {
        RunOptions(jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, refresh: refresh, timeout: timeout,
                   allowErrors: allowErrors, explain: explain)
    }
}

/// Sets a flag on Ctrl-C (SIGINT) instead of dying, so running points stop cleanly.
final class InterruptHandler {
    let stop = StopFlag()
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let stop = self.stop
        source.setEventHandler { stop.set() }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
