import XCTest
@testable import Notebook

/// A block whose body starts at `line`, column 1, of `notes.md`.
private func cell(_ body: String, line: Int = 13, index: Int = 2, id: String? = nil) -> ExperimentCell {
    let start = SourceLocation(file: "notes.md", line: line, column: 1)
    return ExperimentCell(index: index, id: id, body: body,
                          range: SourceRange(start: SourceLocation(file: "notes.md", line: line - 1, column: 1),
                                             end: SourceLocation(file: "notes.md", line: line + 10, column: 1)),
                          bodyStart: start)
}

private func decode(_ body: String, line: Int = 13) throws -> ExperimentSpec {
    try ExperimentSpec.decode(cell(body, line: line))
}

/// The error message decoding `body` throws, or a failure.
private func message(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try decode(body)
        XCTFail("expected an error for:\n\(body)", file: file, line: line)
        return ""
    } catch {
        return String(describing: error)
    }
}

final class ExperimentSpecTests: XCTestCase {
    // MARK: Cases

    /// B20: the error names the exact file line and column, the block and the key path.
    func testB20ErrorNamesFileLineColumnBlockAndKeyPath() {
        // Block fence on line 12, body lines 13–17, closing fence line 18.
        let body = "title: B20\nmodel: {depth: 4}\noptimizer:\n  lr: [0.1, fast]\ntrain: {steps: 5}\n"
        XCTAssertEqual(message(body), "notes.md:16:13: block 2: optimizer.lr[1]: expected number, got \"fast\"")
    }

    /// Regression: a width of 10⁸ passed validation and the engine crashed allocating 3·10¹⁷
    /// bytes. Sizes beyond a workstation are located errors before anything runs.
    func testSizesBeyondAWorkstationAreLocatedErrors() {
        XCTAssertEqual(message("model: {width: 100000000, depth: 4}"),
                       "notes.md:13:16: block 2: model.width: must be ≤ 16384 (larger runs do not fit a workstation), got 100000000")
        XCTAssertTrue(message("data: {name: teacher, train: 100000000000}").hasPrefix("notes.md:13:30: block 2: data.train: must be ≤ 10000000"))
        XCTAssertTrue(message("train: {steps: 100000000}").contains("train.steps: must be ≤ 10000000"))
        XCTAssertTrue(message("model: {depth: [4, 100000]}").contains("model.depth[1]: must be ≤ 16384"))
    }

    /// B25: `1e-3` and `5E-4` are numbers (YAML 1.2 core), never strings.
    func testB25ExponentWithoutDotIsANumber() throws {
        XCTAssertEqual(try decode("optimizer: {lr: 1e-3}").optimizer.learningRates, [0.001])
        XCTAssertEqual(try decode("optimizer: {lr: 5E-4}").optimizer.learningRates, [0.0005])
        XCTAssertEqual(try decode("optimizer: {epsilon: 1e-12}").optimizer.epsilon, 1e-12)
        // A string where a number is required is an error, never passed on.
        XCTAssertEqual(message("optimizer: {lr: '1e-3'}"),
                       "notes.md:13:17: block 2: optimizer.lr: expected number, got \"1e-3\"")
    }

    /// B26: `NO` stays the string "NO"; `no` where a boolean is required is an error.
    func testB26NoIsAStringNotFalse() throws {
        XCTAssertEqual(SpecScalar.resolve(plain: "NO"), .string("NO"))
        XCTAssertEqual(try decode("title: NO").title, "NO")
        XCTAssertEqual(message("model: {pre_ln: no}"),
                       "notes.md:13:17: block 2: model.pre_ln: expected true/false, got \"no\"; hint: YAML 1.1 would have read \"no\" as false, YAML 1.2 (used here) reads a string: write false")
        XCTAssertEqual(message("allow-errors: yes"),
                       "notes.md:13:15: block 2: allow-errors: expected true/false, got \"yes\"; hint: YAML 1.1 would have read \"yes\" as true, YAML 1.2 (used here) reads a string: write true")
    }

    /// B28: a repeated key is an error naming both lines; nothing is silently kept.
    func testB28DuplicateKeyNamesBothLines() {
        XCTAssertEqual(message("train:\n  steps: 1024\n  steps: 2048\n"),
                       "notes.md:15:3: block 2: duplicate key steps (lines 14 and 15); keep one of them")
        XCTAssertEqual(message("title: a\ntitle: b\n"),
                       "notes.md:14:1: block 2: duplicate key title (lines 13 and 14); keep one of them")
        // Regression (issue 15, item 3): one line is named once, with both columns (was "lines 13 and 13").
        XCTAssertEqual(message("model: {depth: 4, depth: 8}"),
                       "notes.md:13:19: block 2: duplicate key depth (line 13, columns 9 and 19); keep one of them")
    }

    // MARK: YAML 1.2 core schema

    func testEveryYAML11TrapResolvesByYAML12Core() {
        let expected: [(String, SpecScalar)] = [
            ("1e-3", .double(0.001)), ("5E-4", .double(0.0005)), ("1.0e-3", .double(0.001)),
            ("1E3", .double(1000)), ("-2.5", .double(-2.5)), (".5", .double(0.5)), ("1.", .double(1)),
            ("NO", .string("NO")), ("no", .string("no")), ("No", .string("No")), ("yes", .string("yes")),
            ("Yes", .string("Yes")), ("on", .string("on")), ("off", .string("off")), ("y", .string("y")),
            ("n", .string("n")), ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)),
            ("false", .bool(false)), ("FALSE", .bool(false)),
            ("010", .int(10)), ("0x10", .int(16)), ("0o17", .int(15)), ("+12", .int(12)), ("-7", .int(-7)),
            ("0b101", .string("0b101")), ("1_000", .string("1_000")), ("0x", .string("0x")),
            ("12:30", .string("12:30")), ("2001-12-14", .string("2001-12-14")),
            (".inf", .double(.infinity)), ("-.inf", .double(-.infinity)), ("+.inf", .double(.infinity)),
            ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
            ("nil", .string("nil")), ("e3", .string("e3")), ("1e", .string("1e")), ("-", .string("-")),
        ]
        for (text, value) in expected {
            XCTAssertEqual(SpecScalar.resolve(plain: text), value, "plain scalar \(text)")
        }
        if case .double(let nan) = SpecScalar.resolve(plain: ".nan") { XCTAssertTrue(nan.isNaN) } else {
            XCTFail(".nan is a float")
        }
    }

    func testQuotedScalarsAreStrings() throws {
        XCTAssertEqual(try decode("title: \"010\"").title, "010")
        XCTAssertEqual(try decode("title: 'true'").title, "true")
        XCTAssertEqual(message("model: {width: \"128\"}"),
                       "notes.md:13:16: block 2: model.width: expected integer, got \"128\"")
        XCTAssertEqual(message("allow-errors: 'true'"),
                       "notes.md:13:15: block 2: allow-errors: expected true/false, got \"true\"")
    }

    func testOctalLookingIntegerIsDecimal() throws {
        XCTAssertEqual(try decode("model: {depth: 010}").model.depth, [10])
        XCTAssertEqual(try decode("model: {width: 0x40}").model.width, [64])
    }

    func testInfinityAndNullWhereNumbersAreRequired() {
        XCTAssertEqual(message("optimizer: {lr: .inf}"),
                       "notes.md:13:17: block 2: optimizer.lr: expected a finite number, got inf")
        XCTAssertEqual(message("optimizer: {lr: ~}"),
                       "notes.md:13:17: block 2: optimizer.lr: expected number, got null")
        XCTAssertEqual(message("timeout: null"),
                       "notes.md:13:10: block 2: timeout: expected number, got null")
    }

    // MARK: Wrong types, every key

    func testEveryKeyWithAWrongType() {
        let cases: [(yaml: String, path: String, expected: String)] = [
            ("title: [a]", "title", "expected string, got a list"),
            ("id: 3", "id", "expected string, got number 3"),
            ("data: 3", "data", "expected a mapping, got number 3"),
            ("data: {name: 3}", "data.name", "expected one of fashion-mnist, teacher, idx, got number 3"),
            ("data: {train: many}", "data.train", "expected integer, got \"many\""),
            ("data: {test: 1.5}", "data.test", "expected integer, got number 1.5"),
            ("data: {name: idx, images: 1, labels: b}", "data.images", "expected string, got number 1"),
            ("data: {name: idx, images: a, labels: [b]}", "data.labels", "expected string, got a list"),
            ("data: {directory: true}", "data.directory", "expected string, got boolean true"),
            ("data: {input_dim: x}", "data.input_dim", "expected integer, got \"x\""),
            ("data: {classes: x}", "data.classes", "expected integer, got \"x\""),
            ("data: {seed: x}", "data.seed", "expected integer, got \"x\""),
            ("data: {standardize: no}", "data.standardize", "expected true/false, got \"no\"; hint: YAML 1.1 would have read \"no\" as false, YAML 1.2 (used here) reads a string: write false"),
            ("model: [1]", "model", "expected a mapping, got a list"),
            ("model: {width: wide}", "model.width", "expected integer, got \"wide\""),
            ("model: {depth: [4, deep]}", "model.depth[1]", "expected integer, got \"deep\""),
            ("model: {block_depth: x}", "model.block_depth", "expected integer, got \"x\""),
            ("model: {activation: 3}", "model.activation", "expected one of relu, abs, tanh, gelu, identity, got number 3"),
            ("model: {mean_subtraction: off}", "model.mean_subtraction", "expected true/false, got \"off\"; hint: YAML 1.1 would have read \"off\" as false, YAML 1.2 (used here) reads a string: write false"),
            ("model: {branch_multiplier: x}", "model.branch_multiplier", "expected number, got \"x\""),
            ("model: {base_width: x}", "model.base_width", "expected integer, got \"x\""),
            ("model: {base_depth: x}", "model.base_depth", "expected integer, got \"x\""),
            ("model: {input: 1}", "model.input", "expected one of frozen, trained, got number 1"),
            ("model: {readout: 1}", "model.readout", "expected one of frozen, trained, zero, got number 1"),
            ("model: {pre_ln: on}", "model.pre_ln", "expected true/false, got \"on\"; hint: YAML 1.1 would have read \"on\" as true, YAML 1.2 (used here) reads a string: write true"),
            ("parametrization: 3", "parametrization", "expected sp, mup, depth-mup or {alpha: a, gamma: g}, got number 3"),
            ("parametrization: {alpha: x, gamma: 0.5}", "parametrization.alpha", "expected number, got \"x\""),
            ("optimizer: adam", "optimizer", "expected a mapping, got \"adam\""),
            ("optimizer: {name: 1}", "optimizer.name", "expected one of sgd, adam, got number 1"),
            ("optimizer: {lr: fast}", "optimizer.lr", "expected number, got \"fast\""),
            ("optimizer: {lr: {log2: x}}", "optimizer.lr.log2", "expected [lo, hi], got \"x\""),
            ("optimizer: {lr: {log2: [-3, a]}}", "optimizer.lr.log2[1]", "expected number, got \"a\""),
            ("optimizer: {lr: {log2: [-3, -1], step: x}}", "optimizer.lr.step", "expected number, got \"x\""),
            ("optimizer: {momentum: x}", "optimizer.momentum", "expected number, got \"x\""),
            ("optimizer: {epsilon: x}", "optimizer.epsilon", "expected number, got \"x\""),
            ("train: 5", "train", "expected a mapping, got number 5"),
            ("train: {steps: x}", "train.steps", "expected integer, got \"x\""),
            ("train: {batch: x}", "train.batch", "expected integer, got \"x\""),
            ("train: {seeds: x}", "train.seeds", "expected integer, got \"x\""),
            ("train: {seeds: [0, x]}", "train.seeds[1]", "expected integer, got \"x\""),
            ("train: {loss: 1}", "train.loss", "expected one of cross-entropy, mse, got number 1"),
            ("measure: 1", "measure", "expected a mapping, got number 1"),
            ("measure: {coord_check_steps: x}", "measure.coord_check_steps", "expected integer, got \"x\""),
            ("measure: {feature_update: 1}", "measure.feature_update", "expected true/false, got number 1"),
            ("measure: {loss_curve: y}", "measure.loss_curve", "expected true/false, got \"y\"; hint: YAML 1.1 would have read \"y\" as true, YAML 1.2 (used here) reads a string: write true"),
            ("show: 1", "show", "expected one of loss-vs-lr, best-lr, loss-table, loss-curves, coord-check, feature-update, init-variance, summary, got number 1"),
            ("timeout: soon", "timeout", "expected number, got \"soon\""),
            ("allow-errors: 1", "allow-errors", "expected true/false, got number 1"),
            ("scales: 1", "scales", "expected a mapping, got number 1"),
            ("scales: {ci: 1}", "scales.ci", "expected a mapping of experiment keys to override, got number 1"),
        ]
        for testCase in cases {
            let text = message(testCase.yaml)
            XCTAssertTrue(text.hasPrefix("notes.md:13:"), text)
            XCTAssertTrue(text.hasSuffix("block 2: \(testCase.path): \(testCase.expected)"),
                          "\(testCase.yaml)\n got: \(text)")
        }
    }

    func testOutOfRangeValues() {
        let cases: [(String, String)] = [
            ("model: {width: 0}", "model.width: must be ≥ 1, got 0"),
            ("model: {depth: [4, -8]}", "model.depth[1]: must be ≥ 1, got -8"),
            ("train: {steps: -5}", "train.steps: must be ≥ 1, got -5"),
            ("train: {batch: 0}", "train.batch: must be ≥ 1, got 0"),
            ("train: {seeds: 0}", "train.seeds: must be ≥ 1, got 0"),
            ("train: {seeds: [1, 1]}", "train.seeds: seeds repeat; each seed must appear once"),
            ("optimizer: {lr: 0}", "optimizer.lr: must be > 0, got 0"),
            ("optimizer: {lr: [0.1, -0.001]}", "optimizer.lr[1]: must be > 0, got -0.001"),
            ("optimizer: {momentum: 1}", "optimizer.momentum: must be in [0, 1), got 1"),
            ("optimizer: {lr: {log2: [-1, -3]}}", "optimizer.lr.log2: lo must be ≤ hi, got [-1, -3]"),
            ("optimizer: {lr: {log2: [-3, -1], step: 0}}", "optimizer.lr.step: must be > 0, got 0"),
            ("parametrization: [sp, depth-mu]", "parametrization[1]: unknown parametrization \"depth-mu\", expected sp, mup, depth-mup or {alpha: a, gamma: g}; did you mean depth-mup?"),
            ("parametrization: {alpha: 0.5}", "parametrization: a custom parametrization needs both alpha and gamma, e.g. {alpha: 0.5, gamma: 0.5}"),
            ("model: {activation: sigmoid}", "model.activation: unknown value \"sigmoid\", expected one of relu, abs, tanh, gelu, identity"),
            ("show: [loss-vs-lr, best_lr]", "show[1]: unknown value \"best_lr\", expected one of loss-vs-lr, best-lr, loss-table, loss-curves, coord-check, feature-update, init-variance, summary; did you mean best-lr?"),
            ("timeout: 0", "timeout: must be > 0, got 0"),
            ("data: {name: idx}", "data: name: idx needs images: (path of the IDX images file); hint: add images: PATH, relative to the notebook, e.g. data: {name: idx, images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz}"),
            // Regression (issue 15, item 3): a missing labels: had no hint.
            ("data: {name: idx, images: a.gz}", "data: name: idx needs labels: (path of the IDX labels file); hint: add labels: PATH, relative to the notebook, e.g. data: {name: idx, images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz}"),
            ("data: {images: a.gz}", "data.images: only for name: idx (this block reads teacher)"),
            ("train: {steps: 3}\nmeasure: {coord_check_steps: [0, 5]}", "measure.coord_check_steps: step 5 is after the last training step (3)"),
        ]
        for (yaml, expected) in cases {
            let text = message(yaml)
            XCTAssertTrue(text.hasSuffix("block 2: \(expected)"), "\(yaml)\n got: \(text)")
        }
    }

    func testUnknownKeysHaveADidYouMeanHint() {
        XCTAssertEqual(message("title: t\nmodle: {depth: 4}"),
                       "notes.md:14:1: block 2: modle: unknown key modle; did you mean model?")
        XCTAssertEqual(message("optimizer: {lr: 0.1, momentun: 0.9}"),
                       "notes.md:13:22: block 2: optimizer.momentun: unknown key momentun; did you mean momentum?")
        XCTAssertEqual(message("model: {blockdepth: 2}"),
                       "notes.md:13:9: block 2: model.blockdepth: unknown key blockdepth; did you mean block_depth?")
        XCTAssertEqual(message("train: {epochs: 3}"),
                       "notes.md:13:9: block 2: train.epochs: unknown key epochs; expected one of steps, batch, seeds, loss")
    }

    func testBlockLabelIsTheIdWhenThereIsOne() {
        do {
            _ = try ExperimentSpec.decode(cell("model: {width: 0}", id: "lr-transfer"))
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(String(describing: error),
                           "notes.md:13:16: block lr-transfer: model.width: must be ≥ 1, got 0")
        }
    }

    func testInvalidYAMLIsLocated() {
        let text = message("model: {width: 4\ntitle: x")
        XCTAssertTrue(text.hasPrefix("notes.md:"), text)
        XCTAssertTrue(text.contains("block 2: invalid YAML"), text)
    }

    /// Regression (issue 15, item 3): an unclosed `{` was located at the start of the next line
    /// with libyaml's words only; a `[` closed by `}` had no hint either.
    func testBrokenFlowYAMLIsLocatedOnItsLineWithAHint() {
        XCTAssertEqual(message("model: {width: 128, depth: [4, 8]\ntrain: {steps: 3}"),
                       "notes.md:13:34: block 2: invalid YAML: the { opened at 13:8 is not closed: expected ',' or '}'; hint: close each { with } and each [ with ] (a flow mapping or list of a block is best kept on one line)")
        XCTAssertEqual(message("train: {steps: 3}\nmodel: {width: 128, depth: [4, 8}"),
                       "notes.md:14:33: block 2: invalid YAML: the [ opened at 14:28 is not closed: expected ',' or ']'; hint: close each { with } and each [ with ] (a flow mapping or list of a block is best kept on one line)")
    }

    /// A tab-indented key got "found character that cannot start any token" and no hint
    /// (fresh-user review); the line with the tab is named and the fix given.
    func testTabIndentationGetsAHint() {
        XCTAssertEqual(message("sweep:\n\tlr: [2^-8]"),
                       "notes.md:14:1: block 2: invalid YAML: found character that cannot start any token; hint: YAML indents with spaces, not tabs; replace the tab at the start of the line with spaces")
        XCTAssertFalse(message("model: {width: 4\ntitle: x").contains("tabs"))
    }

    /// Fresh-user review: `scales:\n  ci:\n  model: …` (the scale's keys indented like the scale)
    /// said only "got null".
    func testAnEmptyScaleSaysToIndentItsKeys() {
        XCTAssertEqual(message("model: {depth: [4]}\nscales:\n  ci:\n  model: {width: 8}"),
                       "notes.md:15:6: block 2: scales.ci: expected a mapping of experiment keys to override, got null; hint: nothing is indented under `ci:`; indent its keys below it, e.g. `scales: {ci: {train: {steps: 10}}}`")
    }

    /// A value missing after a comma (`[4,}`, or `[4,` at the end of the block) got libyaml's
    /// "did not find expected node content" alone, and at the end of the block it was located
    /// at the closing fence (fresh-user review); it is located on the author's line, with a hint.
    func testMissingValueIsLocatedOnItsLineWithAHint() {
        let hint = "hint: a value is missing here: drop a trailing comma (`[4, 8,]` → `[4, 8]`), give the key its value, or close the [ or { left open"
        XCTAssertEqual(message("model: {depth: [4,}\ntrain: {steps: 3}"),
                       "notes.md:13:19: block 2: invalid YAML: did not find expected node content; \(hint)")
        XCTAssertEqual(message("train: {steps: 3}\nmodel: {depth: [4,\n\n"),
                       "notes.md:14:19: block 2: invalid YAML: did not find expected node content; \(hint)")
    }

    /// A key indented to a column no mapping above it uses got libyaml's words only ("mapping
    /// values are not allowed in this context", "did not find expected key"; fresh-user review):
    /// the hint names the key, its indentation and the columns it may take.
    func testMisindentedKeyGetsTheColumnsItMayTake() {
        XCTAssertEqual(message("model: {depth: [4]}\ntrain:\n  steps: 3\n   batch: 8"),
                       "notes.md:16:9: block 2: invalid YAML: mapping values are not allowed in this context; hint: `batch` is indented 3 spaces, but the keys above it are at 0 or 2 spaces; YAML nests by indentation, so line it up with the keys of the mapping it belongs to")
        XCTAssertEqual(message("train:\n  steps: 3\n # a comment\n\n batch: 8"),
                       "notes.md:17:2: block 2: invalid YAML: did not find expected key; hint: `batch` is indented 1 space, but the keys above it are at 0 or 2 spaces; YAML nests by indentation, so line it up with the keys of the mapping it belongs to")
        // Another cause of the same words gets no indentation hint.
        XCTAssertFalse(message("train: {steps: 3}: 4").contains("indented"), message("train: {steps: 3}: 4"))
    }

    // MARK: Values

    func testFullBlockDecodes() throws {
        let spec = try ExperimentSpec.decode(cell("""
            title: Learning-rate transfer across depth
            data: {name: fashion-mnist, train: 10000, test: 2000}
            model: {width: 128, depth: [4, 8, 16, 32, 64], block_depth: 1, activation: relu}
            parametrization: [sp, depth-mup, {alpha: 1, gamma: 0}]
            optimizer: {name: adam, lr: {log2: [-12, -4], step: 1}}
            train: {steps: 400, batch: 64, seeds: 2}
            show: [loss-vs-lr, best-lr]
            timeout: 60
            allow-errors: true
            """, id: "lr-transfer"))
        XCTAssertEqual(spec.id, "lr-transfer")
        XCTAssertEqual(spec.data.name, .fashionMNIST)
        XCTAssertEqual(spec.data.trainCount, 10000)
        XCTAssertEqual(spec.model.depth, [4, 8, 16, 32, 64])
        XCTAssertEqual(spec.parametrizations, [.sp, .depthMuP, .custom(alpha: 1, gamma: 0)])
        XCTAssertEqual(spec.optimizer.learningRates.count, 9)
        XCTAssertEqual(spec.optimizer.learningRates.first, 1.0 / 4096)
        XCTAssertEqual(spec.optimizer.learningRates.last, 1.0 / 16)
        XCTAssertEqual(spec.train.seeds, [0, 1])
        XCTAssertEqual(spec.show, [.lossVsLR, .bestLR])
        XCTAssertEqual(spec.timeout, 60)
        XCTAssertTrue(spec.allowErrors)
        XCTAssertEqual(spec.pointCount, 5 * 3 * 9 * 2)
    }

    func testLearningRateGridWithFractionalStep() throws {
        let rates = try decode("optimizer: {lr: {log2: [-3, -2], step: 0.5}}").optimizer.learningRates
        XCTAssertEqual(rates.count, 3)
        XCTAssertEqual(rates[0], 0.125)
        XCTAssertEqual(rates[1], pow(2, -2.5), accuracy: 1e-15)
        XCTAssertEqual(rates[2], 0.25)
    }

    func testDefaultsMergeUnderTheBlockAndKeepTheirLocations() throws {
        let defaults = try SpecNode.compose(yaml: "train: {steps: 300, batch: 16}\nmodel: {width: 0}",
                                            origin: SourceLocation(file: "notes.md", line: 3, column: 3),
                                            block: "defaults")
        let good = try ExperimentSpec.decode(cell("train: {steps: 50}\nmodel: {width: 32}"), defaults: defaults)
        XCTAssertEqual(good.train.steps, 50)
        XCTAssertEqual(good.train.batch, 16)
        XCTAssertEqual(good.model.width, [32])
        XCTAssertThrowsError(try ExperimentSpec.decode(cell("title: t"), defaults: defaults)) { error in
            // The defaults' error names the front matter's key, not a block (issue 15, item 3).
            XCTAssertEqual(String(describing: error),
                           "notes.md:4:18: defaults.model.width: must be ≥ 1, got 0")
        }
    }

    func testScaleOverridesApplyOnlyWhenActive() throws {
        let body = """
            model: {width: 256, depth: [4, 8, 16, 32]}
            train: {steps: 500}
            scales:
              ci: {model: {width: 16, depth: [4, 8]}, train: {steps: 5}}
            """
        let full = try ExperimentSpec.decode(cell(body), scale: "full")
        XCTAssertEqual(full.model.width, [256])
        XCTAssertEqual(full.model.depth, [4, 8, 16, 32])
        let ci = try ExperimentSpec.decode(cell(body), scale: "ci")
        XCTAssertEqual(ci.model.width, [16])
        XCTAssertEqual(ci.model.depth, [4, 8])
        XCTAssertEqual(ci.train.steps, 5)
        XCTAssertEqual(try ExperimentSpec.decode(cell(body)).train.steps, 500)
    }

    /// Issue 15, 7: defaults < the active scale of defaults < block < the active scale of the
    /// block. Each layer sets `train.steps` (and the ones above it leave some key alone), so every
    /// step of the order shows.
    func testMergeOrderDefaultsScaleOfDefaultsBlockScaleOfBlock() throws {
        let defaults = try SpecNode.compose(yaml: """
            train: {steps: 1, batch: 8}
            model: {width: 64, depth: 4}
            scales:
              ci: {train: {steps: 3, batch: 4}, model: {width: 16, depth: 2}}
            """, origin: SourceLocation(file: "notes.md", line: 3, column: 3), block: "defaults")
        let body = """
            train: {steps: 2}
            model: {width: 256}
            scales:
              ci: {train: {steps: 4}}
            """
        let full = try ExperimentSpec.decode(cell(body), defaults: defaults, scale: "full")
        XCTAssertEqual(full.train.steps, 2)        // block over defaults
        XCTAssertEqual(full.train.batch, 8)        // defaults where the block is silent
        XCTAssertEqual(full.model.width, [256])
        XCTAssertEqual(full.model.depth, [4])
        let ci = try ExperimentSpec.decode(cell(body), defaults: defaults, scale: "ci")
        XCTAssertEqual(ci.train.steps, 4)          // the block's scale over everything
        XCTAssertEqual(ci.train.batch, 4)          // the defaults' scale over defaults
        XCTAssertEqual(ci.model.depth, [2])        // … where the block is silent
        // The case: front matter `defaults: {scales: {ci: {model: {width: 16}}}}` and a
        // block's own `width: 256`: the author's explicit block key wins at every scale.
        XCTAssertEqual(ci.model.width, [256])
        // A block that leaves width to the defaults gets the defaults' ci size …
        let silent = body.replacingOccurrences(of: "model: {width: 256}\n", with: "")
        XCTAssertEqual(try ExperimentSpec.decode(cell(silent), defaults: defaults, scale: "ci").model.width, [16])
        XCTAssertEqual(try ExperimentSpec.decode(cell(silent), defaults: defaults, scale: "full").model.width, [64])
        // … and a block that wants another ci size says so in its own `scales.ci`.
        let shrunk = body.replacingOccurrences(of: "ci: {train: {steps: 4}}", with: "ci: {train: {steps: 4}, model: {width: 32}}")
        XCTAssertEqual(try ExperimentSpec.decode(cell(shrunk), defaults: defaults, scale: "ci").model.width, [32])
        XCTAssertEqual(try ExperimentSpec.decode(cell(body), defaults: defaults, scale: "ci").scaleNames, ["ci"])
    }

    /// A typo inside the defaults' inactive scale is still found, named by its full path.
    func testAnInactiveScaleOfTheDefaultsIsStillValidated() throws {
        let defaults = try SpecNode.compose(yaml: "scales:\n  ci: {train: {stesp: 3}}",
                                            origin: SourceLocation(file: "notes.md", line: 3, column: 3), block: "defaults")
        XCTAssertThrowsError(try ExperimentSpec.decode(cell("train: {steps: 2}"), defaults: defaults, scale: "full")) { error in
            XCTAssertEqual(String(describing: error),
                           "notes.md:4:18: defaults.scales.ci.train.stesp: unknown key stesp; did you mean steps?")
        }
    }

    func testAnInactiveScaleIsStillValidated() {
        XCTAssertEqual(message("scales:\n  ci: {train: {stesp: 5}}"),
                       "notes.md:14:16: block 2: scales.ci.train.stesp: unknown key stesp; did you mean steps?")
    }

    /// Issue 15, 2: `metric:` chooses what optima compare; a bad one is located with a hint.
    func testMetric() throws {
        XCTAssertEqual(try decode("").metric, .finalLoss)
        XCTAssertEqual(try decode("data: {test: 100}\nmetric: test_accuracy").metric, .testAccuracy)
        XCTAssertEqual(try decode("data: {test: 100}\nmetric: test_loss").metric, .testLoss)
        XCTAssertEqual(message("data: {test: 100}\nmetric: test_acuracy"),
                       "notes.md:14:9: block 2: metric: unknown value \"test_acuracy\", expected one of final_loss, test_loss, test_accuracy; did you mean test_accuracy?")
        XCTAssertEqual(message("metric: test_accuracy"),
                       "notes.md:13:9: block 2: metric: test_accuracy is measured on the test split, but data.test is 0; hint: set data: {test: 1000} (or use metric: final_loss)")
        XCTAssertEqual(message("metric: [final_loss]"),
                       "notes.md:13:9: block 2: metric: expected one of final_loss, test_loss, test_accuracy, got a list")
    }

    func testSeedsCountOrList() throws {
        XCTAssertEqual(try decode("train: {seeds: 3}").train.seeds, [0, 1, 2])
        XCTAssertEqual(try decode("train: {seeds: [7, 3]}").train.seeds, [7, 3])
    }

    func testEmptyBlockGivesDefaults() throws {
        XCTAssertEqual(try decode(""), ExperimentSpec())
    }
}
