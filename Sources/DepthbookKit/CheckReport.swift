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
    /// Warnings about results already in the cache: optima on the edge of their learning-rate
    /// grid (the ones `render` would give), for blocks whose every point is cached.
    public var warnings: [Diagnostic] = []

    /// The report as `check` prints it, one string per line.
    public var lines: [String] {
        ["\(path): \(counted(cellCount, "cell")) (\(counted(experimentCount, "experiment"))), \(counted(mathCount, "math span")), \(counted(referenceCount, "inline reference"))"]
            + cells.map { "  " + $0 }
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

extension NotebookPipeline {
    /// Parses and validates a notebook (as ``prepare(path:scale:parse:)``) and estimates each
    /// block's cost; trains nothing but a few calibration steps.
    ///
    /// The FLOPs come from the executor's per-step count summed over every point's steps; the
    /// seconds scale them by the speed of short calibration runs of the block's largest point
    /// and divide by `jobs`.
    ///
    /// - Throws: the first bad-input error, located.
    public func check(_ request: CheckRequest) throws -> CheckReport {
        let prepared = try prepare(path: request.notebookPath, scale: request.scale, parse: request.parse, validatingData: true)
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
                    line += ": " + Self.estimate(block.spec, executor: prepared.executor, cache: prepared.cache,
                                                 jobs: request.jobs, calibrate: request.calibrate)
                    if let warning = Self.cachedGridEdgeWarning(block, executor: prepared.executor, cache: prepared.cache,
                                                                computing: request.calibrate) {
                        warnings.append(Diagnostic(.warning, warning))
                    }
                }
                lines.append(line)
            }
        }
        for warning in warnings { observer.diagnostic(warning) }
        return CheckReport(path: request.notebookPath, cellCount: parsed.cells.count,
                           experimentCount: parsed.experiments.count, mathCount: math, referenceCount: references,
                           cells: lines, warnings: warnings)
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

    /// `24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached)`, or the reason there is no estimate.
    static func estimate(_ spec: ExperimentSpec, executor: any PointExecutor, cache: ResultCache, jobs: Int,
                         calibrate: Bool) -> String {
        let points = Sweep.points(of: spec)
        var text = counted(points.count, "point")
        let flops: [Double]
        do {
            flops = try points.map { try executor.flopsPerStep($0.spec) * Double($0.spec.steps) }
        } catch {
            return text + " (no estimate: \(error))"
        }
        let total = flops.reduce(0, +)
        text += ", " + flopsText(total)
        // Without calibration, only a remembered fingerprint: `check --no-calibration` loads no data.
        let fingerprint = (try? cache.dataFingerprint(for: spec.data, executor: executor, computing: calibrate)) ?? nil
        let isCached = points.map { point -> Bool in
            guard let fingerprint else { return false }
            if case .hit = cache.lookup(point.spec, engineVersion: executor.engineVersion, dataFingerprint: fingerprint) { return true }
            return false
        }
        let cached = isCached.filter { $0 }.count
        if calibrate, cached < points.count, let largest = flops.indices.max(by: { flops[$0] < flops[$1] }) {
            // Per-step time of the largest point from two short runs, so that loading the data
            // and building the model (paid once per run, and once per process for the data)
            // do not count as training time.
            let steps = points[largest].spec.steps
            func timed(_ count: Int) -> Double? {
                var probe = points[largest].spec
                probe.steps = count
                probe.coordinateCheckSteps = probe.coordinateCheckSteps.filter { $0 <= count }
                let started = Date()
                guard (try? executor.run(probe, progress: { _ in }, shouldStop: { false })) != nil else { return nil }
                return Date().timeIntervalSince(started)
            }
            let short = min(2, steps), long = min(10, steps)
            if timed(1) != nil, let shortTime = timed(short), let longTime = timed(long) {
                let perStep = long > short ? max(0, longTime - shortTime) / Double(long - short) : longTime / Double(long)
                let perFLOP = perStep / max(1, flops[largest] / Double(steps))
                let uncachedFLOPs = zip(flops, isCached).filter { !$0.1 }.reduce(0.0) { $0 + $1.0 }
                let remaining = uncachedFLOPs * perFLOP / Double(min(jobs, points.count - cached))
                text += ", ~\(secondsText(remaining)) with \(counted(jobs, "job"))"
            }
        }
        if cached > 0 { text += " (\(cached) cached)" }
        return text
    }

    /// `21.3 TFLOP`, `1.9 GFLOP`, `12 FLOP`.
    public static func flopsText(_ flops: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
        for (scale, name) in units where flops >= scale { return String(format: "%.1f %@", flops / scale, name) }
        return String(format: "%.0f FLOP", flops)
    }

    /// `3 s`, `14 min`, `2.5 h`.
    public static func secondsText(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.0f s", max(1, seconds.rounded())) }
        if seconds < 3600 { return String(format: "%.0f min", (seconds / 60).rounded()) }
        return String(format: "%.1f h", seconds / 3600)
    }
}
