import ArgumentParser
import DepthbookKit
import Foundation
import Notebook
import Runner

/// `--set KEY=VALUE` of `render`, `check` and `preview` (``Parameters``), one definition.
struct ParameterFlags: ParsableArguments {
    @Option(name: .customLong("set"),
            help: ArgumentHelp("A YAML value at a dotted path: into every block (train.steps=50), into the front matter's defaults (defaults.train.seeds=[0,1]) or a front-matter key (scale=ci); repeatable, later wins.",
                               valueName: "KEY=VALUE"))
    var settings: [String] = []

    /// The `--set`s, parsed; bad ones are located at `--set[N]:1:COLUMN`.
    func parameters() throws -> Parameters { try Parameters.parse(settings) }

    /// `options` with the `--set`s in them.
    func parse(_ options: ParseOptions = ParseOptions()) throws -> ParseOptions {
        var options = options
        options.parameters = try parameters()
        return options
    }
}

/// Flags of `render` that control execution.
struct RunFlags: ParsableArguments {
    @Option(help: "Points run side by side (default: the number of cores; more than the cores is capped unless --force-jobs).")
    var jobs: Int?

    @Flag(help: "Run as many --jobs as asked even beyond the number of cores (each job is a thread training one point).")
    var forceJobs = false

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

    @OptionGroup var parameters: ParameterFlags

    func validate() throws {
        try Self.validateJobs(jobs)
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
        if let maxParallel, maxParallel < 1 { throw ValidationError("--max-parallel must be at least 1") }
        if let pointsPerTask, pointsPerTask < 1 { throw ValidationError("--points-per-task must be at least 1") }
        if let executor, executor != .slurm, let flag = slurmOnlyFlag {
            throw ValidationError("\(flag) needs --executor slurm")
        }
    }

    /// `--jobs` of `render`, `preview` and `check`: at least 1 (one rule for every subcommand).
    static func validateJobs(_ jobs: Int?) throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    @Option(help: "Where points run: local (in this process, the default), process (each point a child `depthbook run-point`) or slurm (a block's missing points as one Slurm job array).")
    var executor: ExecutorName?

    @Option(help: "The depthbook binary --executor process or slurm runs (default: this one; for slurm on a file system the nodes share).")
    var worker: String?

    @Option(help: "Slurm partition of the array (default: the cluster's default).")
    var partition: String?

    @Option(help: "Slurm time limit of each task, HH:MM:SS (or any form sbatch --time takes).")
    var time: String?

    @Option(help: "CPUs of each Slurm task (default 1).")
    var cpusPerTask: Int?

    @Option(help: "At most K tasks of an array run at once (sbatch --array=0-(N-1)%K).")
    var maxParallel: Int?

    @Option(help: "Points each Slurm task trains one after another (default 1; raise it for points of a second or less).")
    var pointsPerTask: Int?

    @Option(help: "An extra #SBATCH argument, verbatim (repeatable), e.g. --sbatch-arg=--mem=2G.")
    var sbatchArg: [String] = []

    @Flag(help: "With --executor slurm: print each array's sbatch script and point list, submit nothing, write no page.")
    var dryRun = false

    /// The first Slurm-only flag given, if any.
    var slurmOnlyFlag: String? {
        [partition.map { _ in "--partition" }, time.map { _ in "--time" }, cpusPerTask.map { _ in "--cpus-per-task" },
         maxParallel.map { _ in "--max-parallel" }, pointsPerTask.map { _ in "--points-per-task" },
         sbatchArg.isEmpty ? nil : "--sbatch-arg", dryRun ? "--dry-run" : nil].compactMap { $0 }.first
    }

    enum ExecutorName: String, ExpressibleByArgument, CaseIterable { case local, process, slurm }

    /// The worker binary: `--worker`, else the front matter's `worker:`, else this executable.
    func workerBinary(_ settings: ExecutorSettings?) throws -> URL {
        let binary = (worker ?? settings?.worker).map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("--worker \(binary.path): not an executable file")
        }
        return binary
    }

    /// The Slurm flags as ``SlurmOptions``, each over the front matter's `executor:` key.
    func slurmOptions(_ settings: ExecutorSettings?) -> SlurmOptions {
        var options = SlurmOptions()
        options.partition = partition ?? settings?.partition
        options.time = time ?? settings?.time
        if let cpus = cpusPerTask ?? settings?.cpusPerTask { options.cpusPerTask = cpus }
        options.maxParallel = maxParallel ?? settings?.maxParallel
        if let count = pointsPerTask ?? settings?.pointsPerTask { options.pointsPerTask = count }
        options.sbatchArguments = sbatchArg.isEmpty ? settings?.sbatchArgs ?? [] : sbatchArg
        options.dryRun = dryRun
        return options
    }

    /// The executor `--executor` names, else the front matter's `executor:` (flags win key by
    /// key), else local.
    func executors(_ settings: ExecutorSettings? = nil) throws -> ExecutorFactory {
        let name = executor ?? settings.flatMap { ExecutorName(rawValue: $0.name) } ?? .local
        if name != .slurm, let flag = slurmOnlyFlag {
            throw ValidationError("\(flag) needs --executor slurm (or front matter executor: {name: slurm})")
        }
        switch name {
        case .local: return .inProcess
        case .process: return .process(worker: try workerBinary(settings))
        case .slurm: return .slurm(worker: try workerBinary(settings), options: slurmOptions(settings))
        }
    }

    /// `--jobs`, capped at the cores unless `--force-jobs`: more threads than cores only slow
    /// every point down (1000 jobs on 2 cores ran 2–4× slower), and a note says so.
    var jobCount: (jobs: Int, note: String?) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let jobs else { return (cores, nil) }
        guard jobs > cores, !forceJobs else { return (jobs, nil) }
        return (cores, "note: --jobs \(jobs) capped at \(cores), the number of cores; pass --force-jobs to run \(jobs) anyway")
    }

    var options: RunOptions {
        RunOptions(jobs: jobCount.jobs, refresh: refresh, timeout: timeout,
                   allowErrors: allowErrors, explain: explain)
    }
}

/// Sets a flag on Ctrl-C (SIGINT; `run-point` also SIGTERM) instead of dying, so running points
/// stop cleanly.
final class InterruptHandler {
    let stop = StopFlag()
    private let signals: [Int32]
    private let sources: [DispatchSourceSignal]

    init(signals: [Int32] = [SIGINT]) {
        self.signals = signals
        let stop = self.stop
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
