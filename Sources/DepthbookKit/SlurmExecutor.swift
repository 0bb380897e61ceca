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
    /// task fewer). Nil (the default): ``SlurmExecutor/layout(seconds:slots:)`` packs points
    /// into tasks long enough to amortise a task's start.
    public var pointsPerTask: Int?
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
        let item = BatchItem(point: point, block: "point", cache: nil, dataFingerprint: try dataFingerprint(for: point.data))
        runBatch([item], isStopped: { _ in shouldStop() }) { _, result in box.value = result }
        return try (box.value ?? .failure(RunnerError("no result"))).get()
    }

    /// Executors of the same worker, folder and options share an array.
    public var batchGroup: AnyHashable { AnyHashable([worker.path, baseDirectory.path, "\(options)"]) }

    // MARK: Packing points into tasks

    /// A Slurm task's start, seconds: on an idle one-node cluster `sched/builtin` started about
    /// one task per second per CPU (measured with 100 one-point tasks on 2 CPUs: 2.1× the local time).
    static let taskStartSeconds = 1.0
    /// A packed task lasts at least this many task starts, so starting costs ≤ 10% of its time.
    static let amortisation = 10.0
    /// Training speed assumed for the estimate, FLOP/s on one thread (the engine's GEMM runs at
    /// 20–60 GFLOP/s on one core; a low guess makes tasks shorter, never too long).
    static let assumedFLOPRate = 20e9
    /// A point's fixed cost in a task, seconds (initialisation, evaluation; a task starts one
    /// `run-point` for all its points of one cache, so the process start and the data load are
    /// paid once).
    static let pointOverheadSeconds = 0.1

    /// A point's estimated seconds in a task: its ``Scheduler/cost(_:)`` (multiply-adds, 2 FLOP
    /// each) at ``assumedFLOPRate``, plus ``pointOverheadSeconds``.
    func estimatedSeconds(_ point: PointSpec) -> Double {
        2 * Scheduler.cost(point) / Self.assumedFLOPRate + Self.pointOverheadSeconds
    }

    /// The array's tasks, each a list of positions into the points whose estimated times are
    /// `seconds`: `--points-per-task M` cuts them into runs of M in order; otherwise the task
    /// count is chosen so that a task lasts about ``amortisation`` task starts (at least one
    /// task per slot, a multiple of the `slots` tasks run at once, at most one point each,
    /// and half the `--time` limit at most), and points go to tasks longest first, each to
    /// the least loaded task (LPT), so the tasks end together.
    func layout(seconds: [Double], slots: Int?) -> [[Int]] {
        let count = seconds.count
        if let perTask = options.pointsPerTask {
            return stride(from: 0, to: count, by: perTask).map { Array($0..<min($0 + perTask, count)) }
        }
        let work = seconds.reduce(0, +)
        let amortised = Int(work / (Self.amortisation * Self.taskStartSeconds))
        var tasks: Int
        if let slots {
            tasks = amortised >= slots ? amortised / slots * slots : slots
        } else {
            tasks = max(1, amortised)
        }
        if let limit = options.time.flatMap(Self.seconds(ofTimeLimit:)) {
            tasks = max(tasks, Int((work / (limit / 2)).rounded(.up)))
        }
        tasks = min(max(1, tasks), count)
        return Scheduler.longestFirst(seconds, into: tasks).map { $0.sorted() }
    }

    /// Tasks that can run at once: `--max-parallel`, else the partition's CPUs (`sinfo`) over
    /// `--cpus-per-task`, the smaller of the two; nil when neither is known.
    func slots() -> Int? {
        var arguments = ["-h", "-o", "%C"]
        if let partition = options.partition { arguments += ["-p", partition] }
        let answer: (status: Int32, output: String, error: String) = options.pointsPerTask == nil ? command("sinfo", arguments) : (1, "", "")
        // %C is allocated/idle/other/total CPUs, one line per partition.
        let cpus = answer.status == 0 ? answer.output.split(separator: "\n").compactMap { line in
            line.split(separator: "/").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }.reduce(0, +) : 0
        let fromCPUs = cpus > 0 ? max(1, cpus / options.cpusPerTask) : nil
        switch (options.maxParallel, fromCPUs) {
        case let (parallel?, cpus?): return min(parallel, cpus)
        case let (parallel, cpus): return parallel ?? cpus
        }
    }

    /// Seconds of a Slurm time limit (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`,
    /// `D-HH:MM:SS`, sbatch's forms); nil for anything else (`UNLIMITED`).
    static func seconds(ofTimeLimit text: String) -> Double? {
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return nil }
        let days = dayParts.count == 2 ? Int(dayParts[0]) : 0
        let fields = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let days, !fields.isEmpty, fields.count <= 3, fields.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let numbers = fields.map { Double($0!) }
        let seconds: Double
        if dayParts.count == 2 {
            // D-HH, D-HH:MM, D-HH:MM:SS
            seconds = numbers[0] * 3600 + (numbers.count > 1 ? numbers[1] * 60 : 0) + (numbers.count > 2 ? numbers[2] : 0)
        } else {
            switch numbers.count {
            case 1: seconds = numbers[0] * 60
            case 2: seconds = numbers[0] * 60 + numbers[1]
            default: seconds = numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
            }
        }
        let total = Double(days) * 86400 + seconds
        return total > 0 ? total : nil
    }

    // MARK: The array

    /// The sbatch script of an array whose files live in `job`: task t trains the points
    /// `firsts[t]` ..< `firsts[t+1]` (spec files `specs/P.json` in task order), point P storing
    /// into cache `caches[destination[P]]` with fingerprint `fingerprints[destination[P]]`.
    func script(tasks: [[Int]], destinations: [Int], stores: [(cache: URL, fingerprint: String)], name: String,
                job: URL, dataFiles: [String]) -> String {
        var header = ["--job-name=depthbook-\(Self.safeName(name))",
                      "--array=0-\(tasks.count - 1)" + (options.maxParallel.map { "%\($0)" } ?? ""),
                      "--output=\(job.path)/logs/%a.log", "--chdir=\(baseDirectory.path)",
                      "--cpus-per-task=\(options.cpusPerTask)", "--ntasks=1"]
        if let partition = options.partition { header.append("--partition=\(partition)") }
        if let time = options.time { header.append("--time=\(time)") }
        header += options.sbatchArguments
        let quote = Self.shellQuote
        let seen = ([worker.path] + stores.map(\.cache.path) + dataFiles).map { "  [ -e \(quote($0)) ] || missing=\"$missing \(quote($0).replacingOccurrences(of: "\"", with: "\\\""))\"" }
        let writable = stores.map { "  [ -w \(quote($0.cache.path)) ] || missing=\"$missing \(quote($0.cache.path).replacingOccurrences(of: "\"", with: "\\\"")) (not writable)\"" }
        var firsts = [0]
        for task in tasks { firsts.append(firsts.last! + task.count) }
        let count = destinations.count
        return """
            #!/bin/bash
            \(header.map { "#SBATCH \($0)" }.joined(separator: "\n"))
            # Written by depthbook render --executor slurm: \(count) point\(count == 1 ? "" : "s") in \(tasks.count) task\(tasks.count == 1 ? "" : "s").
            set -u
            export OPENBLAS_NUM_THREADS=1
            if [ "${SLURM_ARRAY_TASK_ID}" = 0 ]; then
              # Everything a task reads must be on a file system this node shares with the render.
              missing=""
            \((seen + writable).joined(separator: "\n"))
              if [ -n "$missing" ]; then
                echo "error: node $(hostname) cannot see:$missing; hint: put the cache, the data and the depthbook binary on a file system the nodes share" >&2
                exit 3
              fi
            fi
            # Task t trains points ${firsts[t]} … ${firsts[t+1]}-1; point p stores into caches[destination[p]].
            firsts=(\(firsts.map(String.init).joined(separator: " ")))
            destination=(\(destinations.map(String.init).joined(separator: " ")))
            caches=(\(stores.map { quote($0.cache.path) }.joined(separator: " ")))
            fingerprints=(\(stores.map { quote($0.fingerprint) }.joined(separator: " ")))
            status=0
            point=${firsts[SLURM_ARRAY_TASK_ID]}; end=${firsts[SLURM_ARRAY_TASK_ID + 1]}
            while [ "$point" -lt "$end" ]; do
              # One run-point for each run of points with the same cache (one process start and data
              # load); a failing point does not stop the others, and run-point marks each point's part of the log.
              d=${destination[$point]}; specs=()
              while [ "$point" -lt "$end" ] && [ "${destination[$point]}" = "$d" ]; do specs+=(\(quote(job.path))/specs/${point}.json); point=$(( point + 1 )); done
              \(quote(worker.path)) run-point --mark-points "${specs[@]}" \\
                --store-in "${caches[$d]}" --data-fingerprint "${fingerprints[$d]}" --engine-version \(quote(engineVersion)) > /dev/null \\
                || { code=$?; if [ "$code" -gt 128 ]; then echo "error: run-point killed by signal $(( code - 128 ))" >&2; else echo "error: run-point exited with status $code" >&2; fi; status=1; }
            done
            exit $status

            """
    }

    public func runBatch(_ items: [BatchItem], isStopped: @escaping @Sendable (Int) -> Bool,
                         finished: @escaping @Sendable (Int, Result<PointResult, Error>) -> Void) {
        let fallback = ResultCache(directory: baseDirectory.appendingPathComponent(".depthbook/cache/run-point", isDirectory: true))
        let caches = items.map { $0.cache ?? fallback }
        var stores: [(cache: URL, fingerprint: String)] = []
        var storeOf: [[String]: Int] = [:]
        let itemStore = items.indices.map { position -> Int in
            let key = [caches[position].directory.path, items[position].dataFingerprint]
            if let index = storeOf[key] { return index }
            storeOf[key] = stores.count
            stores.append((caches[position].directory, items[position].dataFingerprint))
            return stores.count - 1
        }
        // Within a task, points of one cache sit together: one run-point each.
        let tasks = layout(seconds: items.map { estimatedSeconds($0.point) }, slots: slots())
            .map { $0.sorted { (itemStore[$0], $0) < (itemStore[$1], $1) } }
        // Slot s of the array (specs/s.json) holds item order[s]; tasks are runs of slots.
        let order = tasks.flatMap { $0 }
        var taskOf = Array(repeating: 0, count: items.count), slotOf = Array(repeating: 0, count: items.count)
        for (slot, position) in order.enumerated() { slotOf[position] = slot }
        for (task, members) in tasks.enumerated() { for position in members { taskOf[position] = task } }
        let blocks = Self.blockSummary(items.map(\.block))
        let name = Set(items.map(\.block)).count == 1 ? items[0].block : caches[0].directory.lastPathComponent
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .init(identifier: "UTC")!, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        let job = caches[0].directory.appendingPathComponent("slurm/\(Self.safeName(name))-\(stamp)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        var dataFiles: [String] = []
        for data in Set(items.map(\.point.data)) {
            for file in local.dataFiles(for: data) where !dataFiles.contains(file) { dataFiles.append(file) }
        }
        let text = script(tasks: tasks, destinations: order.map { itemStore[$0] }, stores: stores, name: name, job: job,
                          dataFiles: dataFiles.sorted())
        let failAll: (String) -> Void = { message in
            for position in items.indices { finished(position, .failure(RunnerError(message))) }
        }
        if options.dryRun {
            print("# \(counted(items.count, "point")) (\(blocks)) to submit as one array of \(counted(tasks.count, "task")); sbatch script:")
            print(text)
            for (slot, position) in order.enumerated() {
                print("# point \(slot) (task \(taskOf[position]), block \(items[position].block)): \(items[position].point.canonicalJSON)")
            }
            failAll("not submitted (--dry-run)")
            return
        }
        do {
            try FileManager.default.createDirectory(at: job.appendingPathComponent("specs"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: job.appendingPathComponent("logs"), withIntermediateDirectories: true)
            for (slot, position) in order.enumerated() {
                try Data(items[position].point.canonicalJSON.utf8).write(to: job.appendingPathComponent("specs/\(slot).json"))
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
        FileHandle.standardError.write(Data("submitted \(counted(items.count, "point")) (\(blocks)) as Slurm array \(id) of \(counted(tasks.count, "task")) (scripts and logs in \(job.path))\n".utf8))
        watch(items, caches: caches, tasks: tasks, taskOf: taskOf, slotOf: slotOf, id: id, job: job,
              isStopped: isStopped, finished: finished)
    }

    /// `lr 12, coords 6`: each block's share of an array, in first-seen order.
    static func blockSummary(_ blocks: [String]) -> String {
        var order: [String] = [], counts: [String: Int] = [:]
        for block in blocks {
            if counts[block] == nil { order.append(block) }
            counts[block, default: 0] += 1
        }
        return order.map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
    }

    /// Polls the cache (cheap, local) and, every ``SlurmOptions/pollSeconds``, one `squeue`
    /// for the whole array, until every point has a result, a final state, or is stopped.
    func watch(_ items: [BatchItem], caches: [ResultCache], tasks: [[Int]], taskOf: [Int], slotOf: [Int], id: String, job: URL,
               isStopped: @escaping @Sendable (Int) -> Bool, finished: @escaping @Sendable (Int, Result<PointResult, Error>) -> Void) {
        var pending = Set(items.indices)
        var lastQuery = Date.distantPast, lastAnswer = Date()
        var seenInQueue = false
        let collect: () -> Void = {
            for position in pending.sorted() {
                if case .hit(let result) = caches[position].lookup(items[position].point, engineVersion: self.engineVersion,
                                                                   dataFingerprint: items[position].dataFingerprint) {
                    pending.remove(position)
                    finished(position, .success(result))
                }
            }
        }
        while !pending.isEmpty {
            collect()
            if pending.isEmpty { break }
            let stopped = pending.filter(isStopped)
            if !stopped.isEmpty {
                if stopped.count == pending.count {
                    _ = command("scancel", [id])
                    collect()
                    for position in pending.sorted() { finished(position, .failure(RunnerError("cancelled (scancel \(id))"))) }
                    return
                }
                for position in stopped.sorted() {
                    pending.remove(position)
                    finished(position, .failure(RunnerError("stopped waiting for Slurm task \(id)_\(taskOf[position])")))
                }
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
                        let task = taskOf[position]
                        let state = states[task]?.state
                        if let state, Self.activeStates.contains(state) { continue }
                        if state == nil && !seenInQueue { continue }
                        // Final, or gone from the queue, and no result in the cache.
                        pending.remove(position)
                        finished(position, .failure(RunnerError(failureMessage(of: slotOf[position], task: task, points: tasks[task].map { slotOf[$0] },
                                                                        state: state, id: id, job: job, cache: caches[position]))))
                    }
                }
            }
            if !pending.isEmpty { Thread.sleep(forTimeInterval: 0.25) }
        }
    }

    /// What became of array point `slot` of `task` (whose points are `points`, slots in run
    /// order) that ended in `state` without its result: the state, where in the task it
    /// stopped, and the end of that point's part of the task's log (else the log's end).
    func failureMessage(of slot: Int, task: Int, points: [Int], state: String?, id: String, job: URL, cache: ResultCache) -> String {
        let log = job.appendingPathComponent("logs/\(task).log")
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        let marker = "== depthbook point \(slot)"
        var segment: [String] = []
        var reached = false, passed = false
        if let start = lines.firstIndex(of: marker) {
            reached = true
            segment = Array(lines[(start + 1)...].prefix { !$0.hasPrefix("== depthbook point ") })
            passed = start + 1 + segment.count < lines.count
        }
        let place = points.count > 1 ? " (point \((points.firstIndex(of: slot) ?? 0) + 1) of its \(points.count))" : ""
        var what: String
        switch state {
        case "COMPLETED"?:
            what = "Slurm task \(id)_\(task) completed but its result is not in \(cache.directory.path); hint: the cache must be on a file system the nodes share"
        case let state?:
            what = "Slurm task \(id)_\(task)\(place) \(state)"
            if points.count > 1 { what += !reached ? " before it reached this point" : passed ? "" : " while training this point" }
        case nil:
            what = "Slurm task \(id)_\(task)\(place) left the queue without a result"
        }
        let tail = (segment.isEmpty ? lines.filter { !$0.hasPrefix("== depthbook point ") } : segment).suffix(3).joined(separator: " | ")
        return what + (tail.isEmpty ? "" : "; log \(log.path) ends: \(tail)")
    }

    /// States in which a task may still produce its result.
    static let activeStates: Set<String> = ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]

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
