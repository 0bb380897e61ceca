import ArgumentParser
import Foundation
import Notebook
import Runner

/// `depthbook check`: parses and validates a notebook, lists its cells, and for each experiment
/// block its number of points and an estimate of its cost; trains nothing but a few calibration
/// steps.
///
/// The FLOPs come from `Trainer.flopsPerStep` summed over every point's steps; the seconds
/// scale them by the speed of a short calibration run (3 steps of the block's largest point,
/// `--no-calibration` skips it) and divide by `--jobs`.
///
/// ```
/// $ depthbook check notes.md
/// notes.md: 3 cells (1 experiment), 4 math spans, 0 inline references
///   1-8    prose
///   10-14  experiment lr-transfer (block 1): 24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached)
///   16-20  prose
/// ```
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a notebook; list its cells, each block's point count and cost estimate."
    )

    @Argument(help: "The notebook (.md).")
    var notebook: String

    @Option(help: "Run scale (e.g. ci or full), overriding the front matter's scale:.")
    var scale: String?

    @Option(help: "Jobs the time estimate assumes (default: the number of cores).")
    var jobs: Int?

    @Flag(help: "Skip the calibration run: estimate FLOPs only.")
    var noCalibration = false

    func run() throws {
        try reportingErrors {
            let parsed = try Notebook.load(path: notebook)
            let blocks = try NotebookRun.preparedBlocks(parsed, path: notebook, scale: scale, validatingData: true)
            var math = 0, references = 0
            for item in parsed.inlines {
                switch item {
                case .math: math += 1
                case .reference: references += 1
                case .crossReference: break
                }
            }
            print("\(notebook): \(parsed.cells.count) cells (\(parsed.experiments.count) experiment), "
                  + "\(math) math spans, \(references) inline references")
            let executor = NotebookRun.executor(for: notebook)
            let cache = NotebookRun.cache(for: notebook)
            let jobs = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            for cell in parsed.cells {
                let lines = "\(cell.range.start.line)-\(cell.range.end.line)"
                let padded = lines.padding(toLength: max(7, lines.count + 1), withPad: " ", startingAt: 0)
                switch cell {
                case .prose: print("  \(padded)prose")
                case .code(let code): print("  \(padded)code \(code.info.isEmpty ? "(indented or no info)" : code.info)")
                case .experiment(let experiment):
                    var line = "  \(padded)experiment \(experiment.id ?? "-") (block \(experiment.index))"
                    if let block = blocks.first(where: { $0.cell.index == experiment.index }) {
                        line += ": " + estimate(block.spec, executor: executor, cache: cache, jobs: jobs)
                    }
                    print(line)
                }
            }
        }
    }

    /// `24 points, 1.9 GFLOP, ~3 s with 2 jobs (12 cached)`, or the reason there is no estimate.
    func estimate(_ spec: ExperimentSpec, executor: EngineExecutor, cache: ResultCache, jobs: Int) -> String {
        let points = Sweep.points(of: spec)
        var text = "\(points.count) point\(points.count == 1 ? "" : "s")"
        let flops: [Double]
        do {
            flops = try points.map { try executor.flopsPerStep($0.spec) * Double($0.spec.steps) }
        } catch {
            return text + " (no estimate: \(error))"
        }
        let total = flops.reduce(0, +)
        text += ", " + Self.flopsText(total)
        let fingerprint = (try? cache.dataFingerprint(for: spec.data, executor: executor, computing: !noCalibration)) ?? nil
        let isCached = points.map { point -> Bool in
            guard let fingerprint else { return false }
            if case .hit = cache.lookup(point.spec, engineVersion: executor.engineVersion, dataFingerprint: fingerprint) { return true }
            return false
        }
        let cached = isCached.filter { $0 }.count
        if !noCalibration, cached < points.count, let largest = flops.indices.max(by: { flops[$0] < flops[$1] }) {
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
                text += ", ~\(Self.secondsText(remaining)) with \(jobs) job\(jobs == 1 ? "" : "s")"
            }
        }
        if cached > 0 { text += " (\(cached) cached)" }
        return text
    }

    static func flopsText(_ flops: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
        for (scale, name) in units where flops >= scale { return String(format: "%.1f %@", flops / scale, name) }
        return String(format: "%.0f FLOP", flops)
    }

    static func secondsText(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.0f s", max(1, seconds.rounded())) }
        if seconds < 3600 { return String(format: "%.0f min", (seconds / 60).rounded()) }
        return String(format: "%.1f h", seconds / 3600)
    }
}
