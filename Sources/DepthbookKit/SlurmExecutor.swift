import Foundation
import Notebook
import Runner

/// How `--executor slurm` submits: the `render` flags (or front matter `executor:`) as values.
public struct SlurmOptions: Sendable, Hashable {
    /// `--partition` (nil: the cluster's default partition).
    public var partition: String?
    /// `--time HH:MM:SS` per task (nil: the partition's default).
    public var time: String?
    /// `--cpus-per-task` (1: points train on one BLAS thread).
    public var cpusPerTask = 1
    /// `--max-parallel K`: at most K tasks of the array run at once (`--array=0-(N-1)%K`).
    public var maxParallel: Int?
    /// `--points-per-task M`: each array task trains M points one after another (the last
    /// task fewer), so points of a second or less are not dominated by the scheduler's cycle
    /// (about a second per start even on an idle cluster).
    public var pointsPerTask = 1
    /// Extra `#SBATCH` arguments, verbatim (`--mem=2G`, `--account=abc`).
    public var sbatchArguments: [String] = []
    /// `--dry-run`: print the script and the points, submit nothing.
    public var dryRun = false
    /// Seconds between two scheduler queries (one `squeue` per array, never per task).
    public var pollSeconds = 3.0
    /// Seconds of failing `squeue` calls after which the controller counts as lost.
    public var controllerGraceSeconds = 30.0

    /// Where `sbatch`, `squeue` and `scancel` are (nil: found on PATH); tests put fakes here.
    public var commandDirectory: String?

    public init() {}
}

/// Runs a block's missing points as one Slurm job array (`--executor slurm`).
///
/// Each array task runs `WORKER run-point SPEC --store-in CACHE --data-fingerprint F
/// --engine-version V` in the notebook's folder and so writes its result into the notebook's
/// cache itself (atomically, ``ResultCache/store(_:for:engineVersion:dataFingerprint:)``); the
/// render watches the cache for results (progress) and asks the scheduler about the array once
/// every ``SlurmOptions/pollSeconds`` with a single `squeue`, so a thousand-task array costs the
/// controller what a one-task job does. States come from `squeue --states=all` (Slurm keeps
/// finished tasks for `MinJobAge` seconds; `sacct` needs accounting storage, which many small
/// clusters lack). Task 0 first checks that it sees the worker, the cache folder and the data
/// files, and fails with a message naming what it cannot see (its log tail is the error).
///
/// A job's files go in `CACHE/slurm/<block>-<time>/`: the script, one spec per task
/// (`specs/<task>.json`) and one log per task (`logs/<task>.log`). Data questions
/// (fingerprint, FLOPs, missing files) are answered in this process by an ``EngineExecutor``,
/// so cache keys are those of `--executor local` and pages are byte-identical.
public final class SlurmExecutor: BatchPointExecutor, LocalDataAnswers, @unchecked Sendable {
    public let worker: URL
    public let baseDirectory: URL
    public let options: SlurmOptions
    /// Where `--dry-run` prints and diagnostics go.
    let print: @Sendable (String) -> Void
    public let local: EngineExecutor

    public init(worker: URL, baseDirectory: URL, options: SlurmOptions,
                print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) {
        self.worker = worker
        self.baseDirectory = baseDirectory
        self.options = options
        self.print = print
        local = EngineExecutor(baseDirectory: baseDirectory)
    }


    /// One point alone: an array of one.
    public func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        let box = ResultBox()
        runBatch([point], block: "point", cache: nil, dataFingerprint: try dataFingerprint(for: point.data),
                 shouldStop: shouldStop) { _, result in box.value = result }
        return try (box.value ?? .failure(RunnerError("no result"))).get()
    }

    // MARK: The array

    /// The sbatch script of an array over `count` points whose files live in `job`.
    func script(count: Int, block: String, job: URL, cache: URL, dataFingerprint: String, dataFiles: [String]) -> String {
        var header = ["--job-name=depthbook-\(Self.safeName(block))",
                      "--array=0-\(taskCount(points: count) - 1)" + (options.maxParallel.map { "%\($0)" } ?? ""),
                      "--output=\(job.path)/logs/%a.log", "--chdir=\(baseDirectory.path)",
                      "--cpus-per-task=\(options.cpusPerTask)", "--ntasks=1"]
        if let partition = options.partition { header.append("--partition=\(partition)") }
        if let time = options.time { header.append("--time=\(time)") }
        header += options.sbatchArguments
        let quote = Self.shellQuote
        let seen = ([worker.path, cache.path] + dataFiles).map { "  [ -e \(quote($0)) ] || missing=\"$missing \(quote($0).replacingOccurrences(of: "\"", with: "\\\""))\"" }
        return """
            #!/bin/bash
            \(header.map { "#SBATCH \($0)" }.joined(separator: "\n"))
            # Written by depthbook render --executor slurm: one task per point of block \(block).
            set -u
            export OPENBLAS_NUM_THREADS=1
            if [ "${SLURM_ARRAY_TASK_ID}" = 0 ]; then
              # Everything a task reads must be on a file system this node shares with the render.
              missing=""
            \(seen.joined(separator: "\n"))
              [ -w \(quote(cache.path)) ] || missing="$missing \(quote(cache.path).replacingOccurrences(of: "\"", with: "\\\"")) (not writable)"
              if [ -n "$missing" ]; then
                echo "error: node $(hostname) cannot see:$missing; hint: put the cache, the data and the depthbook binary on a file system the nodes share" >&2
                exit 3
              fi
            fi
            # Task t trains points t*\(options.pointsPerTask) … (t+1)*\(options.pointsPerTask)-1 (of \(count)); a failing point does not stop the others.
            status=0
            first=$(( SLURM_ARRAY_TASK_ID * \(options.pointsPerTask) ))
            last=$(( first + \(options.pointsPerTask) < \(count) ? first + \(options.pointsPerTask) - 1 : \(count - 1) ))
            for point in $(seq "$first" "$last"); do
              \(quote(worker.path)) run-point \(quote(job.path))/specs/${point}.json \\
                --store-in \(quote(cache.path)) --data-fingerprint \(quote(dataFingerprint)) --engine-version \(quote(engineVersion)) -o /dev/null \\
                || { code=$?; if [ "$code" -gt 128 ]; then echo "error: point $point: run-point killed by signal $(( code - 128 ))" >&2; else echo "error: point $point: run-point exited with status $code" >&2; fi; status=1; }
            done
            exit $status

            """
    }

    /// Array tasks for `points` points.
    func taskCount(points: Int) -> Int { (points + options.pointsPerTask - 1) / options.pointsPerTask }

    public func runBatch(_ points: [PointSpec], block: String, cache: ResultCache?, dataFingerprint: String,
                         shouldStop: @escaping @Sendable () -> Bool,
                         finished: @escaping @Sendable (Int, Result<PointResult, Error>) -> Void) {
        let cache = cache ?? ResultCache(directory: baseDirectory.appendingPathComponent(".depthbook/cache/run-point", isDirectory: true))
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .init(identifier: "UTC")!, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        let job = cache.directory.appendingPathComponent("slurm/\(Self.safeName(block))-\(stamp)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        let dataFiles = points.first.map { local.dataFiles(for: $0.data) } ?? []
        let text = script(count: points.count, block: block, job: job, cache: cache.directory,
                          dataFingerprint: dataFingerprint, dataFiles: dataFiles)
        let failAll: (String) -> Void = { message in
            for position in points.indices { finished(position, .failure(RunnerError(message))) }
        }
        if options.dryRun {
            print("# block \(block): \(points.count) points to submit as one array of \(taskCount(points: points.count)) tasks; sbatch script:")
            print(text)
            for (position, point) in points.enumerated() { print("# point \(position) (task \(position / options.pointsPerTask)): \(point.canonicalJSON)") }
            for position in points.indices { finished(position, .failure(RunnerError("not submitted (--dry-run)"))) }
            return
        }
        do {
            try FileManager.default.createDirectory(at: job.appendingPathComponent("specs"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: job.appendingPathComponent("logs"), withIntermediateDirectories: true)
            for (position, point) in points.enumerated() {
                try Data(point.canonicalJSON.utf8).write(to: job.appendingPathComponent("specs/\(position).json"))
            }
            try Data(text.utf8).write(to: job.appendingPathComponent("job.sbatch"))
        } catch {
            return failAll("cannot write the job's files in \(job.path); hint: the notebook's cache folder must be writable")
        }
        let submitted = command("sbatch", ["--parsable", job.appendingPathComponent("job.sbatch").path])
        guard submitted.status == 0, let id = submitted.output.split(separator: ";").first.map({ String($0).trimmingCharacters(in: .whitespacesAndNewlines) }),
              !id.isEmpty else {
            return failAll("sbatch refused the array: \(Self.lastLine(submitted.error, or: "exit status \(submitted.status)"))")
        }
        FileHandle.standardError.write(Data("block \(block): submitted \(points.count) point\(points.count == 1 ? "" : "s") as Slurm array \(id) (scripts and logs in \(job.path))\n".utf8))
        watch(points, id: id, job: job, cache: cache, dataFingerprint: dataFingerprint, shouldStop: shouldStop, finished: finished)
    }

    /// Polls the cache (cheap, local) and, every ``SlurmOptions/pollSeconds``, one `squeue`
    /// for the whole array, until every point has a result or a final state.
    func watch(_ points: [PointSpec], id: String, job: URL, cache: ResultCache, dataFingerprint: String,
               shouldStop: @escaping @Sendable () -> Bool, finished: @escaping @Sendable (Int, Result<PointResult, Error>) -> Void) {
        var pending = Set(points.indices)
        var lastQuery = Date.distantPast, lastAnswer = Date()
        var seenInQueue = false
        let collect: () -> Void = {
            for position in pending.sorted() {
                if case .hit(let result) = cache.lookup(points[position], engineVersion: self.engineVersion, dataFingerprint: dataFingerprint) {
                    pending.remove(position)
                    finished(position, .success(result))
                }
            }
        }
        while !pending.isEmpty {
            collect()
            if pending.isEmpty { break }
            if shouldStop() {
                _ = command("scancel", [id])
                collect()
                for position in pending.sorted() { finished(position, .failure(RunnerError("cancelled (scancel \(id))"))) }
                return
            }
            if Date().timeIntervalSince(lastQuery) >= options.pollSeconds {
                lastQuery = Date()
                let answer = command("squeue", ["-h", "-r", "--states=all", "-j", id, "-o", "%K|%T|%r"])
                if answer.status != 0 {
                    if Date().timeIntervalSince(lastAnswer) > options.controllerGraceSeconds {
                        collect()
                        let message = "lost the Slurm controller: squeue failed for \(Int(options.controllerGraceSeconds)) s (\(Self.lastLine(answer.error, or: "exit status \(answer.status)"))); hint: array \(id) may still run; render again later to collect its results, or scancel \(id)"
                        for position in pending.sorted() { finished(position, .failure(RunnerError(message))) }
                        return
                    }
                } else {
                    lastAnswer = Date()
                    var states: [Int: (state: String, reason: String)] = [:]
                    for line in answer.output.split(separator: "\n") {
                        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                        guard fields.count >= 2, let task = Int(fields[0]) else { continue }
                        states[task] = (fields[1], fields.count > 2 ? fields[2] : "")
                    }
                    seenInQueue = seenInQueue || !states.isEmpty
                    collect()
                    for position in pending.sorted() {
                        let task = position / self.options.pointsPerTask
                        let state = states[task]?.state
                        if let state, Self.activeStates.contains(state) { continue }
                        if state == nil && !seenInQueue { continue }
                        // Final, or gone from the queue, and no result in the cache.
                        pending.remove(position)
                        let log = job.appendingPathComponent("logs/\(task).log")
                        let tail = Self.tail(of: log)
                        let what: String
                        if state == "COMPLETED" {
                            what = "Slurm task \(id)_\(task) completed but its result is not in \(cache.directory.path); hint: the cache must be on a file system the nodes share"
                        } else {
                            what = "Slurm task \(id)_\(task) \(state ?? "left the queue without a result")"
                        }
                        finished(position, .failure(RunnerError(what + (tail.isEmpty ? "" : "; log \(log.path) ends: \(tail)"))))
                    }
                }
            }
            if !pending.isEmpty { Thread.sleep(forTimeInterval: 0.25) }
        }
    }

    /// States in which a task may still produce its result.
    static let activeStates: Set<String> = ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]

    /// The last lines of a task's log, joined with ` | ` (empty when there is none).
    static func tail(of log: URL, lines: Int = 3) -> String {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }

    static func lastLine(_ text: String, or fallback: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? fallback
    }

    /// Letters, digits, `-` and `_` of a block label, for job and folder names.
    static func safeName(_ label: String) -> String {
        String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// `'…'` with embedded quotes closed and escaped, for bash.
    static func shellQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a Slurm command (in ``SlurmOptions/commandDirectory``, else found on PATH) with a
    /// 20-second limit, so a hung controller is a failure, not a hang.
    func command(_ name: String, _ arguments: [String]) -> (status: Int32, output: String, error: String) {
        let child = Process()
        if let directory = options.commandDirectory {
            child.executableURL = URL(fileURLWithPath: directory).appendingPathComponent(name)
            child.arguments = arguments
        } else {
            child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            child.arguments = [name] + arguments
        }
        let output = Pipe(), error = Pipe()
        child.standardOutput = output
        child.standardError = error
        child.standardInput = FileHandle.nullDevice
        do { try child.run() } catch { return (127, "", "cannot run \(name)") }
        let outBox = ResultBox(), errBox = ResultBox()
        let group = DispatchGroup()
        for (pipe, box) in [(output, outBox), (error, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(20)
        while child.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if child.isRunning {
            child.terminate()
            child.waitUntilExit()
            group.wait()
            return (124, "", "\(name) did not answer within 20 s")
        }
        child.waitUntilExit()
        group.wait()
        let missing = child.terminationStatus == 127 ? "\(name): command not found; hint: load Slurm's client tools (module load slurm) or install slurm-client" : ""
        return (child.terminationStatus, outBox.text, missing.isEmpty ? errBox.text : missing)
    }
}

/// A value set from another thread.
private final class ResultBox: @unchecked Sendable {
    var value: Result<PointResult, Error>?
    var text = ""
}

extension ExecutorFactory {
    /// Runs every block's missing points as one Slurm job array (``SlurmExecutor``).
    public static func slurm(worker: URL, options: SlurmOptions, print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) -> ExecutorFactory {
        ExecutorFactory { SlurmExecutor(worker: worker, baseDirectory: $0, options: options, print: print) }
    }
}
