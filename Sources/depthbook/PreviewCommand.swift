import ArgumentParser
import DepthbookKit
import DepthbookPreview
import Foundation
import Runner

/// `depthbook preview`: serves a notebook's page, re-rendered on every save and pushed to the
/// open browser (server-sent events), with running sweeps filling in.
///
/// ```
/// $ depthbook preview notes.md --scale ci
/// preview: http://127.0.0.1:8000/  (Ctrl-C stops)
/// updated notes.md (41 ms)
/// ```
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Serve a notebook's page and re-render it on every save.",
        discussion: """
            Prints the page's URL. The open page updates in place on each save of the notebook \
            or a data file it reads; errors show as an overlay; running blocks show progress and \
            partial results. Binds 127.0.0.1 unless --host says otherwise. Ctrl-C stops the \
            server and running points (finished points stay cached) and exits 130.
            """
    )

    @Argument(help: "The notebook (.md).")
    var notebook: String

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 8000

    @Option(help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network, with a warning).")
    var host: String = "127.0.0.1"

    @Flag(help: "Open the page in the default browser (xdg-open).")
    var open = false

    @OptionGroup var execution: RunFlags

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() throws {
        try reportingErrors {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: notebook, isDirectory: &isDirectory), !isDirectory.boolValue else {
                printError("error: \(PreviewError.noNotebook(path: notebook))")
                throw ExitStatus.badInput
            }
            if !PreviewServer.isLoopback(host) {
                printError("warning: --host \(host): the preview is reachable from other machines, and it serves this notebook's results to anyone who asks; use --host 127.0.0.1 (the default) unless you mean that")
            }
            if let note = execution.jobCount.note { printError(note) }
            let interrupt = InterruptHandler()
            let session = PreviewSession(options: PreviewOptions(notebookPath: notebook, scale: execution.scale, parse: try execution.parameters.parse(), run: execution.options),
                                         executors: try execution.executors())
            let server = PreviewServer(session: session, host: host, port: port)
            let failure = ServerFailure()
            let open = self.open
            let host = self.host
            session.start()
            let task = Task {
                do {
                    try await server.run { bound in
                        let shown = host.contains(":") ? "[\(host)]" : host
                        let url = "http://\(shown):\(bound)/"
                        print("preview: \(url)  (Ctrl-C stops)")
                        fflush(stdout)
                        if open { Self.openBrowser(url) }
                    }
                } catch is CancellationError {
                } catch {
                    failure.set(error)
                }
                interrupt.stop.set()
            }
            while !interrupt.stop.isSet { Thread.sleep(forTimeInterval: 0.05) }
            session.shutdown()
            task.cancel()
            let finished = DispatchSemaphore(value: 0)
            Task { _ = await task.result; finished.signal() }
            _ = finished.wait(timeout: .now() + 5)
            if let error = failure.error {
                printError("error: \(error)")
                throw ExitStatus.badInput
            }
            printError("\(Interrupted())")
            throw ExitStatus.interrupted
        }
    }

    static func openBrowser(_ url: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { printError("note: cannot open a browser (\(error)); open \(url) yourself") }
    }
}

/// The server's error, set from its task and read by the command's thread.
private final class ServerFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ error: Error) { lock.lock(); stored = error; lock.unlock() }
}
