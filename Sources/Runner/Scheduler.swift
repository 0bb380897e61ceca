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

/// Runs experiment blocks: cache lookups, then the missing points on `jobs` threads.
///
/// Blocks run one after another; within a block, missing points are taken longest first by
/// `jobs` worker threads. Results are stored by point index, so the outcome — and the page —
/// is the same for any `jobs`. Each finished point is stored in the cache at once, so a killed
/// run keeps everything it finished. A block's timeout (its `timeout:` or `--timeout`) counts
/// from its start: at the deadline running points are stopped through `shouldStop` (within one
/// training step) and no new point starts. `stop` (Ctrl-C) does the same for every block.
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

    /// Runs every block in order; stops early (remaining blocks `cancelled`) after Ctrl-C.
    public func run(_ blocks: [(cell: ExperimentCell, spec: ExperimentSpec)]) -> [BlockResult] {
        blocks.map { block in run(block.cell, block.spec) }
    }

    /// Runs one block.
    public func run(_ cell: ExperimentCell, _ spec: ExperimentSpec) -> BlockResult {
        let points = Sweep.points(of: spec)
        let label = cell.label
        let failsCommand = !(spec.allowErrors || options.allowErrors)
        var result = BlockResult(cell: cell, spec: spec, axes: Sweep.axes(of: spec), points: points,
                                 outcomes: Array(repeating: .cancelled, count: points.count),
                                 status: .cancelled, failsCommand: failsCommand)
        if stop.isSet { return result }

        let fingerprint: String
        do {
            fingerprint = try cache?.dataFingerprint(for: spec.data, executor: executor)
                ?? executor.dataFingerprint(for: spec.data)
        } catch {
            let message = "\(cell.range.start): block \(label): data: \(error)"
            result.outcomes = Array(repeating: .failed(message), count: points.count)
            result.status = .failed(message)
            progress.blockFinished(label, status: result.status)
            return result
        }

        var toRun: [Int] = []
        for point in points {
            let lookup: ResultCache.Lookup = options.refresh ? .miss(.refresh)
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

        let timeout = spec.timeout ?? options.timeout
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        let state = RunState()
        let stop = self.stop
        let timedOut: @Sendable () -> Bool = { deadline.map { Date() >= $0 } ?? false }
        let shouldStop: @Sendable () -> Bool = { stop.isSet || timedOut() }

        // Longest first (LPT), so the block does not end with one long point on one thread;
        // outcomes are stored by index, so the order of work never shows in the results.
        let missing = toRun.enumerated().sorted { a, b in
            let costA = Self.cost(points[a.element].spec), costB = Self.cost(points[b.element].spec)
            return costA != costB ? costA > costB : a.offset < b.offset
        }.map(\.element)
        let classify: @Sendable (Result<PointResult, Error>) -> PointOutcome = { result in
            switch result {
            case .success(let pointResult): return .finished(pointResult)
            case .failure(let error):
                return stop.isSet ? .cancelled : timedOut() ? .timedOut : .failed("\(error)")
            }
        }
        if let batch = executor as? any BatchPointExecutor, !missing.isEmpty {
            // A cluster array: the workers store results in the cache themselves.
            let started = Date()
            batch.runBatch(missing.map { points[$0].spec }, block: label, cache: cache, dataFingerprint: fingerprint,
                           shouldStop: shouldStop) { [self] position, pointResult in
                let point = points[missing[position]]
                let done = state.finish(point.index, classify(pointResult))
                progress.pointFinished(label, point: point, outcome: classify(pointResult), done: done,
                                       toRun: missing.count, seconds: Date().timeIntervalSince(started))
            }
        }
        let workers = executor is any BatchPointExecutor ? 0 : min(options.jobs, missing.count)
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while let position = state.next(limit: missing.count) {
                    let point = points[missing[position]]
                    let outcome: PointOutcome
                    let started = Date()
                    if shouldStop() {
                        outcome = stop.isSet ? .cancelled : .timedOut
                    } else {
                        progress.pointStarted(label, point: point)
                        let pointResult = Result { try executor.run(point.spec, progress: { _ in }, shouldStop: shouldStop) }
                        outcome = classify(pointResult)
                        if case .success(let pointResult) = pointResult {
                            do {
                                try cache?.store(pointResult, for: point.spec, engineVersion: executor.engineVersion,
                                                 dataFingerprint: fingerprint)
                            } catch {
                                progress.diagnostic(Diagnostic(.warning, "block \(label): \(error)"))
                            }
                        }
                    }
                    let done = state.finish(point.index, outcome)
                    progress.pointFinished(label, point: point, outcome: outcome, done: done, toRun: missing.count,
                                           seconds: Date().timeIntervalSince(started))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()

        for (index, outcome) in state.outcomes { result.outcomes[index] = outcome }
        if stop.isSet && result.outcomes.contains(.cancelled) {
            result.status = .cancelled
        } else if let failure = result.outcomes.lazy.compactMap({ outcome -> String? in
            if case .failed(let message) = outcome { return message } else { return nil }
        }).first {
            result.status = .failed("\(cell.range.start): block \(label): \(failure)")
        } else if result.outcomes.contains(.timedOut), let timeout {
            result.status = .timedOut(timeout)
        } else {
            result.status = .ok
        }
        progress.blockFinished(label, status: result.status)
        return result
    }

    /// A proxy of a point's cost in multiply-adds, only for ordering work (longest first): the
    /// hidden and readout GEMMs of every step (forward, then dW and dX: 3×) and the test split's
    /// forward pass after training.
    ///
    /// The frozen input layer's projection is left out: the in-process engine shares it between
    /// the points of a render (`InputProjectionCache`), so it is no point's own cost. Points that
    /// diverge stop early; that cannot be known before, and only shortens a point.
    static func cost(_ point: PointSpec) -> Double {
        let n = Double(point.width), matrices = Double(point.depth * point.blockDepth)
        let perExample = n * (n * matrices + Double(max(point.data.classes, 1)))
        return (3 * Double(point.steps) * Double(point.batch) + Double(point.data.testCount)) * perExample
    }
}

/// Shared state of one block's workers: the next position to take and the outcomes so far.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    private(set) var outcomes: [Int: PointOutcome] = [:]

    func next(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard position < limit else { return nil }
        position += 1
        return position - 1
    }

    /// Records an outcome; returns how many points have finished.
    func finish(_ index: Int, _ outcome: PointOutcome) -> Int {
        lock.lock(); defer { lock.unlock() }
        outcomes[index] = outcome
        return outcomes.count
    }
}
