import Foundation
import XCTest

/// `depthbook train`: one run from flags (issue 3's CLI), its JSON, and its bad-flag errors.
final class TrainCLITests: XCTestCase {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try CommandRunner.run(["train", "--data", "teacher", "--width", "32", "--depth", "4", "--steps", "30",
                                            "--batch", "16", "--json"] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    /// `--json` holds the config, α, γ, the multipliers, the losses, test accuracy,
    /// `diverged_at_step` (null when none) and `seconds_per_step`.
    func testJSONReport() throws {
        let report = try json(["--lr", "2^-8", "--parametrization", "alpha=0.5,gamma=0"])
        for key in ["config", "alpha", "gamma", "multipliers", "final_train_loss", "test_accuracy", "diverged_at_step", "seconds_per_step"] {
            XCTAssertNotNil(report[key], "missing \(key) in \(report.keys.sorted())")
        }
        XCTAssertEqual(report["alpha"] as? Double, 0.5)
        XCTAssertEqual(report["gamma"] as? Double, 0)
        XCTAssertTrue(report["diverged_at_step"] is NSNull)
        let loss = try XCTUnwrap(report["final_train_loss"] as? Double)
        XCTAssertTrue(loss.isFinite && loss > 0)
    }

    /// Fresh-user review: `--json` mixed key styles, snake_case outside and the engine's Swift
    /// names (`learningRate`, `blockRMS`) inside `config` and `coordinate_check`; every key is
    /// now snake_case, as in `NAME.results.json`.
    func testJSONKeysAreSnakeCaseThroughout() throws {
        let report = try json(["--lr", "2^-8", "--coordinate-check", "0,1"])
        let config = try XCTUnwrap(report["config"] as? [String: Any])
        let optimizer = try XCTUnwrap(config["optimizer"] as? [String: Any])
        XCTAssertEqual(optimizer["learning_rate"] as? Double, 0.00390625)
        let model = try XCTUnwrap(config["model"] as? [String: Any])
        XCTAssertEqual(model["block_depth"] as? Int, 1)
        XCTAssertEqual(model["base_width"] as? Int, 128)
        let records = try XCTUnwrap(report["coordinate_check"] as? [[String: Any]])
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(Set(records[0].keys), ["step", "block_rms", "block_delta_rms", "output_rms"])
        XCTAssertEqual((records[0]["block_rms"] as? [Double])?.count, 5, "x_0 … x_4")
        func keys(_ value: Any) -> [String] {
            if let object = value as? [String: Any] { return object.keys + object.values.flatMap(keys) }
            if let array = value as? [Any] { return array.flatMap(keys) }
            return []
        }
        let camel = keys(report).filter { $0.contains(where: \.isUppercase) }
        XCTAssertEqual(camel, [], "keys not in snake_case")
    }

    /// Fresh-user review: a missing `--data idx:` file's hint named Debian's Fashion-MNIST
    /// package; it now describes idx.
    func testMissingIDXFileHintDescribesIDX() throws {
        let result = try CommandRunner.run(["train", "--data", "idx:/nonexistent/a,/nonexistent/b", "--lr", "0.01"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: /nonexistent/a: no such file, or it cannot be read; hint: --data idx:IMAGES,LABELS names "
                       + "two IDX files (MNIST's format: images idx3-ubyte, labels idx1-ubyte, gzipped or not), paths relative to the current folder\n")
        XCTAssertFalse(result.stderr.contains("Fashion"), result.stderr)
    }

    /// A huge learning rate diverges: a result with its step, not an error.
    func testDivergenceIsReportedWithItsStep() throws {
        let report = try json(["--lr", "1000"])
        let step = try XCTUnwrap(report["diverged_at_step"] as? Int)
        XCTAssertGreaterThanOrEqual(step, 1)
        XCTAssertLessThanOrEqual(step, 30)
    }

    /// Bad flags exit 2 with a message naming the flag (regression: `--lr 0` was accepted).
    func testBadFlagsExitTwoWithAMessage() throws {
        let cases: [([String], String)] = [
            (["--lr", "fast"], "--lr 'fast' is not a rate"),
            (["--lr", "0"], "--lr must be > 0"),
            (["--lr", "0.01", "--width", "0"], "width"),
            (["--lr", "0.01", "--parametrization", "foo"], "--parametrization 'foo' is unknown; hint: use depth-mup"),
            // Fresh-user review: a typo got the list only.
            (["--lr", "0.01", "--parametrization", "depth-mpu"], "--parametrization 'depth-mpu' is unknown; hint: did you mean depth-mup? use depth-mup, sp, mup"),
            (["--lr", "0.01", "--width", "100000000"], "GiB of memory"),
        ]
        for (arguments, message) in cases {
            let result = try CommandRunner.run(["train", "--data", "teacher"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    /// Every error message starts `error:`: ArgumentParser's usage errors said `Error:` and
    /// `train`'s data errors too, while the notebook's said `error:` (fresh-user review).
    /// `help train` named an internal type (`ActivationKind`).
    func testErrorsShareOnePrefixAndHelpNamesNoTypes() throws {
        let usage = try CommandRunner.run(["render", "--jobs", "x", "nb.md"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.hasPrefix("error: The value 'x' is invalid for '--jobs <jobs>'"), usage.stderr)
        let missing = try CommandRunner.run(["train", "--data", "idx:/nonexistent/a,/nonexistent/b", "--lr", "0.01"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
        let help = try CommandRunner.run(["help", "train"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Activation φ: relu"), help.stdout)
        XCTAssertFalse(help.stdout.contains("ActivationKind"), help.stdout)
    }
}
