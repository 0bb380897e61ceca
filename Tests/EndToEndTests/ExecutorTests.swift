import Foundation
import XCTest

/// The execution seam end to end: `depthbook run-point`, and `--executor process` against the
/// in-process executor.
final class ExecutorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CommandRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Every point as a child `depthbook run-point` gives the same page, results JSON and CSVs,
    /// byte for byte, as training in-process, and the same cache entries.
    func testProcessExecutorGivesByteIdenticalOutputs() throws {
        let local = directory.appendingPathComponent("local"), process = directory.appendingPathComponent("process")
        for folder in [local, process] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try RunTests.twoBlocks.write(to: folder.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        }
        let first = try CommandRunner.run(["render", "notes.md", "--jobs", "2", "--quiet"], in: local)
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try CommandRunner.run(["render", "notes.md", "--jobs", "2", "--quiet", "--executor", "process"], in: process)
        XCTAssertEqual(second.status, 0, second.stderr)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: local.path).filter { $0.hasPrefix("notes.") && $0 != "notes.md" }.sorted()
        XCTAssertEqual(outputs.count, 15, "\(outputs)") // as RunTests lists them: plots write their CSV too
        for name in outputs {
            XCTAssertEqual(try Data(contentsOf: local.appendingPathComponent(name)), try Data(contentsOf: process.appendingPathComponent(name)),
                           "\(name) differs between --executor local and process")
        }
        let cache = ".depthbook/cache/notes"
        let entries = try FileManager.default.contentsOfDirectory(atPath: local.appendingPathComponent(cache).path).filter { !$0.hasPrefix("data-") }.sorted()
        XCTAssertEqual(entries.count, 12 + 6)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: process.appendingPathComponent(cache).path).filter { !$0.hasPrefix("data-") }.sorted(),
                       entries)
        // A re-render with the process executor runs nothing and still gives the same page.
        let again = try CommandRunner.run(["render", "notes.md", "--executor", "process"], in: process)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("18 points") || again.stderr.contains("12 cached"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: process.appendingPathComponent("notes.html")), try Data(contentsOf: local.appendingPathComponent("notes.html")))
    }

    /// `run-point` reads a spec on stdin or from a file and prints the result as the cache stores it.
    func testRunPointReadsASpecAndWritesTheResult() throws {
        let spec = #"{"batch":16,"data":{"classes":4,"input_dim":16,"train":256},"depth":2,"format":1,"steps":5,"width":16}"#
        let file = directory.appendingPathComponent("point.json")
        try spec.write(to: file, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["run-point", file.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["steps_run"] as? Int, 5)
        XCTAssertEqual(json["alpha"] as? Double, 0.5)   // depth-mup, the default
        XCTAssertNotNil(json["final_train_loss"] as? Double)
        XCTAssertEqual((json["diversity"] as? [Any])?.count, 0)

        let output = directory.appendingPathComponent("result.json")
        let toFile = try CommandRunner.run(["run-point", file.path, "-o", output.path])
        XCTAssertEqual(toFile.status, 0, toFile.stderr)
        XCTAssertEqual(toFile.stdout, "")
        // Deterministic but for the wall time.
        func timeless(_ text: String) -> String { text.replacingOccurrences(of: #""seconds":[0-9.e-]+,"#, with: "", options: .regularExpression) }
        XCTAssertEqual(timeless(try String(contentsOf: output, encoding: .utf8)), timeless(result.stdout))
        XCTAssertNotEqual(timeless(result.stdout), result.stdout)
    }

    func testRunPointRefusesABadSpecWithTheKey() throws {
        let file = directory.appendingPathComponent("bad.json")
        try #"{"format":1,"depth":"deep"}"#.write(to: file, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["run-point", file.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(file.path): point spec: depth: expected an integer\n")
        let missing = try CommandRunner.run(["run-point", directory.appendingPathComponent("nothing.json").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such file; hint: "), missing.stderr)
    }

    /// A cluster task's form: several specs in one process, each marked on stderr, stored in
    /// the cache; a bad one is reported and the ones after it still run (exit 2).
    func testRunPointTrainsSeveralSpecsAndGoesPastABadOne() throws {
        let good = #"{"batch":16,"data":{"classes":4,"input_dim":16,"train":256},"depth":2,"format":1,"steps":5,"width":16}"#
        for (name, text) in [("0", good), ("1", #"{"format":1,"depth":"deep"}"#), ("2", good.replacingOccurrences(of: #""depth":2"#, with: #""depth":3"#))] {
            try text.write(to: directory.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
        }
        let cache = directory.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let result = try CommandRunner.run(["run-point", "--mark-points", "0.json", "1.json", "2.json", "--store-in", cache.path,
                                            "--data-fingerprint", "f"], in: directory)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").map(String.init),
                       ["== depthbook point 0", "== depthbook point 1", "error: 1.json: point spec: depth: expected an integer", "== depthbook point 2"])
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".json") }.count, 2)
        let refused = try CommandRunner.run(["run-point", "0.json", "2.json", "-o", "out.json"], in: directory)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("-o takes one spec"), refused.stderr)
    }
}
