import Foundation
import Notebook
import Runner

/// Runs each point as a child `depthbook run-point` process (`--executor process`): the seam a
/// cluster executor builds on, since a point then needs nothing but its spec JSON, the data
/// files and the binary.
///
/// Data questions (files, missing files, fingerprint, FLOPs) are answered in this process by an
/// ``EngineExecutor`` over the same folder, so cache keys do not depend on where points run. The
/// child starts in the notebook's folder (relative data paths resolve as in-process), reads the
/// spec from a file and writes the result (``PointCodec/encodeResult(_:)``) to another; results
/// round-trip exactly (shortest round-trip decimals), so pages and `results.json` are the same
/// bytes as with the in-process executor.
///
/// ```swift
/// let pipeline = NotebookPipeline(executors: .process(worker: URL(fileURLWithPath: "/usr/bin/depthbook")))
/// ```
public final class ProcessExecutor: LocalDataAnswers, @unchecked Sendable {
    public let worker: URL
    public let baseDirectory: URL
    public let local: EngineExecutor

    public init(worker: URL, baseDirectory: URL) {
        self.worker = worker
        self.baseDirectory = baseDirectory
        local = EngineExecutor(baseDirectory: baseDirectory)
    }


    /// Runs `depthbook run-point SPEC -o RESULT` in the notebook's folder; polls `shouldStop`
    /// every 20 ms and terminates the child (SIGTERM) when it says so.
    ///
    /// - Throws: ``RunnerError`` with the child's error message (its stderr, without `error: `),
    ///   or saying it could not start or was stopped.
    public func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("depthbook-point-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let specFile = scratch.appendingPathComponent("spec.json"), resultFile = scratch.appendingPathComponent("result.json")
        let errorFile = scratch.appendingPathComponent("stderr")
        do {
            try Data(point.canonicalJSON.utf8).write(to: specFile)
            try Data().write(to: errorFile)
        } catch {
            throw RunnerError("cannot write the point spec in \(scratch.path); hint: check that the temporary folder (TMPDIR) is writable")
        }
        let child = Process()
        child.executableURL = worker
        child.arguments = ["run-point", specFile.path, "-o", resultFile.path]
        child.currentDirectoryURL = baseDirectory
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        let errors = try FileHandle(forWritingTo: errorFile)
        defer { try? errors.close() }
        child.standardError = errors
        do {
            try child.run()
        } catch {
            throw RunnerError("cannot start \(worker.path) run-point; hint: check --worker names the depthbook binary")
        }
        var stopped = false
        while child.isRunning {
            if !stopped, shouldStop() {
                stopped = true
                child.terminate()
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        child.waitUntilExit()
        if stopped { throw RunnerError("stopped") }
        guard child.terminationStatus == 0, child.terminationReason == .exit else {
            let text = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            let message = text.split(separator: "\n").last.map(String.init) ?? ""
            let cleaned = message.hasPrefix("error: ") ? String(message.dropFirst(7)) : message
            throw RunnerError(cleaned.isEmpty ? "run-point exited with status \(child.terminationStatus)" : cleaned)
        }
        guard let data = FileManager.default.contents(atPath: resultFile.path) else {
            throw RunnerError("run-point wrote no result to \(resultFile.path)")
        }
        return try PointCodec.decodeResult(data)
    }
}

/// An executor that runs points elsewhere but answers every data question (files, missing
/// files, problems, fingerprint, FLOPs, engine version) with an in-process ``EngineExecutor``
/// over the notebook's folder, so cache keys and `check` do not depend on where points run.
public protocol LocalDataAnswers: PointExecutor {
    var local: EngineExecutor { get }
}

extension LocalDataAnswers {
    public var engineVersion: String { local.engineVersion }
    public func dataFiles(for data: DataSpec) -> [String] { local.dataFiles(for: data) }
    public func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)] { local.missingDataFiles(for: data) }
    public func dataProblem(for data: DataSpec) -> (key: String, message: String)? { local.dataProblem(for: data) }
    public func dataFingerprint(for data: DataSpec) throws -> String { try local.dataFingerprint(for: data) }
    public func flopsPerStep(_ point: PointSpec) throws -> Double { try local.flopsPerStep(point) }
}

extension ExecutorFactory {
    /// Runs every point as a child `worker run-point` process (``ProcessExecutor``).
    public static func process(worker: URL) -> ExecutorFactory {
        ExecutorFactory { ProcessExecutor(worker: worker, baseDirectory: $0) }
    }
}

/// What `depthbook run-point` does: one point spec in, its result out, in the formats the cache
/// stores (``PointCodec``).
public enum PointWorker {
    /// Decodes `spec`, trains it with the built-in engine (relative data paths resolved against
    /// `baseDirectory`), and returns the result JSON.
    ///
    /// - Throws: ``RunnerError`` for a bad spec; the engine's error (bad data, bad
    ///   configuration) for a run that cannot proceed.
    ///   - store: a cache to store the result in (a cluster task's `--store-in`), keyed with
    ///     this data fingerprint; the engine version must be `engineVersion` (the render's), or
    ///     the entry would never be found.
    ///   - engine: the engine to train with (one per process, so the points of a cluster task
    ///     read their data files once); nil: a new one over `baseDirectory`.
    public static func run(spec: Data, baseDirectory: URL, store: (cache: ResultCache, dataFingerprint: String, engineVersion: String?)? = nil,
                           engine: EngineExecutor? = nil,
                           shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> String {
        let point = try PointCodec.decodeSpec(spec)
        let engine = engine ?? EngineExecutor(baseDirectory: baseDirectory)
        if let expected = store?.engineVersion, expected != engine.engineVersion {
            throw RunnerError("this worker's engine is \(engine.engineVersion), the render's \(expected); hint: --worker must be the same depthbook build as the render")
        }
        let result = try engine.run(point, progress: { _ in }, shouldStop: shouldStop)
        if let store {
            try store.cache.store(result, for: point, engineVersion: engine.engineVersion, dataFingerprint: store.dataFingerprint)
        }
        return PointCodec.encodeResult(result) + "\n"
    }
}
