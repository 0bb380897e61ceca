import ArgumentParser
import DepthbookKit
import Foundation
import Runner

/// `depthbook run-point [FILE|-]`: trains one point from its spec JSON and writes the result JSON
/// that the cache stores (``PointWorker``); `--executor process` and cluster tasks run it.
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

    @Argument(help: "The point spec (.json), or - for standard input.")
    var spec: String = "-"

    @Option(name: .shortAndLong, help: "Write the result here (atomically) instead of standard output.")
    var output: String?

    @Option(help: "Also store the result in this cache folder (a cluster task writes into the notebook's cache).")
    var storeIn: String?

    @Option(help: "The data fingerprint of the cache key (with --store-in).")
    var dataFingerprint: String?

    @Option(help: "Refuse to run unless this binary's engine version is this one (with --store-in).")
    var engineVersion: String?

    func validate() throws {
        if (storeIn == nil) != (dataFingerprint == nil) {
            throw ValidationError("--store-in and --data-fingerprint go together")
        }
    }

    func run() throws {
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
        let interrupt = InterruptHandler(signals: [SIGINT, SIGTERM])
        let result: String
        do {
            let store = storeIn.map { (cache: ResultCache(directory: URL(fileURLWithPath: $0, isDirectory: true)),
                                       dataFingerprint: dataFingerprint ?? "", engineVersion: engineVersion) }
            result = try PointWorker.run(spec: input, baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                                         store: store, shouldStop: { interrupt.stop.isSet })
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
