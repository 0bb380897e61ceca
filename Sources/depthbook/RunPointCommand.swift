import ArgumentParser
import DepthbookKit
import Foundation
import Runner

/// `depthbook run-point [FILE…|-]`: trains one point from its spec JSON and writes the result JSON
/// that the cache stores (``PointWorker``); `--executor process` and cluster tasks run it. A
/// cluster task passes all its points at once, so it pays one process start and one data
/// load per task, not per point.
///
/// ```
/// $ echo '{"depth":4,"format":1,"steps":10,"width":16}' | depthbook run-point
/// {"alpha":0.5,"branch_multiplier":0.7071067811865476,…}
/// ```
struct RunPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-point",
        abstract: "Train one point from its spec JSON (file or -) and print its result JSON.",
        discussion: "The spec is the canonical JSON of README's \"Results schema\"; relative data paths are read from the current directory."
    )

    @Argument(help: "The point spec (.json), or - for standard input; several spec files train one after another in this process (a cluster task's points).")
    var specs: [String] = ["-"]

    @Option(name: .shortAndLong, help: "Write the result here (atomically) instead of standard output (one spec only).")
    var output: String?

    @Option(help: "Also store the result in this cache folder (a cluster task writes into the notebook's cache).")
    var storeIn: String?

    @Option(help: "The data fingerprint of the cache key (with --store-in).")
    var dataFingerprint: String?

    @Option(help: "Refuse to run unless this binary's engine version is this one (with --store-in).")
    var engineVersion: String?

    @Flag(help: "Before each point print `== depthbook point NAME` on stderr (NAME: the spec file's name without .json), so a cluster task's log shows which point each line is about.")
    var markPoints = false

    func validate() throws {
        if (storeIn == nil) != (dataFingerprint == nil) {
            throw ValidationError("--store-in and --data-fingerprint go together")
        }
        if specs.count > 1, output != nil { throw ValidationError("-o takes one spec; several specs print one result line each") }
        if specs.count > 1, specs.contains("-") { throw ValidationError("- (standard input) is one spec; give spec files") }
    }

    /// Trains every spec in turn; one that fails does not stop the others (its error is
    /// printed). Exits 2 when a spec was bad input, else 1 when a point failed.
    func run() throws {
        let interrupt = InterruptHandler(signals: [SIGINT, SIGTERM])
        var worst: ExitCode?
        let engine = EngineExecutor(baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for spec in specs {
            if interrupt.stop.isSet { throw ExitStatus.interrupted }
            if markPoints {
                printError("== depthbook point \(URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent)")
            }
            do {
                try run(spec, engine: engine, stop: interrupt.stop)
            } catch let code as ExitCode {
                if worst == nil || code.rawValue == ExitStatus.badInput.rawValue { worst = code }
            }
        }
        if let worst { throw worst }
    }

    /// One spec: its result to `-o` or standard output (and the cache with `--store-in`).
    func run(_ spec: String, engine: EngineExecutor, stop: StopFlag) throws {
        let input: Data?
        if spec == "-" {
            input = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            input = FileManager.default.contents(atPath: spec)
        }
        guard let input else {
            printError("error: \(spec): no such file; hint: give a point spec JSON file, or - for standard input")
            throw ExitStatus.badInput
        }
        let result: String
        do {
            let store = storeIn.map { (cache: ResultCache(directory: URL(fileURLWithPath: $0, isDirectory: true)),
                                       dataFingerprint: dataFingerprint ?? "", engineVersion: engineVersion) }
            result = try PointWorker.run(spec: input, baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                         store: store, engine: engine, shouldStop: { stop.isSet })
        } catch let error as RunnerError {
            printError("error: \(spec == "-" ? "standard input" : spec): \(error)")
            throw ExitStatus.badInput
        } catch {
            printError("error: \(error)")
            throw ExitStatus.executionFailure
        }
        if let output {
            try reportingErrors {
                var outputs = OutputSet(inputs: spec == "-" ? [] : [(spec, "point spec")])
                outputs.add(Data(result.utf8), to: output)
                try outputs.commit()
            }
        } else {
            FileHandle.standardOutput.write(Data(result.utf8))
        }
    }
}
