import XCTest
@testable import Notebook

/// Issue 12 item 7: messages found wanting along the way, each a regression test.
final class ErrorPolishTests: XCTestCase {
    private func message(_ body: String, scale: String? = nil) -> String {
        let start = SourceLocation(file: "notes.md", line: 13, column: 1)
        let cell = ExperimentCell(index: 2, id: nil, body: body,
                                  range: SourceRange(start: SourceLocation(file: "notes.md", line: 12, column: 1), end: start),
                                  bodyStart: start)
        do {
            _ = try ExperimentSpec.decode(cell, scale: scale)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private func decode(_ body: String) throws -> ExperimentSpec {
        let start = SourceLocation(file: "notes.md", line: 13, column: 1)
        return try ExperimentSpec.decode(ExperimentCell(index: 2, id: nil, body: body,
                                                        range: SourceRange(start: start, end: start), bodyStart: start))
    }

    func testYAML11BooleansSayWhatYAML11WouldHaveRead() {
        XCTAssertEqual(message("model: {pre_ln: NO}"),
                       "notes.md:13:17: block 2: model.pre_ln: expected true/false, got \"NO\"; hint: YAML 1.1 would have read \"NO\" as false, YAML 1.2 (used here) reads a string: write false")
        XCTAssertTrue(message("allow-errors: yes").hasSuffix("YAML 1.1 would have read \"yes\" as true, YAML 1.2 (used here) reads a string: write true"))
        XCTAssertTrue(message("data: {standardize: on}").contains("would have read \"on\" as true"))
    }

    func testScaleOverrideErrorsKeepTheirScalesPrefix() {
        XCTAssertEqual(message("model: {width: 8}\nscales:\n  ci: {model: {widht: 4}}\n"),
                       "notes.md:15:16: block 2: scales.ci.model.widht: unknown key widht; did you mean width?")
        XCTAssertEqual(message("scales:\n  ci: {train: {steps: 0}}\n", scale: "ci"),
                       "notes.md:14:23: block 2: scales.ci.train.steps: must be ≥ 1, got 0")
        // An error in the block itself keeps its own path, whatever the scale.
        XCTAssertEqual(message("train: {steps: 0}\nscales:\n  ci: {train: {batch: 2}}\n"),
                       "notes.md:13:16: block 2: train.steps: must be ≥ 1, got 0")
    }

    func testPowersOfTwoInYAMLMeanWhatTheyMeanOnTheCommandLine() throws {
        XCTAssertEqual(try decode("optimizer: {lr: 2^-9}").optimizer.learningRates, [pow(2, -9)])
        XCTAssertEqual(try decode("optimizer: {lr: [2^-10, 2**-8, 0.5]}").optimizer.learningRates, [pow(2, -10), pow(2, -8), 0.5])
        XCTAssertEqual(LearningRate.parse("2^-9"), pow(2, -9))
        XCTAssertEqual(message("optimizer: {lr: 2^x}"), "notes.md:13:17: block 2: optimizer.lr: expected number, got \"2^x\"")
        XCTAssertEqual(message("optimizer: {lr: 2^-2000}"), "notes.md:13:17: block 2: optimizer.lr: must be a finite rate > 0, got 2^-2000")
    }

    func testMomentumWithAdamIsAnErrorWithAHint() {
        XCTAssertEqual(message("optimizer: {lr: 0.1, momentum: 0.9}"),
                       "notes.md:13:22: block 2: optimizer.momentum: momentum is SGD's; Adam keeps its own moment estimates; hint: write name: sgd, or drop momentum")
        XCTAssertEqual(message("optimizer: {name: sgd, lr: 0.1, momentum: 0.9}"), "no error")
    }

    func testCountsAgreeWithTheirNouns() {
        XCTAssertEqual(counted(1, "point"), "1 point")
        XCTAssertEqual(counted(2, "point"), "2 points")
        XCTAssertEqual(counted(0, "inline reference"), "0 inline references")
        XCTAssertTrue(message("optimizer: {lr: {log2: [-100, 20], step: 0.1}}").contains("the grid has 1201 points"))
    }

    func testKeyLocationFollowsADottedPath() throws {
        let node = try SpecNode.compose(yaml: "title: t\ndata:\n  name: idx\n  images: a.gz\n",
                                        origin: SourceLocation(file: "n.md", line: 5, column: 1), block: "1")
        XCTAssertEqual(node.keyLocation(of: "data.images"), SourceLocation(file: "n.md", line: 8, column: 3))
        XCTAssertNil(node.keyLocation(of: "data.labels"))
    }
}
