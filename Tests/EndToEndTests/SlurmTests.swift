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

    /// Two blocks as one array give the page, results JSON and CSVs of `--executor local`, byte
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
        // One array for the render: every block's points (item 1 of issue 11).
        XCTAssertTrue(second.stderr.contains("submitted 18 points (lr 12, coords 6) as Slurm array"), second.stderr)
        XCTAssertEqual(second.stderr.components(separatedBy: "as Slurm array").count, 2, second.stderr)
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
        XCTAssertTrue(again.stderr.contains("submitted 1 point (") && again.stderr.contains(" 1) as Slurm array"), again.stderr)
        XCTAssertFalse(again.stderr.contains("submitted 18"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: slurm.appendingPathComponent("notes.html")), try Data(contentsOf: local.appendingPathComponent("notes.html")))
    }

    /// A book: the chapters whose front matter says slurm share one array, one that says
    /// nothing runs locally, and `--executor local` on the command line runs them all locally;
    /// every page is the bytes of an all-local render.
    func testBookChaptersFollowTheirExecutorAndShareOneArray() throws {
        try requireCluster()
        let slurmMatter = "title: Two blocks\nexecutor: {name: slurm, time: \"00:05:00\"}\n"
        let book = directory.appendingPathComponent("book"), local = directory.appendingPathComponent("local")
        for folder in [book, local] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, slurm) in [("a", true), ("b", true), ("c", false)] {
                let text = folder == book && slurm ? RunTests.twoBlocks.replacingOccurrences(of: "title: Two blocks\n", with: slurmMatter) : RunTests.twoBlocks
                try text.write(to: folder.appendingPathComponent("\(name).md"), atomically: true, encoding: .utf8)
            }
        }
        let reference = try CommandRunner.run(["render", ".", "--quiet"], in: local)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let rendered = try CommandRunner.run(["render", "."], in: book)
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        // a and b ask for the same settings: one array; their shared points (the same notebook
        // body) run once, so 18 points, not 36.
        XCTAssertTrue(rendered.stderr.contains("submitted 18 points (a/lr 12, a/coords 6) as Slurm array"), rendered.stderr)
        XCTAssertEqual(rendered.stderr.components(separatedBy: "as Slurm array").count, 2, rendered.stderr)
        XCTAssertTrue(rendered.stderr.contains("block c/lr: 12 points, 0 cached, 12 to run"), rendered.stderr)
        for name in ["a.html", "b.html", "c.html", "index.html", "b.results.json"] {
            XCTAssertEqual(try Data(contentsOf: book.appendingPathComponent(name)), try Data(contentsOf: local.appendingPathComponent(name)),
                           "\(name) differs from the all-local book")
        }
        // b's cache holds the shared points too (copied when they landed).
        let entries = try FileManager.default.contentsOfDirectory(atPath: book.appendingPathComponent(".depthbook/cache/b").path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("data-") }
        XCTAssertEqual(entries.count, 18)
        let cached = try CommandRunner.run(["render", ".", "--executor", "local", "--refresh"], in: book)
        XCTAssertEqual(cached.status, 0, cached.stderr)
        XCTAssertFalse(cached.stderr.contains("Slurm array"), cached.stderr)
        XCTAssertTrue(cached.stderr.contains("block b/lr: 12 points, 0 cached, 12 to run"), "--executor local wins over front matter: \(cached.stderr)")
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

    /// Fresh-user review: `render FOLDER --dry-run` was refused. A book's dry run prints each
    /// Slurm array as a notebook's does (chapters with the same settings share one, blocks
    /// named `CHAPTER/BLOCK`), lists the chapters that run locally, runs nothing and writes
    /// no page, cache entry or output folder (no cluster needed).
    func testBookDryRunPrintsEachChaptersPlan() throws {
        let book = directory.appendingPathComponent("book")
        try FileManager.default.createDirectory(at: book, withIntermediateDirectories: true)
        let slurm = RunTests.twoBlocks.replacingOccurrences(of: "title: Two blocks\n", with: "title: Two blocks\nexecutor: {name: slurm, max-parallel: 2}\n")
        for (name, text) in [("a", slurm), ("b", slurm), ("c", RunTests.twoBlocks)] {
            try text.write(to: book.appendingPathComponent("\(name).md"), atomically: true, encoding: .utf8)
        }
        let result = try CommandRunner.run(["render", ".", "--dry-run", "-o", "out/"], in: book)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("# 18 points (a/lr 12, a/coords 6) to submit as one array of "), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: "#SBATCH --array=").count, 2, "a and b share one array: \(result.stdout)")
        XCTAssertTrue(result.stdout.contains("# point 0 (task 0, block a/lr): {"), result.stdout)
        XCTAssertTrue(result.stdout.contains("# ./c.md: runs locally (its executor is not slurm); --dry-run runs nothing there\n"), result.stdout)
        XCTAssertFalse(result.stderr.contains("block c/lr"), "c ran: \(result.stderr)")
        for name in ["out", "a.html", "c.html", "index.html", ".depthbook/cache/a/slurm"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: book.appendingPathComponent(name).path), "\(name) written")
        }
        let cEntries = (try? FileManager.default.contentsOfDirectory(atPath: book.appendingPathComponent(".depthbook/cache/c").path)) ?? []
        XCTAssertEqual(cEntries.filter { $0.hasSuffix(".json") && !$0.hasPrefix("data-") }, [], "c trained points")
        // A bad chapter is found as a render finds it, before anything prints.
        try "```experiment\nmodel: {widht: 4}\n```\n".write(to: book.appendingPathComponent("d.md"), atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run(["render", ".", "--dry-run"], in: book)
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("d.md:2:"), bad.stderr)
        XCTAssertFalse(bad.stdout.contains("#SBATCH"), bad.stdout)
    }

    /// `--dry-run` prints the script and the points, submits nothing and writes no page (no
    /// cluster needed).
    func testDryRunPrintsTheScriptAndPoints() throws {
        try write(RunTests.twoBlocks, in: directory)
        let result = try CommandRunner.run(["render", "notes.md", "--executor", "slurm", "--dry-run", "--max-parallel", "3",
                                            "--partition", "gpu", "--sbatch-arg=--mem=2G", "--points-per-task", "1"], in: directory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("# 18 points (lr 12, coords 6) to submit as one array of 18 tasks; sbatch script:"), result.stdout)
        XCTAssertTrue(result.stdout.contains("#SBATCH --array=0-17%3\n"), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: "#SBATCH --array=").count, 2, "one array for the render")
        XCTAssertTrue(result.stdout.contains("#SBATCH --partition=gpu\n#SBATCH --mem=2G\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains(#"# point 0 (task 0, block lr): {"batch":16,"data":{"classes":4,"input_dim":16,"train":256},"depth":4,"#), result.stdout)
        XCTAssertEqual(result.stdout.components(separatedBy: "\n# point ").count - 1, 18)

        // Without --points-per-task the 18 tiny points share the one task that may run at a
        // time (with or without a cluster: its CPUs only lower --max-parallel).
        let packed = try CommandRunner.run(["render", "notes.md", "--executor", "slurm", "--dry-run", "--max-parallel", "1"], in: directory)
        XCTAssertTrue(packed.stdout.contains("# 18 points (lr 12, coords 6) to submit as one array of 1 task; sbatch script:"), packed.stdout)
        XCTAssertTrue(packed.stdout.contains("#SBATCH --array=0-0%1\n"), packed.stdout)
        XCTAssertTrue(packed.stdout.contains("firsts=(0 18)\n"), packed.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.html").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".depthbook/cache/notes/slurm").path))

        // Front matter `executor:` picks slurm and its options; flags win key by key.
        let fromMatter = RunTests.twoBlocks.replacingOccurrences(of: "title: Two blocks\n",
            with: "title: Two blocks\nexecutor: {name: slurm, partition: short, max-parallel: 4, points-per-task: 5, sbatch-args: [--mem=1G]}\n")
        try write(fromMatter, in: directory)
        let matter = try CommandRunner.run(["render", "notes.md", "--dry-run", "--partition", "long"], in: directory)
        XCTAssertEqual(matter.status, 0, matter.stderr)
        XCTAssertTrue(matter.stdout.contains("#SBATCH --array=0-3%4\n"), matter.stdout)   // 18 points, 5 per task
        XCTAssertTrue(matter.stdout.contains("#SBATCH --partition=long\n"), matter.stdout)
        XCTAssertTrue(matter.stdout.contains("#SBATCH --mem=1G\n"), matter.stdout)
        XCTAssertTrue(matter.stdout.contains("# point 11 (task 2, block lr): "), matter.stdout)
        XCTAssertTrue(matter.stdout.contains("# point 17 (task 3, block coords): "), matter.stdout)
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
        // Fresh-user review: the flag's error was blamed on `notes.md:1:1`; it is the command
        // line's, and names the notebook that runs here.
        let dry = try CommandRunner.run(["render", "notes.md", "--dry-run"], in: directory)
        XCTAssertEqual(dry.status, 2)
        XCTAssertEqual(dry.stderr, "error: --dry-run needs --executor slurm: notes.md runs its blocks on this machine; hint: pass --executor slurm, or set front matter executor: {name: slurm}\n")
    }
}
