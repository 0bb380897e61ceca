import XCTest
@testable import Notebook

/// Issue 16: hostile blocks are located errors before anything expands, overflows or runs.
final class HostileSpecTests: XCTestCase {
    private func cell(_ body: String) -> ExperimentCell {
        let start = SourceLocation(file: "notes.md", line: 13, column: 1)
        return ExperimentCell(index: 2, id: nil, body: body,
                              range: SourceRange(start: SourceLocation(file: "notes.md", line: 12, column: 1),
                                                 end: SourceLocation(file: "notes.md", line: 30, column: 1)),
                              bodyStart: start)
    }

    private func message(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try ExperimentSpec.decode(cell(body))
            XCTFail("expected an error for:\n\(body)", file: file, line: line)
            return ""
        } catch {
            return String(describing: error)
        }
    }

    /// Nine levels of nine aliases: 9⁹ ≈ 3.9·10⁸ leaves from 479 bytes ("billion laughs").
    static let aliasBomb: String = {
        var lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            let uses = Array(repeating: "*\(previous)", count: 9).joined(separator: ", ")
            lines.append("\(name): &\(name) [\(uses)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    func testAliasBombIsRefusedBeforeItExpands() {
        let start = Date()
        XCTAssertEqual(message(Self.aliasBomb),
                       "notes.md:14:4: block 2: b[0]: YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testAliasBombInFrontMatterDefaultsIsRefused() throws {
        let text = "---\ntitle: t\ndefaults:\n" + Self.aliasBomb.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            + "\n---\n\n```experiment\nmodel: {width: 8}\n```\n"
        let notebook = try Notebook.parse(text: text, file: "fm.md")
        let defaults = try XCTUnwrap(notebook.frontMatter.defaults)
        XCTAssertThrowsError(try SpecNode(yams: defaults, origin: SourceLocation(file: "fm.md", line: 2, column: 1), block: "defaults")) { error in
            XCTAssertEqual("\(error)", "fm.md:5:6: block defaults: b[0]: YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
        }
    }

    /// An alias as a key is refused before Yams hashes it (hashing the bomb hung for minutes).
    func testAliasBombAsAKeyIsRefusedBeforeComposing() {
        let start = Date()
        XCTAssertEqual(message(Self.aliasBomb + "z: {? *i : 1}\n"),
                       "notes.md:22:7: block 2: YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
        XCTAssertEqual(message(Self.aliasBomb + "*i : 1\n"),
                       "notes.md:22:1: block 2: YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        // A star in prose-like values is no alias key.
        XCTAssertNil(YamsConversion.aliasKey(in: "title: &t \"a * b : c\"\nid: x\n"))
    }

    func testScalarAliasIsRefusedToo() {
        XCTAssertEqual(message("title: &t hello\nid: *t\n"),
                       "notes.md:14:1: block 2: id: YAML aliases (*name) are not supported in experiment blocks; hint: write the value out")
    }

    func testUnknownTagIsALocatedError() {
        XCTAssertEqual(message("model: {width: !foo 8}\n"),
                       "notes.md:13:16: block 2: model.width: YAML tag !foo is not supported; hint: remove it (values are plain numbers, strings, lists and mappings)")
        XCTAssertEqual(message("model: !!map {width: 8}\ntitle: !!binary aGk=\n"),
                       "notes.md:14:8: block 2: title: YAML tag tag:yaml.org,2002:binary is not supported; hint: remove it (values are plain numbers, strings, lists and mappings)")
    }

    func testNullKeySaysTheKeyIsMissing() {
        XCTAssertEqual(message("model: {width: 8}\nnull: 3\n"),
                       "notes.md:14:1: block 2: a key is missing (YAML reads `null:` as a null key); hint: write key: value")
        XCTAssertEqual(message("~: 3\n"),
                       "notes.md:13:1: block 2: a key is missing (YAML reads `~:` as a null key); hint: write key: value")
    }

    // MARK: Learning-rate grids and sweeps

    func testInfiniteGridRateIsRefused() {
        XCTAssertEqual(message("optimizer: {lr: {log2: [1024, 1024]}}\n"),
                       "notes.md:13:25: block 2: optimizer.lr.log2[0]: 2^1024 is out of range for a learning rate; hint: log2 bounds lie in [-100, 20]")
        XCTAssertEqual(message("optimizer: {lr: {log2: [-1e308, 1e308]}}\n"),
                       "notes.md:13:25: block 2: optimizer.lr.log2[0]: 2^-1e+308 is out of range for a learning rate; hint: log2 bounds lie in [-100, 20]")
        XCTAssertEqual(message("optimizer: {lr: {log2: [-1100, -1074]}}\n"),
                       "notes.md:13:25: block 2: optimizer.lr.log2[0]: 2^-1100 is out of range for a learning rate; hint: log2 bounds lie in [-100, 20]")
    }

    func testSubnormalStepIsAnErrorNotACrash() {
        XCTAssertEqual(message("optimizer: {lr: {log2: [-10, -4], step: 5e-324}}\n"),
                       "notes.md:13:17: block 2: optimizer.lr: the grid has more than 10^15 points; hint: use a larger step (at most 1000 points)")
        XCTAssertEqual(message("optimizer: {lr: {log2: [-10, 10], step: 1e-17}}\n"),
                       "notes.md:13:17: block 2: optimizer.lr: the grid has more than 10^15 points; hint: use a larger step (at most 1000 points)")
    }

    func testPlainRatesOutOfRange() {
        XCTAssertEqual(message("optimizer: {lr: [0.01, 1e300]}\n"),
                       "notes.md:13:24: block 2: optimizer.lr[1]: learning rate 1e+300 is out of range; hint: use a rate in [1e-30, 1e6]")
        XCTAssertEqual(message("optimizer: {lr: 5e-324}\n"),
                       "notes.md:13:17: block 2: optimizer.lr: learning rate 5e-324 is out of range; hint: use a rate in [1e-30, 1e6]")
    }

    func testDuplicateSweepValuesAreLocated() {
        XCTAssertEqual(message("optimizer: {lr: [0.01, 0.01]}\n"),
                       "notes.md:13:24: block 2: optimizer.lr[1]: repeats optimizer.lr[0]; hint: list each sweep value once")
        XCTAssertEqual(message("model: {width: [8, 16, 8]}\n"),
                       "notes.md:13:24: block 2: model.width[2]: repeats model.width[0]; hint: list each sweep value once")
        XCTAssertEqual(message("parametrization: [sp, depth-mup, sp]\n"),
                       "notes.md:13:34: block 2: parametrization[2]: repeats parametrization[0]; hint: list each sweep value once")
        XCTAssertEqual(message("optimizer: {lr: [1e-2, 0.01]}\n"),
                       "notes.md:13:24: block 2: optimizer.lr[1]: repeats optimizer.lr[0]; hint: list each sweep value once")
    }

    /// Axes whose product passes Int.max saturate and are refused (no overflow trap).
    func testPointCountBeyondIntMaxIsRefused() {
        let list = "[" + (1...100).map(String.init).joined(separator: ", ") + "]"
        let body = "model: {width: \(list), depth: \(list), block_depth: [1, 2, 3, 4], activation: [relu, abs, tanh, gelu, identity], pre_ln: [true, false], branch_multiplier: \(list), base_width: \(list), base_depth: \(list)}\n"
            + "optimizer: {name: sgd, lr: {log2: [-100, 20], step: 0.125}, momentum: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}\n"
            + "train: {seeds: 1000}\nparametrization: [sp, mup, depth-mup]\n"
        XCTAssertTrue(message(body).hasPrefix("notes.md:13:1: block 2: the sweep has 9223372036854775807 points; narrow it"), message(body))
    }
}
