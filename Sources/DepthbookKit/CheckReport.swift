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
    /// Seconds the command's process took before calling ``NotebookPipeline/check(_:)`` (its
    /// launch and argument parsing), which a render's process pays too; 0 from a library caller.
    public var startupSeconds = 0.0

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
        // A render's process also launches and parses its arguments as this one did
        // (`startupSeconds`: 0.1–0.15 s of the debug build; without it 06's ci estimate was
        // 1.2 s for a 1.4 s render).
        let (prepared, found) = try diagnose(notebook, path: request.notebookPath, scale: request.scale)
        let pageSeconds = request.startupSeconds + 2 * Date().timeIntervalSince(started)
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
        // One column for every cell's kind: a range wider than 6 characters (`100-111`) pushed
        // its line's kind right of the others' (fresh-user review).
        let rangeWidth = parsed.cells.map { "\($0.range.start.line)-\($0.range.end.line)".count + 1 }.max() ?? 7
        for cell in parsed.cells {
            let range = "\(cell.range.start.line)-\(cell.range.end.line)"
            let padded = range.padding(toLength: max(7, rangeWidth), withPad: " ", startingAt: 0)
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
    /// diverge in their first 10 steps are costed at the step they stop
    /// (``RunTimeModel/divergingSteps(_:executor:threads:)``); later ones only make a render
    /// shorter.
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
            let diverging = RunTimeModel.divergingSteps(toRun.map(\.spec), executor: executor, threads: min(jobs, toRun.count))
            perPoint = toRun.map { model.seconds($0.spec, stepsRun: diverging[$0.spec]) }
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

    /// Seconds of `point`'s run; `stepsRun`, when given, is the step it diverges at (the run
    /// stops there, and skips the test split's evaluation, so it costs less than this says).
    func seconds(_ point: PointSpec, stepsRun: Int? = nil) -> Double {
        let x = Scheduler.stepCost(point)
        func line(_ value: (Shape) -> Double) -> Double {
            guard let small, large.stepCost > small.stepCost else { return value(large) * x / max(large.stepCost, 1) }
            let slope = (value(large) - value(small)) / (large.stepCost - small.stepCost)
            return max(0, value(small) + slope * (x - small.stepCost))
        }
        return line(\.fixed) + Double(min(stepsRun ?? point.steps, point.steps)) * line(\.perStep) + storing
    }

    /// Steps a probe run takes before it counts a point as not diverging early.
    static let divergenceProbeSteps = 10

    /// The points of `points` that diverge within ``divergenceProbeSteps`` steps, and the step
    /// each diverges at, from probe runs on `threads` threads at once.
    ///
    /// Of each learning-rate sweep (points equal but for the learning rate, 2 rates or more),
    /// the rates are probed from the highest down until one runs the probe's steps without
    /// diverging. A probe is the point's own first steps: training is deterministic and has no
    /// schedule that depends on the run's length, so a point that diverges at step 3 in a
    /// probe diverges at step 3 in the render.
    ///
    /// NOTE: on tutorial 02 at ci scale, 5 of the 24 depth-64 points (sp and μP at the top
    /// rates) diverge at step 3 to 58 and stop; costed at 200 steps, they put the estimate at
    /// 1.2–1.25× the render, and noise in the calibration took it past 1.3×.
    static func divergingSteps(_ points: [PointSpec], executor: any PointExecutor, threads: Int) -> [PointSpec: Int] {
        var sweeps: [PointSpec: [PointSpec]] = [:]
        for point in points where point.steps > divergenceProbeSteps {
            var key = point
            key.learningRate = 0
            sweeps[key, default: []].append(point)
        }
        let lines = sweeps.values.filter { $0.count > 1 }.map { $0.sorted { $0.learningRate > $1.learningRate } }
        guard !lines.isEmpty else { return [:] }
        let found = DivergedSteps()
        let workers = max(1, min(threads, lines.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for line in stride(from: worker, to: lines.count, by: workers).map({ lines[$0] }) {
                for point in line {
                    var probe = point
                    probe.steps = divergenceProbeSteps
                    probe.coordinateCheckSteps = probe.coordinateCheckSteps.filter { $0 <= divergenceProbeSteps }
                    guard let result = try? executor.run(probe, progress: { _ in }, shouldStop: { false }),
                          let step = result.divergedAtStep else { break }
                    found.set(point, step)
                }
            }
        }
        return found.steps
    }

    /// Times the shapes of `points` (largest and, below half its step cost, smallest), each
    /// on `threads` threads at once; nil when nothing is to run or a run fails.
    ///
    /// A shape's step time comes from the clock of each step of one run (k steps, k from 10
    /// up to the point's steps until its steps take 0.15 s or more): the mean of the steps
    /// that took at most 1.5× the median step. Its fixed cost is the rest of that run: before
    /// the first step (building, initializing; the first step's excess over the step time)
    /// and after the last (the test split's evaluation, measurements). A shape of more than
    /// 10 steps runs twice and the faster run counts. A first 1-step run pays the data's
    /// loading. About a second per shape at most. Storing one result in a
    /// scratch folder of `cache` (then removed) times what a render adds per point.
    ///
    /// NOTE: the step time was the difference of a 2-step and a k-step run, so a pause of the
    /// machine anywhere in the k-step run went into every step: on tutorial 02 at ci scale, 8
    /// checks in a row estimated 40–66 s for a 37 s render. A paused step is one step of
    /// hundreds in a render, but up to all of a calibration's 40; the 1.5× cut drops it, and
    /// keeps the steps that measure (a coordinate check's: about 1.3× a plain step).
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
        let kept = CalibrationClocks.Kept()
        func timed(_ point: PointSpec, steps: Int, threads: Int) -> [CalibrationClocks.Run]? {
            var probe = point
            probe.steps = steps
            probe.coordinateCheckSteps = probe.coordinateCheckSteps.filter { $0 <= steps }
            let clocks = CalibrationClocks(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let marks = CalibrationClocks.Marks()
                let started = Date()
                let result = try? executor.run(probe, progress: { _ in marks.mark(Date().timeIntervalSince(started)) },
                                               shouldStop: { false })
                clocks.set(thread, result.map { _ in .init(steps: marks.seconds, total: Date().timeIntervalSince(started)) })
                if let result { kept.keep(result) }
            }
            return clocks.runs
        }
        /// The shape of `point` and the steps its run took; `start` skips finding them.
        func shape(_ point: PointSpec, steps start: Int? = nil) -> (shape: Shape, steps: Int)? {
            var steps = start ?? min(10, point.steps)
            guard var runs = timed(point, steps: steps, threads: threads) else { return nil }
            while start == nil, steps < point.steps, runs.map(\.stepping).max() ?? 0 < 0.15, runs.map(\.total).max() ?? 0 < 1 {
                steps = min(point.steps, steps * 4)
                guard let longer = timed(point, steps: steps, threads: threads) else { return nil }
                runs = longer
            }
            return (Shape(stepCost: Scheduler.stepCost(point), runs: runs), steps)
        }
        guard let first = timed(largest, steps: 1, threads: 1)?.first, var large = shape(largest) else { return nil }
        // A 1-step run first, so that the small shape's first run does not pay its width's input
        // projection (a render computes it once and shares it: `InputProjectionCache`).
        var small = Scheduler.stepCost(smallest) < Scheduler.stepCost(largest) / 2
            && timed(smallest, steps: 1, threads: 1) != nil ? shape(smallest) : nil
        // Each shape of more than 10 steps twice, the faster kept. NOTE: one run's step time is
        // steady, but the same shape's differs between runs by up to 1.4× (tutorial 03, depth
        // 64: 16.6 ms per step right after the data was hashed, 11.6–12.1 ms in later checks;
        // the render's steps took 11.6): whatever slows a whole run (the machine's other work,
        // the allocator's state) is not what a render's hundreds of runs see on average. Runs
        // of a few steps (initialization studies, coordinate checks) are mostly fixed cost, and
        // a second one doubled tutorial 01's check (8 s for a 9.5 s render).
        if largest.steps > 10, let again = shape(largest, steps: large.steps), again.shape.perStep < large.shape.perStep { large = again }
        if smallest.steps > 10, let first = small, let again = shape(smallest, steps: first.steps),
           again.shape.perStep < first.shape.perStep { small = again }
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
        // later runs on `threads` threads include contention, so this errs low).
        return RunTimeModel(large: large.shape, small: small?.shape,
                            loading: max(0, first.total - large.shape.fixed - large.shape.perStep), storing: storing)
    }
}

extension RunTimeModel.Shape {
    /// A shape's step time and fixed cost from the clocks of one calibration run on each
    /// thread (``RunTimeModel/calibrate(_:executor:cache:threads:)`` says how).
    init(stepCost: Double, runs: [CalibrationClocks.Run]) {
        let steps = runs.flatMap(\.stepSeconds).sorted()
        let median = steps.isEmpty ? 0 : steps[steps.count / 2]
        let kept = steps.filter { $0 <= 1.5 * median }
        let perStep = kept.isEmpty ? 0 : kept.reduce(0, +) / Double(kept.count)
        let fixed = runs.map { run in max(0, (run.steps.first ?? 0) - perStep) + (run.total - (run.steps.last ?? 0)) }
        self.init(stepCost: stepCost, perStep: perStep, fixed: fixed.reduce(0, +) / Double(max(1, fixed.count)))
    }
}

/// The steps diverging probe runs stopped at, written by the probing threads.
private final class DivergedSteps: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [PointSpec: Int] = [:]
    func set(_ point: PointSpec, _ step: Int) { lock.lock(); stored[point] = step; lock.unlock() }
    var steps: [PointSpec: Int] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// Each calibration thread's run clock (nil: its run failed).
final class CalibrationClocks: @unchecked Sendable {
    /// One run's clock: seconds from its start to the end of each step, and to its end.
    struct Run {
        var steps: [Double]
        var total: Double
        /// Each step's own seconds after the first (the first also builds what the run needs).
        var stepSeconds: [Double] { zip(steps.dropFirst(), steps).map { $0 - $1 } }
        /// Seconds from the end of the first step to the end of the last.
        var stepping: Double { (steps.last ?? 0) - (steps.first ?? 0) }
    }

    /// One thread's step marks; only that thread's run writes them (the trainer calls
    /// `progress` on its own thread, after every step).
    final class Marks: @unchecked Sendable {
        private(set) var seconds: [Double] = []
        func mark(_ value: Double) { seconds.append(value) }
    }

    /// The last result a calibration run gave, to time storing one.
    final class Kept: @unchecked Sendable {
        private let lock = NSLock()
        private var last: PointResult?
        func keep(_ result: PointResult) { lock.lock(); last = result; lock.unlock() }
        var result: PointResult? { lock.lock(); defer { lock.unlock() }; return last }
    }

    private let lock = NSLock()
    private var stored: [Run?]

    init(count: Int) { stored = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ run: Run?) { lock.lock(); stored[index] = run; lock.unlock() }

    /// Every thread's run, or nil when one failed.
    var runs: [Run]? {
        lock.lock(); defer { lock.unlock() }
        let runs = stored.compactMap { $0 }
        return runs.count == stored.count && !runs.isEmpty ? runs : nil
    }
}
