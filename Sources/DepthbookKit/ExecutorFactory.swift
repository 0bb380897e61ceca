import DepthMuP
import Foundation
import Notebook
import Render
import Runner

/// Makes the ``PointExecutor`` of a notebook from the notebook's folder (which resolves its
/// relative data paths) and its front matter `executor:`: the one place a pipeline learns how
/// points are executed.
///
/// A new executor (say, Slurm) is one new `PointExecutor` file plus a case in
/// ``choosing(_:)`` and the CLI flag that picks it; the pipeline does not change.
public struct ExecutorFactory: Sendable {
    /// The executor of the notebook in `notebookDirectory` whose front matter says `settings`.
    ///
    /// - Throws: ``RenderError`` for settings that cannot run (a worker that is not executable).
    public let make: @Sendable (_ notebookDirectory: URL, _ settings: ExecutorSettings?) throws -> any PointExecutor
    /// Checks the front matter `executor:` of every notebook of a render together (each
    /// notebook's file and settings), before anything runs.
    public let validate: @Sendable (_ notebooks: [(file: String, settings: ExecutorSettings?)]) throws -> Void

    /// Ignores the front matter: every notebook gets `make(folder)`.
    public init(_ make: @escaping @Sendable (_ notebookDirectory: URL) -> any PointExecutor) {
        self.make = { directory, _ in make(directory) }
        validate = { _ in }
    }

    public init(make: @escaping @Sendable (_ notebookDirectory: URL, _ settings: ExecutorSettings?) throws -> any PointExecutor,
                validate: @escaping @Sendable (_ notebooks: [(file: String, settings: ExecutorSettings?)]) throws -> Void) {
        self.make = make
        self.validate = validate
    }

    /// Trains in this process with the built-in engine (``EngineExecutor``). Each factory owns
    /// one cache of decoded data files, shared by the notebooks and renders of its pipeline and
    /// keyed by file identity and modification time, so a changed file is read again.
    public static var inProcess: ExecutorFactory {
        let files = IDXCache()
        return ExecutorFactory { EngineExecutor(baseDirectory: $0, files: files) }
    }

    /// Every executor the same fake or shared instance (tests).
    public static func always(_ executor: any PointExecutor) -> ExecutorFactory { ExecutorFactory { _ in executor } }

    /// Each notebook's executor by the rule of `render`: the command line's `--executor`, else
    /// the notebook's front matter `executor: {name: …}`, else local; the other keys
    /// (`--partition`, `--worker`, …) are the flag where given, else the front matter's, key
    /// by key. So in a book a chapter that says slurm runs on Slurm, one that says nothing runs
    /// locally, and `--executor` decides for every chapter. Slurm-only flags given while no
    /// notebook runs on Slurm are an error (``validate``).
    public static func choosing(_ flags: ExecutorFlags) -> ExecutorFactory {
        let files = IDXCache()
        return ExecutorFactory(make: { directory, matter in
            let settings = flags.resolved(matter)
            switch settings.name {
            case "process": return ProcessExecutor(worker: try flags.workerBinary(settings), baseDirectory: directory)
            case "slurm":
                return SlurmExecutor(worker: try flags.workerBinary(settings), baseDirectory: directory,
                                     options: flags.slurmOptions(settings), print: flags.print)
            default: return EngineExecutor(baseDirectory: directory, files: files)
            }
        }, validate: { notebooks in
            guard let flag = flags.slurmOnlyFlag, !notebooks.isEmpty,
                  !notebooks.contains(where: { flags.resolved($0.settings).name == "slurm" }) else { return }
            // NOTE: a flag of the command line, so no `file:1:1` (fresh-user review: it blamed the
            // notebook's first line); the message says which notebooks run here instead.
            let names = notebooks.map(\.file)
            let shown = names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
            // Bad input (exit 2), as the flags' other misuses are.
            throw BadInput([RunnerError("\(flag) needs --executor slurm: \(shown) \(names.count == 1 ? "runs its" : "run their") blocks on this machine; "
                              + "hint: pass --executor slurm, or set front matter executor: {name: slurm}")])
        })
    }
}

/// The command line's execution flags (`--executor`, `--worker` and the Slurm flags), which
/// ``ExecutorFactory/choosing(_:)`` lays over each notebook's front matter `executor:`.
public struct ExecutorFlags: Sendable {
    /// `--executor` (nil: each notebook's front matter, else local).
    public var name: String?
    /// The keys given as flags (`name` unused; empty `sbatchArgs`: none given).
    public var settings = ExecutorSettings(name: "")
    /// `--dry-run`: print Slurm arrays instead of submitting them.
    public var dryRun = false
    /// Where `--dry-run` prints.
    public var print: @Sendable (String) -> Void = { Swift.print($0) }

    public init() {}

    /// The first Slurm-only flag given (`--partition`, …), if any.
    public var slurmOnlyFlag: String? {
        [settings.partition.map { _ in "--partition" }, settings.time.map { _ in "--time" },
         settings.cpusPerTask.map { _ in "--cpus-per-task" }, settings.maxParallel.map { _ in "--max-parallel" },
         settings.pointsPerTask.map { _ in "--points-per-task" }, settings.sbatchArgs.isEmpty ? nil : "--sbatch-arg",
         dryRun ? "--dry-run" : nil].compactMap { $0 }.first
    }

    /// A notebook's settings: each flag over its front matter's key, the name `--executor`,
    /// else the front matter's, else `local`.
    public func resolved(_ matter: ExecutorSettings?) -> ExecutorSettings {
        var merged = ExecutorSettings(name: name ?? matter?.name ?? "local")
        merged.partition = settings.partition ?? matter?.partition
        merged.time = settings.time ?? matter?.time
        merged.cpusPerTask = settings.cpusPerTask ?? matter?.cpusPerTask
        merged.maxParallel = settings.maxParallel ?? matter?.maxParallel
        merged.pointsPerTask = settings.pointsPerTask ?? matter?.pointsPerTask
        merged.sbatchArgs = settings.sbatchArgs.isEmpty ? matter?.sbatchArgs ?? [] : settings.sbatchArgs
        merged.worker = settings.worker ?? matter?.worker
        return merged
    }

    /// The worker binary: `worker`, else this executable, by absolute path.
    ///
    /// - Throws: ``RenderError`` when it is not an executable file.
    func workerBinary(_ settings: ExecutorSettings) throws -> URL {
        let binary = settings.worker.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw RenderError.io(path: binary.path, reason: "not an executable file; hint: --worker (or front matter executor: worker:) names the depthbook binary the points run")
        }
        return binary
    }

    /// The Slurm keys as ``SlurmOptions``.
    func slurmOptions(_ settings: ExecutorSettings) -> SlurmOptions {
        var options = SlurmOptions()
        options.partition = settings.partition
        options.time = settings.time
        if let cpus = settings.cpusPerTask { options.cpusPerTask = cpus }
        options.maxParallel = settings.maxParallel
        options.pointsPerTask = settings.pointsPerTask
        options.sbatchArguments = settings.sbatchArgs
        options.dryRun = dryRun
        return options
    }
}
