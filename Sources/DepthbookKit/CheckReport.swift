import Foundation
import Notebook
import Render
import Runner

/// What `depthbook check` finds: the notebook's cells with their lines, and each experiment
/// block's points and cost estimate.
///
/// ```
/// notes.md: 3 cells (1 experiment), 4 math spans, 0 inline references
///   1-8    prose
///   10-14  experiment lr-transfer (block 1): 24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached)
/// ```
public struct CheckReport: Sendable {
    public var path: String
    public var cellCount: Int
    public var experimentCount: Int
    public var mathCount: Int
    public var referenceCount: Int
    /// One line per cell, as `check` prints it (without the two-space indent).
    public var cells: [String]
    /// `render: ~9.2 s with 2 jobs (…)`: the whole render's estimate, when calibrated.
    public var renderEstimate: String?
    /// Warnings about results already in the cache: optima on the edge of their learning-rate
    /// grid (the ones `render` would give), for blocks whose every point is cached.
    public var warnings: [Diagnostic] = []

    /// The report as `check` prints it, one string per line.
    public var lines: [String] {
        ["\(path): \(counted(cellCount, "cell")) (\(counted(experimentCount, "experiment"))), \(counted(mathCount, "math span")), \(counted(referenceCount, "inline reference"))"]
            + (cells + (renderEstimate.map { [$0] } ?? [])).map { "  " + $0 }
    }
}

/// Options of `check`.
public struct CheckRequest: Sendable {
    public var notebookPath: String
    public var scale: String?
    /// Jobs the time estimate assumes; ≥ 1.
    public var jobs: Int
    /// Time a few steps of each block's largest point to turn FLOPs into seconds.
    public var calibrate: Bool
    /// How to parse the notebook (`--set`s included).
    public var parse = ParseOptions()

    public init(notebookPath: String, scale: String? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                calibrate: Bool = true) {
        self.notebookPath = notebookPath
        self.scale = scale
        self.jobs = max(1, jobs)
        self.calibrate = calibrate
    }
}

/// Every bad-input error `check` found (at most ``limit``), as one error: the command prints
/// each on its own line and exits 2.
public struct BadInput: Error, CustomStringConvertible {
    /// How many errors are kept and shown.
    public static let limit = 50
    /// The first ``limit`` errors, in the order they were found.
    public var errors: [Error]
    /// How many were found in all.
    public var total: Int

    public init(_ errors: [Error]) {
        self.errors = Array(errors.prefix(Self.limit))
        total = errors.count
    }

    /// One `error: …` line per error, then `N errors` (`, the first 50 shown`) when there are several.
    public var lines: [String] {
        var lines = errors.map { "error: \($0)" }
        if total > 1 { lines.append("\(counted(total, "error"))" + (total > errors.count ? ", the first \(errors.count) shown" : "")) }
        return lines
    }

    public var description: String { errors.map { "\($0)" }.joined(separator: "\n") }
}

extension NotebookPipeline {
    /// Parses and validates a notebook (as ``prepare(path:scale:parse:)``) and estimates each
    /// block's cost; trains nothing but a few calibration steps.
    ///
    /// The FLOPs come from the executor's per-step count summed over every point's steps; the
    /// seconds scale them by the speed of short calibration runs of the block's largest point
    /// and divide by `jobs`.
    ///
    /// A point that two blocks share is counted (and estimated) once, in the first block that
    /// has it; later blocks say how many of theirs an earlier block runs.
    ///
    /// - Throws: ``BadInput`` with every bad-input error (``diagnose(_:path:scale:alone:)`` and ``dataProblems(_:executor:)``,
    ///   at most ``BadInput/limit``), each located; a ``NotebookError`` that stops parsing.
    public func check(_ request: CheckRequest) throws -> CheckReport {
        let started = Date()
        let notebook = try Notebook.load(path: request.notebookPath, options: request.parse)
        // A render parses and checks the notebook as this diagnosis does, then renders and
        // writes the page: about this much again, besides its blocks. The data's headers
        // (``dataProblems``), which a render does not read, come after the clock. NOTE: timing
        // them too put 06's page at 0.6 s of a 1.1 s ci render (real: about 0.2 s; ratio 0.73).
        let (prepared, found) = try diagnose(notebook, path: request.notebookPath, scale: request.scale)
        let pageSeconds = 2 * Date().timeIntervalSince(started)
        let problems = Self.dataProblems(prepared.blocks, executor: prepared.executor)
        let errors = problems.isEmpty ? found : (found + problems).inSourceOrder(of: notebook.file)
        if !errors.isEmpty { throw BadInput(errors) }
        let parsed = prepared.notebook
        var math = 0, references = 0
        for item in parsed.inlines {
            switch item {
            case .math: math += 1
            case .reference: references += 1
            case .crossReference: break
            }
        }
        var lines: [String] = []
        var pointSeconds: [Double] = [], loadingSeconds = 0.0, calibrated = false
        var countedPoints = Set<PointSpec>()
        var warnings: [Diagnostic] = []
        for cell in parsed.cells {
            let range = "\(cell.range.start.line)-\(cell.range.end.line)"
            let padded = range.padding(toLength: max(7, range.count + 1), withPad: " ", startingAt: 0)
            switch cell {
            case .prose: lines.append("\(padded)prose")
            case .code(let code): lines.append("\(padded)code \(code.info.isEmpty ? "(indented or no info)" : code.info)")
            case .experiment(let experiment):
                var line = "\(padded)experiment \(experiment.id ?? "-") (block \(experiment.index))"
                if let block = prepared.blocks.first(where: { $0.cell.index == experiment.index }) {
                    let estimate = Self.estimate(block.spec, executor: prepared.executor, cache: prepared.cache,
                                                 jobs: request.jobs, calibrate: request.calibrate, counted: &countedPoints)
                    line += ": " + estimate.text
                    if estimate.seconds != nil {
                        calibrated = true
                        pointSeconds += estimate.pointSeconds
                        loadingSeconds += estimate.loading
                    }
                    if let warning = Self.cachedGridEdgeWarning(block, executor: prepared.executor, cache: prepared.cache,
                                                                computing: request.calibrate) {
                        warnings.append(Diagnostic(.warning, warning))
                    }
                }
                lines.append(line)
            }
        }
        // A render pools every block's points into one longest-first queue (``Scheduler``), so
        // its time is the pooled makespan, not the sum of the blocks' own.
        let renderEstimate = !calibrated ? nil
            : "render: ~\(Self.secondsText(pageSeconds + loadingSeconds + Self.makespan(pointSeconds, jobs: request.jobs))) with \(counted(request.jobs, "job")) (every block's points in one queue, and the page)"
        for warning in warnings { observer.diagnostic(warning) }
        return CheckReport(path: request.notebookPath, cellCount: parsed.cells.count,
                           experimentCount: parsed.experiments.count, mathCount: math, referenceCount: references,
                           cells: lines, renderEstimate: renderEstimate, warnings: warnings)
    }

    /// `render`'s edge-of-grid warning for `block` (``BlockAnalysis/gridEdgeWarning()``), when
    /// the cache holds every point of it; nil otherwise. `check` runs nothing, so a block with a
    /// point not yet run has no optimum to judge: its warning waits for `render`.
    ///
    /// - Parameter computing: whether the data's fingerprint may be computed (reading the
    ///   data), or only a remembered one used (`--no-calibration` loads no data).
    static func cachedGridEdgeWarning(_ block: PreparedBlock, executor: any PointExecutor, cache: ResultCache,
                                      computing: Bool) -> String? {
        guard block.spec.optimizer.learningRates.count > 1,
              let fingerprint = (try? cache.dataFingerprint(for: block.spec.data, executor: executor, computing: computing)) ?? nil
        else { return nil }
        let points = Sweep.points(of: block.spec)
        var outcomes: [PointOutcome] = []
        for point in points {
            guard case .hit(let result) = cache.lookup(point.spec, engineVersion: executor.engineVersion,
                                                       dataFingerprint: fingerprint) else { return nil }
            outcomes.append(.finished(result))
        }
        let result = BlockResult(cell: block.cell, spec: block.spec, axes: Sweep.axes(of: block.spec), points: points,
                                 outcomes: outcomes, status: .ok, failsCommand: false)
        return BlockAnalysis(result).gridEdgeWarning()
    }

    /// A block's line of `check` and, when calibrated, its seconds.
    struct BlockEstimate {
        /// `24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached, 4 run by an earlier block)`.
        var text: String
        /// The block's wall time alone, seconds: its points' makespan on the jobs plus the
        /// data's loading; nil without calibration or with nothing to run.
        var seconds: Double?
        /// Each point to run's estimated seconds (empty without calibration), which the render
        /// line pools with the other blocks' as a render's queue does.
        var pointSeconds: [Double] = []
        /// The data's loading and fingerprint, seconds (0 without calibration).
        var loading = 0.0
    }

    /// The longest job's seconds when `seconds` are given to `jobs` longest first
    /// (``Scheduler/longestFirst(_:into:)``, what a render does).
    static func makespan(_ seconds: [Double], jobs: Int) -> Double {
        guard !seconds.isEmpty else { return 0 }
        return Scheduler.longestFirst(seconds, into: min(max(1, jobs), seconds.count))
            .map { $0.reduce(0) { $0 + seconds[$1] } }.max() ?? 0
    }

    /// `24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached, 4 run by an earlier block)`, or the
    /// reason there is no estimate. Points in `counted` (earlier blocks') cost nothing here; this
    /// block's are added to it.
    ///
    /// The seconds come from one cost model, ``Scheduler/cost(_:)`` (what orders points and packs
    /// Slurm tasks): calibration runs time the step and the fixed cost of a run (model
    /// building, measurements, test evaluation) on the block's largest shape by
    /// ``Scheduler/stepCost(_:)`` and, when it is much smaller, its smallest, on `jobs` threads
    /// at once (so contention between points running side by side is in the numbers); each
    /// point's seconds are interpolated between the two by its step cost, the points are
    /// given to the jobs longest first (``Scheduler/longestFirst(_:into:)``, what a render
    /// does) and the longest job is the block's time, plus the data's loading (hashing its
    /// fingerprint and reading it, once per render).
    ///
    /// NOTE: what the one-shape model missed, measured on the tutorials at ci scale (issue 15,
    /// debug build, 2 jobs): the largest shape's per-step rate does not hold for the smallest
    /// (05's smallest steps took 1.4× what the rate predicts, 06's 0.6×: per-layer costs and GEMM
    /// efficiency vary with shape); on an empty cache the fingerprint read the data before the
    /// first calibration run, so the data's loading (0.5–0.7 s of Fashion-MNIST) was never
    /// counted; work / jobs is not the longest job; a calibration run alone misses the
    /// slow-down of two points side by side (bench --sweep: GEMMs 1.8–2.0× slower); and the page
    /// (parse, check, render, write: up to 1.6 s for 05) was not in any block. Points that
    /// diverge stop early and cannot be foreseen: they only make a render shorter.
    static func estimate(_ spec: ExperimentSpec, executor: any PointExecutor, cache: ResultCache, jobs: Int,
                         calibrate: Bool, counted earlier: inout Set<PointSpec>) -> BlockEstimate {
        let all = Sweep.points(of: spec)
        let points = all.filter { !earlier.contains($0.spec) }
        let shared = all.count - points.count
        earlier.formUnion(all.map(\.spec))
        var text = counted(all.count, "point")
        let flops: [Double]
        do {
            flops = try points.map { try executor.flopsPerStep($0.spec) * Double($0.spec.steps) }
        } catch {
            return BlockEstimate(text: text + " (no estimate: \(error))", seconds: nil)
        }
        text += ", " + flopsText(flops.reduce(0, +))
        // Without calibration, only a remembered fingerprint: `check --no-calibration` loads no data.
        let fingerprintStarted = Date()
        let fingerprint = (try? cache.dataFingerprint(for: spec.data, executor: executor, computing: calibrate)) ?? nil
        let fingerprintSeconds = Date().timeIntervalSince(fingerprintStarted)
        let toRun = points.filter { point in
            guard let fingerprint else { return true }
            if case .hit = cache.lookup(point.spec, engineVersion: executor.engineVersion, dataFingerprint: fingerprint) { return false }
            return true
        }
        let cached = points.count - toRun.count
        var seconds: Double?, perPoint: [Double] = [], loading = 0.0
        if calibrate, let model = RunTimeModel.calibrate(toRun.map(\.spec), executor: executor, cache: cache,
                                                         threads: min(jobs, toRun.count)) {
            perPoint = toRun.map { model.seconds($0.spec) }
            loading = fingerprintSeconds + model.loading
            seconds = loading + Self.makespan(perPoint, jobs: jobs)
            text += ", ~\(secondsText(seconds ?? 0)) with \(counted(jobs, "job"))"
        }
        let notes = (cached > 0 ? ["\(cached) cached"] : []) + (shared > 0 ? ["\(shared) run by an earlier block"] : [])
        if !notes.isEmpty { text += " (\(notes.joined(separator: ", ")))" }
        return BlockEstimate(text: text, seconds: seconds, pointSeconds: perPoint, loading: loading)
    }

    /// `21.3 TFLOP`, `1.9 GFLOP`, `12 FLOP`.
    public static func flopsText(_ flops: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
        for (scale, name) in units where flops >= scale { return String(format: "%.1f %@", flops / scale, name) }
        return String(format: "%.0f FLOP", flops)
    }

    /// `0.4 s`, `3.2 s`, `14 s`, `2.5 min`, `14 min`, `2.5 h`.
    public static func secondsText(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1f s", max(0.1, seconds)) }
        if seconds < 100 { return String(format: "%.0f s", seconds.rounded()) }
        if seconds < 600 { return String(format: "%.1f min", seconds / 60) }
        if seconds < 3600 { return String(format: "%.0f min", (seconds / 60).rounded()) }
        return String(format: "%.1f h", seconds / 3600)
    }
}

/// Seconds of a point's run, from calibration runs of a sweep's largest and smallest shapes:
/// `fixed + steps × perStep`, each a straight line in ``Scheduler/stepCost(_:)`` through the two
/// shapes (one shape: proportional to it, as a run's cost is).
struct RunTimeModel {
    /// A shape's measured step cost and seconds.
    struct Shape { var stepCost: Double; var perStep: Double; var fixed: Double }
    var large: Shape
    var small: Shape?
    /// What the first run paid beyond its own work: reading the data into memory, seconds.
    var loading: Double
    /// Storing a point's result in the cache (a render does, per point), seconds.
    var storing: Double

    func seconds(_ point: PointSpec) -> Double {
        let x = Scheduler.stepCost(point)
        func line(_ value: (Shape) -> Double) -> Double {
            guard let small, large.stepCost > small.stepCost else { return value(large) * x / max(large.stepCost, 1) }
            let slope = (value(large) - value(small)) / (large.stepCost - small.stepCost)
            return max(0, value(small) + slope * (x - small.stepCost))
        }
        return line(\.fixed) + Double(point.steps) * line(\.perStep) + storing
    }

    /// Times the shapes of `points` (largest and, below half its step cost, smallest), each
    /// on `threads` threads at once; nil when nothing is to run or a run fails.
    ///
    /// A shape's step time is the difference of two runs (2 steps and k, k from 10 up to the
    /// point's steps until the difference is 0.25 s or more: on a machine loaded by other work,
    /// 0.1 s windows gave estimates of one notebook 1.6× apart), its fixed cost the 2-step
    /// run's rest; a first 1-step run pays the data's loading. About a second per shape at most. Storing one result in a scratch folder
    /// of `cache` (then removed) times what a render adds per point.
    static func calibrate(_ points: [PointSpec], executor: any PointExecutor, cache: ResultCache, threads: Int) -> RunTimeModel? {
        // NOTE: of a shape's points, the one at the middle learning rate: the highest rate of a
        // sweep may diverge (03's SGD block at ci scale: 2^1 on depth 64), and a calibration
        // run that diverges or computes with NaNs times nothing a render will mostly do; it
        // put 03's estimate at 1.7–1.9× the render in 2 runs of 3.
        func middle(_ cost: Double?) -> PointSpec? {
            let same = points.filter { Scheduler.stepCost($0) == cost }.sorted { $0.learningRate < $1.learningRate }
            return same.isEmpty ? nil : same[same.count / 2]
        }
        let costs = points.map(Scheduler.stepCost)
        guard let largest = middle(costs.max()), let smallest = middle(costs.min()) else { return nil }
        let kept = ThreadTimes.Kept()
        func timed(_ point: PointSpec, steps: Int, threads: Int) -> Double? {
            var probe = point
            probe.steps = steps
            probe.coordinateCheckSteps = probe.coordinateCheckSteps.filter { $0 <= steps }
            let times = ThreadTimes(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let started = Date()
                let result = try? executor.run(probe, progress: { _ in }, shouldStop: { false })
                times.set(thread, result != nil ? Date().timeIntervalSince(started) : nil)
                if let result { kept.keep(result) }
            }
            return times.mean
        }
        func shape(_ point: PointSpec) -> Shape? {
            let short = min(2, point.steps)
            guard let shortTime = timed(point, steps: short, threads: threads) else { return nil }
            // A run of 1 or 2 steps (an initialization study) is all fixed cost: nothing to split.
            guard point.steps > short else { return Shape(stepCost: Scheduler.stepCost(point), perStep: 0, fixed: shortTime) }
            var long = min(10, point.steps)
            guard var longTime = timed(point, steps: long, threads: threads) else { return nil }
            while long < point.steps, longTime - shortTime < 0.25, longTime < 1 {
                long = min(point.steps, long * 4)
                guard let time = timed(point, steps: long, threads: threads) else { return nil }
                longTime = time
            }
            let perStep = max(0, longTime - shortTime) / Double(long - short)
            return Shape(stepCost: Scheduler.stepCost(point), perStep: perStep, fixed: max(0, shortTime - Double(short) * perStep))
        }
        guard let first = timed(largest, steps: 1, threads: 1), let large = shape(largest) else { return nil }
        // A 1-step run first, so that the small shape's 2-step run does not pay its width's input
        // projection (a render computes it once and shares it: `InputProjectionCache`).
        let small = Scheduler.stepCost(smallest) < Scheduler.stepCost(largest) / 2
            && timed(smallest, steps: 1, threads: 1) != nil ? shape(smallest) : nil
        var storing = 0.0
        if let result = kept.result {
            let scratch = ResultCache(directory: cache.directory.appendingPathComponent("calibration-\(getpid())"))
            let started = Date()
            if (try? scratch.store(result, for: largest, engineVersion: executor.engineVersion, dataFingerprint: "calibration")) != nil {
                storing = Date().timeIntervalSince(started)
            }
            try? FileManager.default.removeItem(at: scratch.directory)
        }
        // The first run paid the data's loading on top of its own cost (measured alone: the
        // 2-step run's on `threads` threads includes contention, so this errs low).
        return RunTimeModel(large: large, small: small, loading: max(0, first - large.fixed - large.perStep), storing: storing)
    }
}

/// Each calibration thread's elapsed seconds (nil: its run failed).
private final class ThreadTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Double?]

    init(count: Int) { times = Array(repeating: nil, count: count) }

    /// The last result a calibration run gave, to time storing one.
    final class Kept: @unchecked Sendable {
        private let lock = NSLock()
        private var last: PointResult?
        func keep(_ result: PointResult) { lock.lock(); last = result; lock.unlock() }
        var result: PointResult? { lock.lock(); defer { lock.unlock() }; return last }
    }

    func set(_ index: Int, _ value: Double?) { lock.lock(); times[index] = value; lock.unlock() }

    /// The mean, or nil when a run failed.
    var mean: Double? {
        lock.lock(); defer { lock.unlock() }
        let values = times.compactMap { $0 }
        return values.count == times.count && !values.isEmpty ? values.reduce(0, +) / Double(values.count) : nil
    }
}
