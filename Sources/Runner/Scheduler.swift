import Foundation
import Notebook

/// A flag set from another thread (the SIGINT handler) and polled by running points.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    public var isSet: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }

    public func set() {
        lock.lock(); stopped = true; lock.unlock()
    }
}

/// Options of a run (the `render` flags).
public struct RunOptions: Sendable {
    /// Points run side by side (`--jobs`); ≥ 1.
    public var jobs: Int
    /// Ignore the cache (`--refresh`); results are still stored.
    public var refresh = false
    /// Timeout of every block without its own `timeout:`, seconds (`--timeout`).
    public var timeout: Double?
    /// Treat every block as `allow-errors: true` (`--allow-errors`).
    public var allowErrors = false
    /// Report why each point missed the cache (`--explain`).
    public var explain = false

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, refresh: Bool = false,
                timeout: Double? = nil, allowErrors: Bool = false, explain: Bool = false) {
        self.jobs = max(1, jobs)
        self.refresh = refresh
        self.timeout = timeout
        self.allowErrors = allowErrors
        self.explain = explain
    }
}

/// Runs experiment blocks: cache lookups, then the missing points on `jobs` threads, or, for a
/// ``BatchPointExecutor``, every missing point of the render in one batch.
///
/// Local blocks are pooled: the missing points of every local block of the render form one
/// queue, taken longest first by `jobs` worker threads, so no core idles while any block has
/// points left (a block's last long point no longer runs alone); a point two blocks share runs
/// once. Results are stored by point index, so the outcome — and the page — is the same for any
/// `jobs`. Each finished point is stored in the cache at once, so a killed run keeps everything
/// it finished. A block's timeout (its `timeout:` or `--timeout`) counts from the start of its
/// first point: at the deadline its running points are stopped through `shouldStop` (within one
/// training step; a point another block still wants runs on) and none of its points starts.
/// `stop` (Ctrl-C) does the same for every block. Each block reports its own events and
/// finishes when its last point does.
///
/// Blocks whose executor is a ``BatchPointExecutor`` (Slurm) are planned first, all of them:
/// every uncached point of every such block of every notebook (``Workload``) whose executors
/// share a ``BatchPointExecutor/batchGroup`` goes into one batch, a point wanted by several
/// blocks once; each block's results fill in as its points land, while local blocks run beside
/// it.
///
/// ```swift
/// let scheduler = Scheduler(executor: EngineExecutor(baseDirectory: dir), cache: cache,
///                           options: RunOptions(jobs: 2), progress: StderrProgress())
/// let results = scheduler.run([(cell, spec)])
/// ```
public final class Scheduler: @unchecked Sendable {
    public let executor: any PointExecutor
    public let cache: ResultCache?
    public let options: RunOptions
    public let progress: any RunObserver
    public let stop: StopFlag

    public init(executor: any PointExecutor, cache: ResultCache?, options: RunOptions,
                progress: any RunObserver = SilentProgress(), stop: StopFlag = StopFlag()) {
        self.executor = executor
        self.cache = cache
        self.options = options
        self.progress = progress
        self.stop = stop
    }

    /// One notebook's share of a render: its executor, cache and blocks.
    public struct Workload: Sendable {
        public var executor: any PointExecutor
        public var cache: ResultCache?
        public var blocks: [(cell: ExperimentCell, spec: ExperimentSpec)]
        /// Put before every block label in events and messages (`02-lr/` in a book), so that
        /// labels stay unique when several notebooks run at once.
        public var labelPrefix: String

        public init(executor: any PointExecutor, cache: ResultCache?, blocks: [(cell: ExperimentCell, spec: ExperimentSpec)],
                    labelPrefix: String = "") {
            self.executor = executor
            self.cache = cache
            self.blocks = blocks
            self.labelPrefix = labelPrefix
        }
    }

    /// Runs every block; stops early (remaining blocks `cancelled`) after Ctrl-C.
    ///
    /// A point two blocks share runs once: the later block finds the earlier one's result in
    /// the cache, also under `--refresh` (which bypasses only entries older than this run).
    public func run(_ blocks: [(cell: ExperimentCell, spec: ExperimentSpec)]) -> [BlockResult] {
        Self.run([Workload(executor: executor, cache: cache, blocks: blocks)], options: options, progress: progress, stop: stop)[0]
    }

    /// Runs one block.
    public func run(_ cell: ExperimentCell, _ spec: ExperimentSpec) -> BlockResult { run([(cell, spec)])[0] }

    /// Runs the blocks of several notebooks (a book): the batch executors' blocks as one batch
    /// per ``BatchPointExecutor/batchGroup``, submitted first, and the other blocks pooled into
    /// one local queue meanwhile. Returns each workload's results, in order.
    public static func run(_ workloads: [Workload], options: RunOptions, progress: any RunObserver,
                           stop: StopFlag) -> [[BlockResult]] {
        let ranThisRun = RunLedger()
        let runs = workloads.map { workload in
            workload.blocks.map { BlockRun(cell: $0.cell, spec: $0.spec, label: workload.labelPrefix + $0.cell.label,
                                           executor: workload.executor, cache: workload.cache, options: options,
                                           ranThisRun: ranThisRun) }
        }
        var groups: [(leader: any BatchPointExecutor, runs: [BlockRun])] = []
        var groupOf: [AnyHashable: Int] = [:]
        for (workload, blockRuns) in zip(workloads, runs) {
            guard let batch = workload.executor as? any BatchPointExecutor else { continue }
            if let index = groupOf[batch.batchGroup] {
                groups[index].runs += blockRuns
            } else {
                groupOf[batch.batchGroup] = groups.count
                groups.append((batch, blockRuns))
            }
        }
        let waiting = DispatchGroup()
        for group in groups {
            waiting.enter()
            Thread {
                defer { waiting.leave() }
                runBatch(group.runs, leader: group.leader, progress: progress, stop: stop)
            }.start()
        }
        let local = runs.filter { !($0.first?.executor is any BatchPointExecutor) }.flatMap { $0 }
        runLocally(local, options: options, progress: progress, stop: stop)
        waiting.wait()
        return runs.map { $0.map(\.result) }
    }

    /// The local blocks of a render, pooled: every block's missing points in one queue (a point
    /// two blocks share once, as in ``runBatch(_:leader:progress:stop:)``), longest first across
    /// blocks, on `jobs` threads. A block's clock starts with its first point; a block concludes
    /// (``BlockRun/conclude(progress:stop:)``) when its last point finishes.
    static func runLocally(_ runs: [BlockRun], options: RunOptions, progress: any RunObserver, stop: StopFlag) {
        let planned = runs.filter { $0.plan(options: $0.options, progress: progress, stop: stop, startsClock: false) }
        var queue: [[(run: BlockRun, index: Int)]] = []
        var positionOf: [String: Int] = [:]
        for run in planned {
            if run.missing.isEmpty { run.conclude(progress: progress, stop: stop); continue }
            for index in run.missing {
                let key = run.key(of: index)
                if let position = positionOf[key] {
                    queue[position].append((run, index))
                } else {
                    positionOf[key] = queue.count
                    queue.append([(run, index)])
                }
            }
        }
        // Longest first across blocks (each block's `missing` is already); ties keep block order.
        let order = queue.indices.sorted { a, b in
            let first = queue[a][0], second = queue[b][0]
            let costA = cost(first.run.points[first.index].spec), costB = cost(second.run.points[second.index].spec)
            return costA != costB ? costA > costB : a < b
        }
        let work = order.map { queue[$0] }
        let next = Counter()
        let group = DispatchGroup()
        for _ in 0..<min(options.jobs, work.count) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let position = next.take(limit: work.count) {
                    runPooled(work[position], progress: progress, stop: stop)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    /// One point of the pooled queue for every block that wants it: run once by the first
    /// block's executor, stored once per cache, finished in each block (the last finishing
    /// point concludes its block).
    private static func runPooled(_ wanted: [(run: BlockRun, index: Int)], progress: any RunObserver, stop: StopFlag) {
        for (run, _) in wanted { run.startClock() }
        let shouldStop: @Sendable () -> Bool = { stop.isSet || wanted.allSatisfy { $0.run.timedOut() } }
        let started = Date()
        var pointResult: Result<PointResult, Error>?
        if !shouldStop() {
            let (leader, index) = wanted[0]
            for (run, index) in wanted { progress.pointStarted(run.label, point: run.points[index]) }
            pointResult = Result { try leader.executor.run(leader.points[index].spec, progress: { _ in }, shouldStop: shouldStop) }
        }
        var storedIn: Set<String> = []
        for (run, index) in wanted {
            let point = run.points[index]
            let outcome: PointOutcome
            if let pointResult {
                outcome = run.classify(pointResult, stop: stop)
                if case .success(let result) = pointResult, storedIn.insert(run.cache?.directory.path ?? "").inserted {
                    run.store(result, for: point, progress: progress)
                }
            } else {
                outcome = stop.isSet ? .cancelled : .timedOut
            }
            let done = run.finish(point.index, outcome)
            progress.pointFinished(run.label, point: point, outcome: outcome, done: done, toRun: run.missing.count,
                                   seconds: Date().timeIntervalSince(started))
            if done == run.missing.count { run.conclude(progress: progress, stop: stop) }
        }
    }

    /// The blocks of one batch group: every missing point once, in one ``BatchPointExecutor/runBatch(_:isStopped:finished:)``.
    static func runBatch(_ runs: [BlockRun], leader: any BatchPointExecutor, progress: any RunObserver, stop: StopFlag) {
        let planned = runs.filter { $0.plan(options: $0.options, progress: progress, stop: stop) }
        var items: [BatchItem] = []
        var wanted: [[(run: BlockRun, index: Int)]] = []
        var positionOf: [String: Int] = [:]
        for run in planned {
            for index in run.missing {
                let point = run.points[index]
                let key = run.key(of: index)
                if let position = positionOf[key] {
                    wanted[position].append((run, index))
                } else {
                    positionOf[key] = items.count
                    items.append(BatchItem(point: point.spec, block: run.label, cache: run.cache, dataFingerprint: run.fingerprint))
                    wanted.append([(run, index)])
                }
            }
        }
        if !items.isEmpty {
            let started = Date()
            let wantedBy = wanted, caches = items.map(\.cache?.directory)
            leader.runBatch(items, isStopped: { position in
                stop.isSet || wantedBy[position].allSatisfy { $0.run.timedOut() }
            }, finished: { position, pointResult in
                for (run, index) in wantedBy[position] {
                    let point = run.points[index]
                    let outcome = run.classify(pointResult, stop: stop)
                    // The worker stored it in the first block's cache; another notebook's gets a copy.
                    if case .success(let result) = pointResult, caches[position] == nil || caches[position] != run.cache?.directory {
                        run.store(result, for: point, progress: progress)
                    }
                    let done = run.finish(index, outcome)
                    progress.pointFinished(run.label, point: point, outcome: outcome, done: done, toRun: run.missing.count,
                                           seconds: Date().timeIntervalSince(started))
                }
            })
        }
        for run in planned { run.conclude(progress: progress, stop: stop) }
    }

    /// A proxy of a point's cost in multiply-adds, only for ordering work (longest first) and
    /// packing Slurm tasks: the hidden and readout GEMMs of every step (forward, then dW and dX:
    /// 3×) and the test split's forward pass after training.
    ///
    /// The frozen input layer's projection is left out: the in-process engine shares it between
    /// the points of a render (`InputProjectionCache`), so it is no point's own cost. Points that
    /// diverge stop early, which only shortens a point (`check` probes a sweep's highest rates
    /// for it; ordering and packing do not).
    ///
    /// `check` turns it into seconds (``stepCost(_:)`` calibrated on two shapes) and Slurm
    /// packing at an assumed rate, so ordering, packing and estimates share this one model.
    public static func cost(_ point: PointSpec) -> Double {
        Double(point.steps) * stepCost(point) + Double(point.data.testCount) * exampleCost(point)
    }

    /// One training step's part of ``cost(_:)``, multiply-adds: forward, dW and dX of the
    /// hidden and readout GEMMs for a batch.
    public static func stepCost(_ point: PointSpec) -> Double {
        3 * Double(point.batch) * exampleCost(point)
    }

    /// One example's forward pass through the hidden and readout layers, multiply-adds.
    static func exampleCost(_ point: PointSpec) -> Double {
        let n = Double(point.width), matrices = Double(point.depth * point.blockDepth)
        return n * (n * matrices + Double(max(point.data.classes, 1)))
    }

    /// Points of `seconds` given to `bins` workers as the scheduler does: longest first, each to
    /// the least loaded (LPT list scheduling); the positions each bin got, in the order taken.
    /// Its longest bin is the sweep's makespan (≤ 4/3 of the optimum), not work / bins.
    public static func longestFirst(_ seconds: [Double], into bins: Int) -> [[Int]] {
        var loads = Array(repeating: 0.0, count: max(1, bins))
        var members = Array(repeating: [Int](), count: loads.count)
        for position in seconds.indices.sorted(by: { seconds[$0] != seconds[$1] ? seconds[$0] > seconds[$1] : $0 < $1 }) {
            let bin = loads.indices.min { loads[$0] != loads[$1] ? loads[$0] < loads[$1] : $0 < $1 } ?? 0
            loads[bin] += seconds[position]
            members[bin].append(position)
        }
        return members
    }
}

/// One block as it runs: its points, the cache lookups' plan and the outcomes so far.
final class BlockRun: @unchecked Sendable {
    let cell: ExperimentCell
    let spec: ExperimentSpec
    /// The block's label in events (with a book's chapter prefix).
    let label: String
    let executor: any PointExecutor
    let cache: ResultCache?
    let options: RunOptions
    let points: [Point]
    private(set) var result: BlockResult
    /// The data fingerprint of the block's cache keys (set by ``plan(options:progress:stop:)``).
    private(set) var fingerprint = ""
    /// Indexes of the points to run, longest first.
    private(set) var missing: [Int] = []
    private(set) var timeout: Double?
    private var deadline: Date?
    private let lock = NSLock()
    private var outcomes: [Int: PointOutcome] = [:]

    /// The points earlier blocks of this render finished (and stored), which `--refresh` reads
    /// from the cache rather than running again.
    let ranThisRun: RunLedger

    init(cell: ExperimentCell, spec: ExperimentSpec, label: String, executor: any PointExecutor, cache: ResultCache?,
         options: RunOptions, ranThisRun: RunLedger = RunLedger()) {
        self.ranThisRun = ranThisRun
        self.cell = cell
        self.spec = spec
        self.label = label
        self.executor = executor
        self.cache = cache
        self.options = options
        points = Sweep.points(of: spec)
        result = BlockResult(cell: cell, spec: spec, axes: Sweep.axes(of: spec), points: points,
                             outcomes: Array(repeating: .cancelled, count: points.count),
                             status: .cancelled, failsCommand: !(spec.allowErrors || options.allowErrors))
    }

    /// The data fingerprint and cache lookups: cached outcomes filled in, ``missing`` set, the
    /// block's clock started. False when the block is already over (stopped before it began, or
    /// its data cannot be read: then it failed, reported).
    ///
    /// `startsClock` false leaves the deadline to ``startClock()`` (the pooled local queue starts
    /// it with the block's first point).
    func plan(options: RunOptions, progress: any RunObserver, stop: StopFlag, startsClock: Bool = true) -> Bool {
        if stop.isSet { return false }
        do {
            fingerprint = try cache?.dataFingerprint(for: spec.data, executor: executor)
                ?? executor.dataFingerprint(for: spec.data)
        } catch {
            let message = "\(cell.range.start): block \(cell.label): data: \(error)"
            result.outcomes = Array(repeating: .failed(message), count: points.count)
            result.status = .failed(message)
            progress.blockFinished(label, status: result.status)
            return false
        }
        var toRun: [Int] = []
        for point in points {
            let lookup: ResultCache.Lookup = options.refresh && !ranThisRun.contains(point.spec, cache: cache) ? .miss(.refresh)
                : (cache?.lookup(point.spec, engineVersion: executor.engineVersion, dataFingerprint: fingerprint) ?? .miss(.noEntry))
            switch lookup {
            case .hit(let pointResult):
                result.outcomes[point.index] = .finished(pointResult)
                progress.pointCached(label, point: point, result: pointResult)
            case .miss(let reason):
                toRun.append(point.index)
                let name = point.label.isEmpty ? "" : " (\(point.label))"
                if case .corrupt = reason {
                    progress.diagnostic(Diagnostic(.warning, "block \(label): point \(point.index + 1)\(name): \(reason); running it again"))
                } else if options.explain {
                    progress.diagnostic(Diagnostic(.explain, "block \(label): point \(point.index + 1)\(name): \(reason)"))
                }
            }
        }
        result.cachedCount = points.count - toRun.count
        result.ranCount = toRun.count
        progress.blockStarted(label, total: points.count, cached: result.cachedCount)
        timeout = spec.timeout ?? options.timeout
        if startsClock { startClock() }
        // Longest first (LPT), so the block does not end with one long point on one thread;
        // outcomes are stored by index, so the order of work never shows in the results.
        missing = toRun.enumerated().sorted { a, b in
            let costA = Scheduler.cost(points[a.element].spec), costB = Scheduler.cost(points[b.element].spec)
            return costA != costB ? costA > costB : a.offset < b.offset
        }.map(\.element)
        return true
    }

    /// Starts the block's clock (its deadline is `timeout` from now) unless it runs already.
    func startClock() {
        lock.lock(); defer { lock.unlock() }
        if deadline == nil, let timeout { deadline = Date().addingTimeInterval(timeout) }
    }

    /// Whether the block's deadline has passed.
    func timedOut() -> Bool {
        lock.lock(); defer { lock.unlock() }
        return deadline.map { Date() >= $0 } ?? false
    }

    /// The identity of a point across blocks and notebooks, from its cache key's parts (engine
    /// version, data fingerprint, canonical spec): a point two blocks share runs once.
    func key(of index: Int) -> String {
        executor.engineVersion + "\n" + fingerprint + "\n" + points[index].spec.canonicalJSON
    }

    /// A run's result as the block's outcome: a failure after Ctrl-C or the deadline is that.
    func classify(_ pointResult: Result<PointResult, Error>, stop: StopFlag) -> PointOutcome {
        switch pointResult {
        case .success(let result): return .finished(result)
        case .failure(let error): return stop.isSet ? .cancelled : timedOut() ? .timedOut : .failed("\(error)")
        }
    }

    /// Stores a result in the block's cache (a failure is a warning: the page still shows it).
    func store(_ pointResult: PointResult, for point: Point, progress: any RunObserver) {
        do {
            try cache?.store(pointResult, for: point.spec, engineVersion: executor.engineVersion, dataFingerprint: fingerprint)
        } catch {
            progress.diagnostic(Diagnostic(.warning, "block \(label): \(error)"))
        }
    }

    /// Records an outcome; returns how many of the block's points have finished.
    func finish(_ index: Int, _ outcome: PointOutcome) -> Int {
        if case .finished = outcome, cache != nil { ranThisRun.insert(points[index].spec, cache: cache) }
        lock.lock(); defer { lock.unlock() }
        outcomes[index] = outcome
        return outcomes.count
    }

    /// The block's status from its outcomes, reported.
    func conclude(progress: any RunObserver, stop: StopFlag) {
        lock.lock()
        for (index, outcome) in outcomes { result.outcomes[index] = outcome }
        lock.unlock()
        if stop.isSet && result.outcomes.contains(.cancelled) {
            result.status = .cancelled
        } else if let failure = result.outcomes.lazy.compactMap({ outcome -> String? in
            if case .failed(let message) = outcome { return message } else { return nil }
        }).first {
            result.status = .failed("\(cell.range.start): block \(cell.label): \(failure)")
        } else if result.outcomes.contains(.timedOut), let timeout {
            result.status = .timedOut(timeout)
        } else {
            result.status = .ok
        }
        progress.blockFinished(label, status: result.status)
    }
}

/// The next position to take, shared by a block's workers.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0

    func take(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard position < limit else { return nil }
        position += 1
        return position - 1
    }
}

/// The points finished (and stored) during one render, by the cache they were stored in: a
/// later block reads such a point from that cache even under `--refresh`, while a block with
/// another cache (another chapter of a book) still runs it, since its own entry is older.
/// Shared by a render's blocks; thread-safe.
final class RunLedger: @unchecked Sendable {
    private struct Key: Hashable { var cache: String; var spec: PointSpec }
    private let lock = NSLock()
    private var keys = Set<Key>()

    func insert(_ spec: PointSpec, cache: ResultCache?) {
        lock.lock(); keys.insert(Key(cache: cache?.directory.path ?? "", spec: spec)); lock.unlock()
    }

    func contains(_ spec: PointSpec, cache: ResultCache?) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return keys.contains(Key(cache: cache?.directory.path ?? "", spec: spec))
    }
}
