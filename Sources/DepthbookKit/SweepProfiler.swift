import DepthMuP
import Foundation
import Notebook
import Runner

/// Where a notebook's sweep spends its time (`depthbook bench --sweep`): runs the notebook's
/// points through the real ``Scheduler`` with the in-process engine, no result cache, and
/// splits the core-seconds into data loading, input projection, initialization, steps (GEMM at
/// the sgemm ceiling vs the rest: elementwise passes, Adam, loss, contention), test
/// evaluation and idle cores.
///
/// GEMM time is not timed inside the step (that would slow it): for each distinct step shape
/// the GEMMs of one step are timed alone (``StepBenchmark/gemmCeiling(_:inputDim:classes:inputProjected:seconds:)``,
/// one thread, before the sweep), and a point's GEMM time is its steps run over that rate. The
/// rest of the step time is "elementwise and contention". The same ceiling with `jobs` threads
/// timing at once shows what running side by side costs the GEMMs (memory bandwidth, shared caches).
///
/// ```swift
/// let prepared = try NotebookPipeline().prepare(path: "notebooks/02-learning-rate-transfer.md", scale: "ci")
/// let profile = try SweepProfiler(jobs: 2).profile(prepared)
/// print(profile.report())
/// ```
public struct SweepProfiler: Sendable {
    /// Points run side by side.
    public var jobs: Int
    /// Run only every `every`-th point of each block (by index; 1: all), a sample of a big sweep.
    public var every: Int
    /// Share x_0 tables between points (the render's behaviour); false: every point projects its own.
    public var shareProjections: Bool
    /// Seconds of each window timing a distinct step shape's GEMMs.
    public var ceilingSeconds: Double
    /// Windows per shape (alone, and `jobs` at once); the fastest is the ceiling.
    public var ceilingRounds: Int

    public init(jobs: Int = 2, every: Int = 1, shareProjections: Bool = true, ceilingSeconds: Double = 0.3,
                ceilingRounds: Int = 3) {
        self.ceilingRounds = max(1, ceilingRounds)
        self.jobs = max(1, jobs)
        self.every = max(1, every)
        self.shareProjections = shareProjections
        self.ceilingSeconds = ceilingSeconds
    }

    /// Runs the sample of `prepared`'s points and returns the breakdown.
    ///
    /// - Throws: ``ProfileError`` when the notebook's executor is not the in-process engine, or
    ///   its data cannot be loaded.
    public func profile(_ prepared: PreparedNotebook) throws -> SweepProfile {
        guard let base = prepared.executor as? EngineExecutor else {
            throw ProfileError(message: "\(prepared.path): bench --sweep profiles the in-process engine only; remove the front matter's executor: or --executor")
        }
        let engine = EngineExecutor(baseDirectory: base.baseDirectory, files: IDXCache(),
                                    projections: InputProjectionCache(byteLimit: shareProjections ? InputProjectionCache.defaultByteLimit : 0))
        var profile = SweepProfile(jobs: jobs)
        // Data: loaded once per block data set (decode and standardize), as a render does.
        var shapes: [DataSpec: (inputDim: Int, classes: Int)] = [:]
        for block in prepared.blocks where shapes[block.spec.data] == nil {
            let started = Date()
            do {
                let data = try engine.dataset(for: block.spec.data)
                shapes[block.spec.data] = (data.inputDim, data.classes)
            } catch {
                throw ProfileError(message: "\(block.cell.range.start): block \(block.cell.label): data: \(error)")
            }
            profile.dataLoading += Date().timeIntervalSince(started)
        }
        // The GEMM ceiling of every distinct step shape, alone and `jobs` at a time.
        var ceilings: [CeilingKey: (alone: Double, loaded: Double)] = [:]
        let sampled = prepared.blocks.flatMap { block in
            Sweep.points(of: block.spec).filter { $0.index % every == 0 }.map { (block.spec.data, $0.spec) }
        }
        for (data, point) in sampled {
            let key = CeilingKey(point)
            guard ceilings[key] == nil, let shape = shapes[data] else { continue }
            let config = EngineExecutor.trainingConfig(point)
            let projected = Trainer.precomputesInputProjection(config, trainCount: point.data.trainCount)
            // NOTE: a ceiling is the fastest the GEMMs go, so each is the best of
            // `ceilingRounds` windows: one 0.3 s window put tutorial 02's limit anywhere from
            // 142.9 to 167.2 s in two runs minutes apart (a slow window only flatters the ratio).
            var alone = 0.0, loaded = 0.0
            for _ in 0..<ceilingRounds {
                alone = max(alone, StepBenchmark.gemmCeiling(config, inputDim: shape.inputDim, classes: shape.classes,
                                                             inputProjected: projected, seconds: ceilingSeconds))
                let rates = Self.concurrently(jobs) {
                    StepBenchmark.gemmCeiling(config, inputDim: shape.inputDim, classes: shape.classes,
                                              inputProjected: projected, seconds: ceilingSeconds)
                }
                loaded = max(loaded, rates.reduce(0, +) / Double(rates.count))
            }
            ceilings[key] = (alone, loaded)
        }

        let recorder = ProfilingExecutor(engine: engine, sample: every == 1 ? nil : Set(sampled.map(\.1)))
        let scheduler = Scheduler(executor: recorder, cache: nil, options: RunOptions(jobs: jobs, allowErrors: true))
        let started = Date()
        _ = scheduler.run(prepared.blocks)
        profile.wallSeconds = Date().timeIntervalSince(started)

        let records = recorder.records
        let firstIdle = records.isEmpty ? 0 : Self.firstIdle(records, jobs: jobs, start: started)
        profile.tailSeconds = max(0, profile.wallSeconds - firstIdle)
        for record in records {
            profile.points += 1
            let busy = record.end.timeIntervalSince(record.start)
            profile.busySeconds += busy
            guard let result = record.result else { profile.failedPoints += 1; continue }
            let p = record.profile
            profile.initialization += p.initialization
            profile.inputProjection += p.inputProjection
            profile.testEvaluation += p.testEvaluation
            if p.sharedProjection { profile.sharedProjections += 1 }
            let ceiling = ceilings[CeilingKey(record.point)] ?? (0, 0)
            let gemm = ceiling.alone > 0 ? Double(result.stepsRun) / ceiling.alone : 0
            profile.stepGEMM += min(gemm, p.steps)
            profile.stepRest += max(0, p.steps - gemm)
            profile.gemmLoadedSeconds += ceiling.loaded > 0 ? Double(result.stepsRun) / ceiling.loaded : 0
            profile.other += max(0, busy - p.initialization - p.inputProjection - p.steps - p.testEvaluation)
        }
        profile.idleCoreSeconds = max(0, Double(jobs) * profile.wallSeconds - profile.busySeconds)
        return profile
    }

    /// When the first of `jobs` workers ran out of points, seconds after `start` (from the records' ends).
    static func firstIdle(_ records: [ProfilingExecutor.Record], jobs: Int, start: Date) -> Double {
        // A worker stops when no point is left to start: the `jobs` last ends are the workers'
        // last points, and the earliest of them is when the first core went idle.
        let ends = records.map { $0.end.timeIntervalSince(start) }.sorted()
        return ends.count >= jobs ? ends[ends.count - jobs] : 0
    }

    /// Runs `body` on `count` threads at once and returns each thread's value.
    static func concurrently(_ count: Int, _ body: @escaping @Sendable () -> Double) -> [Double] {
        let lock = NSLock()
        nonisolated(unsafe) var values: [Double] = []
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread {
                BLAS.setThreadCount(1)
                let value = body()
                lock.lock(); values.append(value); lock.unlock()
                group.leave()
            }.start()
        }
        group.wait()
        return values
    }

    /// What determines a step's GEMMs.
    struct CeilingKey: Hashable {
        var width: Int, depth: Int, blockDepth: Int, batch: Int, input: InputMode, readout: ReadoutMode, trainCount: Int, steps: Int
        init(_ point: PointSpec) {
            width = point.width; depth = point.depth; blockDepth = point.blockDepth; batch = point.batch
            input = point.input; readout = point.readout; trainCount = point.data.trainCount; steps = point.steps
        }
    }
}

/// The breakdown of one profiled sweep; sums over points are core-seconds.
public struct SweepProfile: Sendable {
    public var jobs: Int
    /// Points run (sampled), and of them failed or skipped.
    public var points = 0, failedPoints = 0
    /// Points whose training-split projection came from another point's table.
    public var sharedProjections = 0
    /// Wall time of the sweep (data loading and ceiling timing excluded), seconds.
    public var wallSeconds = 0.0
    /// Loading and standardizing the data sets, once each, seconds (before the sweep).
    public var dataLoading = 0.0
    public var initialization = 0.0, inputProjection = 0.0, testEvaluation = 0.0
    /// Step time at the one-thread sgemm ceiling, and the rest of the step time.
    public var stepGEMM = 0.0, stepRest = 0.0
    /// The same GEMMs at the ceiling measured with `jobs` threads timing at once.
    public var gemmLoadedSeconds = 0.0
    /// Per-point time outside the phases (batches' set-up, result, scheduling), core-seconds.
    public var other = 0.0
    /// Σ per-point wall time, core-seconds; `jobs · wall − busy` is idle.
    public var busySeconds = 0.0, idleCoreSeconds = 0.0
    /// From the first worker running out of points to the end, seconds.
    public var tailSeconds = 0.0

    init(jobs: Int) { self.jobs = jobs }

    /// The sgemm-ceiling limit: the sweep's GEMMs at the one-thread ceiling spread over `jobs` cores, seconds.
    public var gemmLimitSeconds: Double { stepGEMM / Double(jobs) }

    /// A plain-text table: each phase's core-seconds and share, then the ratios.
    public func report() -> String {
        let total = Double(jobs) * wallSeconds
        func row(_ name: String, _ value: Double) -> String {
            "  " + name.padding(toLength: 38, withPad: " ", startingAt: 0)
                + String(format: "%9.2f core-s  %5.1f%%\n", value, total > 0 ? 100 * value / total : 0)
        }
        var text = String(format: "%d points on %d jobs: %.2f s wall (%.2f core-s); data loading %.2f s before\n",
                          points, jobs, wallSeconds, total, dataLoading)
        text += row("input projection (x_0 tables)", inputProjection)
        text += row("initialization", initialization)
        text += row("steps: GEMM at 1-thread ceiling", stepGEMM)
        text += row("steps: elementwise, Adam, contention", stepRest)
        text += row("test evaluation", testEvaluation)
        text += row("other per point", other)
        text += row("idle cores", idleCoreSeconds)
        text += String(format: "  tail (first idle core to the end): %.2f s; shared x_0 tables: %d of %d points; failed: %d\n",
                       tailSeconds, sharedProjections, points, failedPoints)
        let contention = gemmLoadedSeconds > 0 && stepGEMM > 0 ? gemmLoadedSeconds / stepGEMM : 1
        text += String(format: "  sgemm-ceiling limit %.2f s (GEMMs ×%.2f slower with %d at once); wall / limit = %.2f×\n",
                       gemmLimitSeconds, contention, jobs, gemmLimitSeconds > 0 ? wallSeconds / gemmLimitSeconds : 0)
        return text
    }
}

/// bench --sweep cannot profile this notebook (not the in-process engine, data unreadable).
public struct ProfileError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Forwards to an ``EngineExecutor``, recording each point's profile, start and end; refuses
/// points outside the sample at once (they count as failed, cost nothing).
final class ProfilingExecutor: PointExecutor, @unchecked Sendable {
    struct Record {
        var point: PointSpec, start: Date, end: Date, profile: TrainingProfile, result: PointResult?
    }

    struct Skipped: Error, CustomStringConvertible { var description: String { "not in the sample" } }

    let engine: EngineExecutor
    /// The points to run (nil: all).
    let sample: Set<PointSpec>?
    private let lock = NSLock()
    private var kept: [Record] = []

    init(engine: EngineExecutor, sample: Set<PointSpec>?) {
        self.engine = engine
        self.sample = sample
    }

    var records: [Record] {
        lock.lock(); defer { lock.unlock() }
        return kept
    }

    var engineVersion: String { engine.engineVersion }
    func dataFiles(for data: DataSpec) -> [String] { engine.dataFiles(for: data) }
    func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)] { engine.missingDataFiles(for: data) }
    func dataProblem(for data: DataSpec) -> (key: String, message: String)? { engine.dataProblem(for: data) }
    func dataFingerprint(for data: DataSpec) throws -> String { try engine.dataFingerprint(for: data) }
    func flopsPerStep(_ point: PointSpec) throws -> Double { try engine.flopsPerStep(point) }

    func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        if let sample, !sample.contains(point) { throw Skipped() }
        let profile = TrainingProfile()
        let start = Date()
        let result = Result { try engine.run(point, profile: profile, progress: progress, shouldStop: shouldStop) }
        let record = Record(point: point, start: start, end: Date(), profile: profile, result: try? result.get())
        lock.lock(); kept.append(record); lock.unlock()
        return try result.get()
    }
}
