@testable import DepthbookKit
import Foundation
import Notebook
import Runner
import TestSupport
import XCTest

/// ``SlurmExecutor`` against fake `sbatch`/`squeue`/`scancel` scripts (no cluster): how it
/// reads states, how often it asks, and what it says when the controller is gone.
final class SlurmExecutorTests: XCTestCase {
    var directory: URL!
    var bin: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("depthbookkit-slurm")
        bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes an executable fake command that logs its call to `calls`.
    func fake(_ name: String, _ body: String) throws {
        let url = bin.appendingPathComponent(name)
        try "#!/bin/sh\necho \"\(name) $*\" >> '\(bin.path)/calls'\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    func calls() -> [String] {
        ((try? String(contentsOf: bin.appendingPathComponent("calls"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func executor(poll: Double = 0.05, grace: Double = 1, pointsPerTask: Int? = 1) -> SlurmExecutor {
        var options = SlurmOptions()
        options.commandDirectory = bin.path
        options.pollSeconds = poll
        options.controllerGraceSeconds = grace
        options.pointsPerTask = pointsPerTask
        return SlurmExecutor(worker: URL(fileURLWithPath: "/bin/true"), baseDirectory: directory, options: options, print: { _ in })
    }

    func run(_ executor: SlurmExecutor, points: Int) -> [Int: Result<PointResult, Error>] {
        let items = (0..<points).map { index in
            BatchItem(point: try! PointCodec.decodeSpec(Data(#"{"format":1,"seed":\#(index)}"#.utf8)), block: "b",
                      cache: ResultCache(directory: directory.appendingPathComponent("cache")), dataFingerprint: "f")
        }
        let outcomes = Outcomes()
        executor.runBatch(items, isStopped: { _ in false }) { position, result in outcomes.set(position, result) }
        return outcomes.all
    }

    func message(_ result: Result<PointResult, Error>?) -> String {
        guard case .failure(let error)? = result else { return "no failure" }
        return "\(error)"
    }

    /// squeue failing for longer than the grace period fails every pending point with a clear
    /// message (and the render goes on), rather than waiting forever.
    func testLostControllerIsAnErrorNotAHang() throws {
        try fake("sbatch", "echo 42")
        try fake("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1")
        let started = Date()
        let outcomes = run(executor(), points: 3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(outcomes.count, 3)
        XCTAssertEqual(message(outcomes[2]),
                       "lost the Slurm controller: squeue failed for 1 s (slurm_load_jobs error: Unable to contact slurm controller (connect failure)); hint: array 42 may still run; render again later to collect its results, or scancel 42")
    }

    /// Final states without a result are each point's error with the task's state; one squeue
    /// asks about the whole array (never one call per task).
    func testFinalStatesBecomeErrorsFromOneQueryPerArray() throws {
        try fake("sbatch", "echo '7;cluster'")
        let script = """
            n=$(grep -c '^squeue' '\(bin.path)/calls')
            if [ "$n" -ge 2 ]; then printf '0|FAILED|x\\n1|OUT_OF_MEMORY|x\\n2|CANCELLED|x\\n'; else printf '0|FAILED|x\\n1|OUT_OF_MEMORY|x\\n2|RUNNING|x\\n'; fi
            """
        try fake("squeue", script)
        let outcomes = run(executor(), points: 3)
        XCTAssertTrue(message(outcomes[0]).hasPrefix("Slurm task 7_0 FAILED"), message(outcomes[0]))
        XCTAssertTrue(message(outcomes[1]).hasPrefix("Slurm task 7_1 OUT_OF_MEMORY"), message(outcomes[1]))
        XCTAssertTrue(message(outcomes[2]).hasPrefix("Slurm task 7_2 CANCELLED"), message(outcomes[2]))
        let queries = calls().filter { $0.hasPrefix("squeue") }
        XCTAssertEqual(queries.count, 2)
        XCTAssertEqual(queries[0], "squeue -h -r --states=all -j 7 -o %K|%T|%r")
    }

    /// A killed task holding several points: the point it was training and the ones it never
    /// reached are each reported with the task's state and that point's part of the log.
    func testKilledMultiPointTaskReportsEachPointWithItsPlaceAndLog() throws {
        // The task trained point 0 (its result would be in the cache), was killed in point 1.
        try fake("sbatch", "printf '== depthbook point 0\\n== depthbook point 1\\nslurmstepd: error: *** JOB 9 CANCELLED DUE TO TIME LIMIT ***\\n' > \"$(dirname \"$2\")/logs/0.log\"; echo 9")
        try fake("squeue", "printf '0|TIMEOUT|TimeLimit\\n'")
        let outcomes = run(executor(pointsPerTask: 3), points: 3)
        XCTAssertEqual(message(outcomes[0]).components(separatedBy: "; log ").first, "Slurm task 9_0 (point 1 of its 3) TIMEOUT")
        XCTAssertEqual(message(outcomes[1]).components(separatedBy: "; log ").first, "Slurm task 9_0 (point 2 of its 3) TIMEOUT while training this point")
        XCTAssertTrue(message(outcomes[1]).hasSuffix("0.log ends: slurmstepd: error: *** JOB 9 CANCELLED DUE TO TIME LIMIT ***"), message(outcomes[1]))
        XCTAssertTrue(message(outcomes[2]).hasPrefix("Slurm task 9_0 (point 3 of its 3) TIMEOUT before it reached this point; log "), message(outcomes[2]))
    }

    /// Without `--points-per-task`, points are packed so a task lasts ~10 task starts: 100
    /// half-second points on 2 CPUs are 4 tasks of 25 (a multiple of the slots, so they end
    /// together), long points stay one per task, a few short points still use every slot, a
    /// `--time` limit caps a task at half of it, and `--points-per-task` cuts runs in order.
    func testLayoutAmortisesTaskStartsUnlessPointsPerTaskIsGiven() throws {
        let auto = executor(pointsPerTask: nil)
        let half = auto.layout(seconds: Array(repeating: 0.5, count: 100), slots: 2)
        XCTAssertEqual(half.map(\.count), [25, 25, 25, 25])
        XCTAssertEqual(Set(half.flatMap { $0 }), Set(0..<100))
        XCTAssertEqual(auto.layout(seconds: Array(repeating: 60, count: 7), slots: 2).count, 7)
        XCTAssertEqual(auto.layout(seconds: Array(repeating: 0.1, count: 10), slots: 2).map(\.count), [5, 5])
        XCTAssertEqual(auto.layout(seconds: Array(repeating: 0.1, count: 10), slots: nil).count, 1)
        // Longest first, each to the least loaded task: 4+1 and 3+2.
        XCTAssertEqual(auto.layout(seconds: [4, 3, 2, 1], slots: 2), [[0, 3], [1, 2]])
        var limited = SlurmOptions()
        limited.time = "00:04"   // 4 s: tasks of at most 2 s
        let capped = SlurmExecutor(worker: URL(fileURLWithPath: "/bin/true"), baseDirectory: directory, options: limited)
        XCTAssertEqual(capped.layout(seconds: Array(repeating: 0.5, count: 100), slots: 2).count, 25)
        XCTAssertEqual(executor(pointsPerTask: 40).layout(seconds: Array(repeating: 0.5, count: 100), slots: 2).map(\.first), [0, 40, 80])
        XCTAssertEqual(SlurmExecutor.seconds(ofTimeLimit: "1-02:03:04"), 93784)
        XCTAssertEqual(SlurmExecutor.seconds(ofTimeLimit: "30"), 1800)
        XCTAssertNil(SlurmExecutor.seconds(ofTimeLimit: "UNLIMITED"))
    }

    /// sbatch's refusal (a bad partition) is every point's error, with sbatch's last line.
    func testSbatchRefusalFailsEveryPoint() throws {
        try fake("sbatch", "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2; exit 1")
        let outcomes = run(executor(), points: 2)
        XCTAssertEqual(message(outcomes[1]), "sbatch refused the array: sbatch: error: Batch job submission failed: Invalid partition name specified")
        XCTAssertEqual(calls().filter { $0.hasPrefix("squeue") }, [])
    }
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Result<PointResult, Error>] = [:]
    func set(_ position: Int, _ result: Result<PointResult, Error>) { lock.lock(); values[position] = result; lock.unlock() }
    var all: [Int: Result<PointResult, Error>] { lock.lock(); defer { lock.unlock() }; return values }
}
