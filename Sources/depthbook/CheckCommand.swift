import ArgumentParser
import DepthbookKit
import Foundation

/// `depthbook check`: parses and validates a notebook, lists its cells, and for each experiment
/// block its number of points and an estimate of its cost; trains nothing but a few calibration
/// steps (``NotebookPipeline/check(_:)``).
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

    @OptionGroup var parameters: ParameterFlags

    func validate() throws { try RunFlags.validateJobs(jobs) }

    func run() throws {
        try reportingErrors {
            var request = CheckRequest(notebookPath: notebook, scale: scale,
                                       jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                       calibrate: !noCalibration)
            request.parse = try parameters.parse()
            request.startupSeconds = ProcessAge.seconds ?? 0
            let report = try NotebookPipeline().check(request)
            for line in report.lines { print(line) }
            for warning in report.warnings { FileHandle.standardError.write(Data((warning.description + "\n").utf8)) }
        }
    }
}
