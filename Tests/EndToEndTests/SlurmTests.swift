import Foundation
import XCTest

/// `--executor slurm` through a real one-node cluster (`Scripts/slurm-local.sh start`, which
/// `.ci/run` does before `make test`); the tests that submit skip, saying why, only where the
/// cluster is not up.
final class SlurmTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CommandRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Skips unless `Scripts/slurm-local.sh status` says the node takes jobs.
    func requireCluster() throws {
        let script = CommandRunner.repositoryRoot.appendingPathComponent("Scripts/slurm-local.sh")
        let status = try CommandRunner.run(["status"], program: script)
        guard status.status == 0 else {
            throw XCTSkip("no local Slurm cluster (Scripts/slurm-local.sh status: \(status.stdout.split(separator: "\n").last ?? "") \(status.stderr)); run Scripts/slurm-local.sh start as root")
        }
    }

    func write(_ notebook: String, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try notebook.write(to: folder.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
    }

    func cacheEntries(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(".depthbook/cache/notes").path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("data-") }.sorted()
    }

    /// Two blocks as two arrays give the page, results JSON and CSVs of `--executor local`, byte
    /// for byte, and the same cache entries; a re-render after losing one entry submits only it.
    func testSlurmRenderMatchesLocalByteForByte() throws {
        try requireCluster()
        let local = directory.appendingPathComponent("local"), slurm = directory.appendingPathComponent("slurm")
        try write(RunTests.twoBlocks, in: local)
        try write(RunTests.twoBlocks, in: slurm)
        let first = try CommandRunner.run(["render", "notes.md", "--quiet"], in: local)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CommandRunner.run(["render", "notes.md", "--executor", "slurm", "--time", "00:05:00"], in: slurm)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("block lr: submitted 12 points as Slurm array"), second.stderr)
        XCTAssertTrue(second.stderr.contains("block coords: submitted 6 points as Slurm array"), second.stderr)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: local.path).filter { $0.hasPrefix("notes.") && $0 != "notes.md" }.sorted()
        XCTAssertEqual(outputs.count, 15, "\(outputs)") // as ExecutorTests: the page, results JSON and CSVs
        for name in outputs {
            XCTAssertEqual(try Data(contentsOf: local.appendingPathComponent(name)), try Data(contentsOf: slurm.appendingPathComponent(name)),
                           "\(name) differs between --executor local and slurm")
        }
        let entries = try cacheEntries(in: local)
        XCTAssertEqual(entries.count, 18)
        XCTAssertEqual(try cacheEntries(in: slurm), entries)

        try FileManager.default.removeItem(at: slurm.appendingPathComponent(".depthbook/cache/notes/\(entries[0])"))
        let again = try CommandRunner.run(["render", "notes.md", "--executor", "slurm"], in: slurm)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("submitted 1 point as Slurm array"), again.stderr)
        XCTAssertFalse(again.stderr.contains("submitted 12") || again.stderr.contains("submitted 6"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: slurm.appendingPathComponent("notes.html")), try Data(contentsOf: local.appendingPathComponent("notes.html")))
    }

    /// A partition the cluster lacks: sbatch's refusal is every point's error, in place on the
    /// page, and the command exits 1.
    func testBadPartitionFailsTheBlockWithSbatchsMessage() throws {
        try requireCluster()
        let notebook = RunTests.twoBlocks.components(separatedBy: "```experiment {#coords}")[0]
        try write(notebook, in: directory)
        let result = try CommandRunner.run(["render", "notes.md", "--executor", "slurm", "--partition", "nowhere"], in: directory)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("error: notes.md:8:1: block lr: sbatch refused the array: sbatch: error: Batch job submission failed: Invalid partition name specified"),
                      result.stderr)
        let page = try String(contentsOf: directory.appendingPathComponent("notes.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("Invalid partition name specified"))
    }

    /// `--dry-run` prints the script and the points, submits nothing and writes no page (no
    /// cluster needed).
    func testDryRunPrintsTheScriptAndPoints() throws {
        try write(RunTests.twoBlocks, in: directory)
        let result = try CommandRunner.run(["render", "notes.md", "--executor", "slurm", "--dry-run", "--max-parallel", "3",
                                            "--partition", "gpu", "--sbatch-arg=--mem=2G"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("# block lr: 12 points to submit as one array of 12 tasks; sbatch script:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("#SBATCH --array=0-11%3\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("#SBATCH --array=0-5%3\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("#SBATCH --partition=gpu\n#SBATCH --mem=2G\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains(#"# point 0 (task 0): {"batch":16,"data":{"classes":4,"input_dim":16,"train":256},"depth":4,"#), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: "\n# point ").count - 1, 18)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.html").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".depthbook/cache/notes/slurm").path))

        // Front matter `executor:` picks slurm and its options; flags win key by key.
        let fromMatter = RunTests.twoBlocks.replacingOccurrences(of: "title: Two blocks\n",
            with: "title: Two blocks\nexecutor: {name: slurm, partition: short, max-parallel: 4, points-per-task: 5, sbatch-args: [--mem=1G]}\n")
        try write(fromMatter, in: directory)
        let matter = try CommandRunner.run(["render", "notes.md", "--dry-run", "--partition", "long"], in: directory)
        XCTAssertEqual(matter.status, 0, matter.stderr)
        XCTAssertTrue(matter.stdout.contains("#SBATCH --array=0-2%4\n"), matter.stdout)   // 12 points, 5 per task
        XCTAssertTrue(matter.stdout.contains("#SBATCH --partition=long\n"), matter.stdout)
        XCTAssertTrue(matter.stdout.contains("#SBATCH --mem=1G\n"), matter.stdout)
        XCTAssertTrue(matter.stdout.contains("# point 11 (task 2): "), matter.stdout)
        try write(fromMatter.replacingOccurrences(of: "max-parallel", with: "max-paralel"), in: directory)
        let typo = try CommandRunner.run(["render", "notes.md", "--dry-run"], in: directory)
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("notes.md:3:"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("front matter key executor: unknown key \"max-paralel\""), typo.stderr)
        try write(RunTests.twoBlocks, in: directory)

        for arguments in [["--partition", "gpu", "--executor", "local"], ["--partition", "gpu"]] {
            let misuse = try CommandRunner.run(["render", "notes.md"] + arguments, in: directory)
            XCTAssertEqual(misuse.status, 2)
            XCTAssertTrue(misuse.stderr.contains("--partition needs --executor slurm"), misuse.stderr)
        }
    }
}
