import Foundation
import Notebook
import XCTest
@testable import Render
@testable import Runner

final class ResultViewsTests: XCTestCase {
    func view(_ kind: ViewKind, _ yaml: String = lrTransfer) throws -> ViewOutput {
        ResultViews.render(kind, BlockAnalysis(try fixtureBlock(yaml)))
    }

    func testLossVsLRSnapshot() throws {
        let html = try view(.lossVsLR).html
        assertSnapshot(html, ext: "html")
        XCTAssertTrue(html.contains("2⁻⁹"), "log2 axis labelled as powers of two")
        XCTAssertTrue(html.contains("class=\"optimum\""))
        XCTAssertFalse(html.contains("NaN"), "diverged points are left out of plots")
    }

    func testBestLRSnapshot() throws {
        let output = try view(.bestLR)
        assertSnapshot(output.html, ext: "html")
        assertSnapshot(output.tables[0].csv(), ext: "csv")
        // depth-mup keeps its optimum (spread 0); sp drifts by 1 octave from L = 4 to 16.
        XCTAssertTrue(output.html.contains("<th scope=\"row\" class=\"number\">spread (octaves)</th><td class=\"number\" data-label=\"SP\">1</td><td class=\"number\" data-label=\"depth-μP\">0</td>"), output.html)
    }

    func testLossTableSnapshot() throws {
        let output = try view(.lossTable)
        assertSnapshot(output.html, ext: "html")
        XCTAssertEqual(output.tables.count, 2)
        XCTAssertTrue(output.html.contains("diverged @ step 5"))
        XCTAssertTrue(output.html.contains("<figcaption>"))
        XCTAssertTrue(output.html.contains("<thead>"))
    }

    func testLossCurvesSnapshot() throws {
        let html = try view(.lossCurves, "model: {width: 16, depth: [4, 8]}\ntrain: {steps: 6}\nshow: [loss-curves]").html
        assertSnapshot(html, ext: "html")
    }

    func testCoordCheckSnapshot() throws {
        let html = try view(.coordCheck, "model: {width: 16, depth: [4, 8, 16]}\nparametrization: [sp, depth-mup]\ntrain: {steps: 3}\nshow: [coord-check]").html
        assertSnapshot(html, ext: "html")
    }

    /// Regression: the change plot has no `t = 0` series, so its colours were shifted by one
    /// against the stream plot above it (`t = 1` red in one, blue in the other).
    func testCoordCheckGivesEachStepOneColourInBothPlots() throws {
        let html = try view(.coordCheck, "model: {width: 16, depth: [4, 16]}\ntrain: {steps: 3}\nshow: [coord-check]").html
        for step in 1...3 {
            let pattern = "<title>t = \(step)</title>\n<polyline points=\"[^\"]*\" fill=\"none\" stroke-width=\"2\" style=\"stroke:([^\"]*)\""
            let regex = try NSRegularExpression(pattern: pattern)
            let colours = regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
                String(html[Range(match.range(at: 1), in: html)!])
            }
            XCTAssertEqual(colours.count, 2, "t = \(step) should be drawn in both plots")
            XCTAssertEqual(Set(colours).count, 1, "t = \(step) has colours \(colours)")
        }
    }

    /// Regression: one exploding curve (sp at depth 64, losses in the thousands) flattened every
    /// other curve of the loss-vs-lr plot onto the x axis. Losses above 4 × the median of the
    /// curves' minima are drawn as off-scale triangles on the top edge instead.
    func testExplodingCurveDoesNotFlattenTheOthers() {
        let panels = [SVGPlot.Panel(title: "", series: [
            SVGPlot.Series(name: "a", points: [(-3, 1.5), (-2, 1.0), (-1, 1.4)], marked: 1),
            SVGPlot.Series(name: "b", points: [(-3, 1.6), (-2, 1.2), (-1, 2.0)], marked: 1),
            SVGPlot.Series(name: "c", points: [(-3, 900), (-2, 500), (-1, .nan)], marked: 1),
        ])]
        let ceiling = ResultViews.lossCeiling(panels)
        XCTAssertEqual(ceiling, 4.8)
        var plot = SVGPlot(xLabel: "x", yLabel: "y", xScale: .log2Exponent, yScale: .linear, panels: panels, description: "")
        plot.yCeiling = ceiling
        let svg = plot.html()
        XCTAssertEqual(svg.components(separatedBy: "class=\"off-scale\"").count - 1, 2)
        XCTAssertTrue(svg.contains("<title>above the axis: 900.0</title>"))
        XCTAssertFalse(svg.contains(">500<"), "the y ticks must stop at the ceiling")
        // Without an exploding curve there is no ceiling.
        XCTAssertNil(ResultViews.lossCeiling([SVGPlot.Panel(title: "", series: Array(panels[0].series.prefix(2)))]))
    }

    /// Regression (fresh-reader review): on a phone a wide results table (class `reflow`)
    /// becomes one card per row, yet its caption and ★ titles spoke of "its column". They
    /// now name the axis or the cell's label, true in both layouts.
    func testReflowCaptionsDoNotSpeakOfColumns() throws {
        for kind in [ViewKind.lossTable, .bestLR, .summary] {
            let html = try view(kind).html
            XCTAssertFalse(html.contains("column"), "\(kind): \(html.prefix(600))")
        }
        XCTAssertTrue(try view(.lossTable).html.contains("★: the lowest loss at each depth <span class=\"math inline\">L</span>"))
        XCTAssertTrue(try view(.lossTable).html.contains("title=\"lowest for L = 16\""))
    }

    /// Regression (fresh-reader review): a log10 axis from 1 to 10⁸ read `1 100 10000 10⁶ 10⁸`,
    /// two notations on one axis (decades up to 10⁴ as plain numbers). One axis, one notation:
    /// every decade as a power once any needs one; an axis within 10⁻³…10⁴ keeps plain numbers.
    func testLogAxisLabelsEveryDecadeInOneNotation() {
        func yLabels(_ values: [Double]) -> [String] {
            let plot = SVGPlot(xLabel: "x", yLabel: "y", xScale: .linear, yScale: .log10,
                               panels: [SVGPlot.Panel(title: "", series: [SVGPlot.Series(name: "a", points: values.enumerated().map { (Double($0.offset), $0.element) })])],
                               description: "")
            return plot.labels(plot.yAxisTicks(), .log10)
        }
        XCTAssertEqual(yLabels([1, 1e8]), ["10⁰", "10²", "10⁴", "10⁶", "10⁸"])
        XCTAssertEqual(yLabels([1e-5, 1]), ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"])
        XCTAssertEqual(yLabels([0.01, 100]), ["0.01", "0.1", "1", "10", "100"])
        let svg = SVGPlot(xLabel: "x", yLabel: "y", xScale: .linear, yScale: .log10,
                          panels: [SVGPlot.Panel(title: "", series: [SVGPlot.Series(name: "a", points: [(0, 1), (1, 1e8)])])],
                          description: "").html()
        XCTAssertFalse(svg.contains(">10000<"), svg)
        XCTAssertTrue(svg.contains(">10⁴<"), svg)
    }

    /// Regression (fresh-reader review): an off-scale point at the first x value drew its ▲ left
    /// of the frame, on the top y tick label (the marker is shifted per series). Every marker
    /// stays inside the frame, clear of the tick labels left of it.
    func testOffScaleMarkersStayInsideTheFrame() throws {
        let series = (0..<4).map { index in
            SVGPlot.Series(name: "s\(index)", points: [(-3, 900 + Double(index)), (-2, 1.0), (-1, 1.2)])
        }
        var plot = SVGPlot(xLabel: "x", yLabel: "y", xScale: .log2Exponent, yScale: .linear,
                           panels: [SVGPlot.Panel(title: "", series: series)], description: "")
        plot.yCeiling = 4
        let svg = plot.html()
        let polygons = try NSRegularExpression(pattern: "class=\"off-scale\" points=\"([^\"]+)\"")
            .matches(in: svg, range: NSRange(svg.startIndex..., in: svg))
            .map { String(svg[Range($0.range(at: 1), in: svg)!]) }
        XCTAssertEqual(polygons.count, 4)
        let xs = polygons.flatMap { $0.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) } }
        XCTAssertGreaterThanOrEqual(xs.min() ?? 0, SVGPlot.left, "a ▲ left of the frame: \(polygons)")
    }

    /// Regression: legends had three 150-px columns whatever the plot's width, so a one-panel
    /// plot (300 px) cut its third entry off. The legend is now an HTML list under the panels
    /// (it wraps to any width), every entry present, none of them inside the SVG.
    func testLegendFitsASinglePanel() throws {
        let series = (1...5).map { SVGPlot.Series(name: "L = \($0)", points: [(Double($0), 1.0), (Double($0) + 1, 2.0)]) }
        let html = SVGPlot(xLabel: "x", yLabel: "y", xScale: .linear, yScale: .linear,
                           panels: [SVGPlot.Panel(title: "", series: series)], description: "").html()
        let legend = try XCTUnwrap(html.range(of: "<ul class=\"legend\">")).upperBound
        let entries = html[legend...].components(separatedBy: "<li><span class=\"swatch\"").count - 1
        XCTAssertEqual(entries, 5)
        let svg = html[..<legend]
        XCTAssertNil(svg.range(of: "<text[^>]*>L = ", options: .regularExpression), "legend labels inside the SVG")
    }

    func testFeatureUpdateSnapshot() throws {
        let output = try view(.featureUpdate, "model: {width: 16, depth: [4, 8, 16]}\nparametrization: [sp, depth-mup]\ntrain: {steps: 3}\nshow: [feature-update]")
        assertSnapshot(output.html, ext: "html")
        XCTAssertTrue(output.tables[0].csv().contains("depth-mup,-0.5"), output.tables[0].csv())
    }

    func testInitVarianceSnapshot() throws {
        let output = try view(.initVariance, "model: {width: 16, depth: [4, 16], activation: relu}\ntrain: {steps: 1}\nshow: [init-variance]")
        assertSnapshot(output.html, ext: "html")
        XCTAssertEqual(output.html.components(separatedBy: ">0.0%<").count, 3, "the fixture matches the exact formula")
    }

    func testSummarySnapshot() throws {
        let html = try view(.summary, "data: {test: 100}\nmodel: {width: 16, depth: [4, 8]}\noptimizer: {lr: [0.01, 0.5]}\nshow: [summary]").html
        assertSnapshot(html, ext: "html")
    }

    func testTableMarksBestAndRightAlignsNumbers() throws {
        let html = try view(.lossTable).html
        XCTAssertTrue(html.contains("<td class=\"number best\" data-label="))
        XCTAssertTrue(html.contains("<th scope=\"col\" class=\"number\">L = 4</th>"))
    }

    /// B24: a NaN loss and an infinite loss show as such; other cells stay; JSON stays valid.
    func testB24NonFiniteValuesInTablesAndJSON() throws {
        let block = try fixtureBlock("model: {width: 16, depth: [4, 8]}\noptimizer: {lr: [0.01, 0.02]}\nshow: [summary, loss-vs-lr]") { point in
            var result = syntheticResult(point)
            if point.depth == 4 && point.learningRate == 0.01 { result.finalTrainLoss = .nan }
            if point.depth == 8 && point.learningRate == 0.01 { result.finalTrainLoss = .infinity; result.testLoss = -.infinity }
            return .finished(result)
        }
        let analysis = BlockAnalysis(block)
        let summary = ResultViews.render(.summary, analysis).html
        XCTAssertTrue(summary.contains("<td class=\"number\" data-label=\"final train loss\">NaN</td>"), summary)
        XCTAssertTrue(summary.contains("<td class=\"number\" data-label=\"final train loss\">inf</td>"), summary)
        XCTAssertEqual(summary.components(separatedBy: "<td class=\"number").count - 1, 8)
        let plot = ResultViews.render(.lossVsLR, analysis).html
        XCTAssertFalse(plot.contains("nan") || plot.contains("NaN") || plot.contains("inf"), "plots skip non-finite points")
        let json = ResultsJSON.encode([block], notebookFile: "notes.md")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        XCTAssertNotNil(parsed)
        XCTAssertTrue(json.contains("\"final_train_loss\": null"))
        XCTAssertTrue(json.contains("\"nonfinite\": {\"final_train_loss\": \"NaN\"}"), json)
        XCTAssertTrue(json.contains("\"nonfinite\": {\"final_train_loss\": \"inf\", \"test_loss\": \"-inf\"}"), json)
        XCTAssertFalse(json.contains("NaN,") || json.contains(": NaN") || json.contains(": inf"))
    }

    func testResultsJSONSnapshotIsValidJSON() throws {
        let block = try fixtureBlock("model: {width: 16, depth: [4, 8]}\noptimizer: {lr: [0.01, 0.5]}\ntrain: {steps: 2}\nshow: [summary]")
        let json = ResultsJSON.encode([block], notebookFile: "notes.md")
        assertSnapshot(json, ext: "json")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.utf8)))
    }

    /// Fresh-user review: the results JSON did not say which `metric:` the block's optima were
    /// chosen by; each block records it (spec name), default `final_loss`.
    func testResultsJSONRecordsEachBlocksMetric() throws {
        let byAccuracy = try fixtureBlock("data: {name: teacher, test: 64}\nmodel: {width: 16}\noptimizer: {lr: [0.01, 0.5]}\nmetric: test_accuracy\nshow: [summary]")
        let byDefault = try fixtureBlock("model: {width: 16}\noptimizer: {lr: [0.01, 0.5]}\nshow: [summary]", index: 2)
        let json = ResultsJSON.encode([byAccuracy, byDefault], notebookFile: "notes.md")
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let blocks = try XCTUnwrap(parsed["blocks"] as? [[String: Any]])
        XCTAssertEqual(blocks.map { $0["metric"] as? String }, ["test_accuracy", "final_loss"])
        XCTAssertTrue(json.contains("\"status\": \"ok\",\n      \"metric\": \"test_accuracy\",\n      \"axes\""), json)
    }

    func testFailedAndTimedOutCells() throws {
        let block = try fixtureBlock("model: {width: 16, depth: [4, 8, 16]}\nshow: [summary]", status: .failed("notes.md:10:1: block lr-transfer: boom")) { point in
            point.depth == 4 ? .finished(syntheticResult(point)) : point.depth == 8 ? .failed("boom") : .timedOut
        }
        let html = ExecutedBlocks(results: [block]).html(for: block.cell)
        XCTAssertTrue(html.contains("<div class=\"error\" role=\"alert\"><strong>Experiment failed.</strong> <code>notes.md:10:1: block lr-transfer: boom</code></div>"), html)
        XCTAssertTrue(html.contains(">failed</td>"))
        XCTAssertTrue(html.contains(">timed out</td>"))
    }

    func testBlockFigureAndCrossReference() throws {
        let block = try fixtureBlock(lrTransfer, index: 2)
        let provider = ExecutedBlocks(results: [block])
        let html = provider.html(for: block.cell)
        XCTAssertTrue(html.hasPrefix("<figure class=\"experiment\">\n<figcaption><span class=\"figure-number\">Figure 2.</span> Learning-rate transfer</figcaption>"), html)
        XCTAssertEqual(provider.crossReferenceHTML(forBlockID: "lr-transfer"), "<a class=\"cross-reference\" href=\"#lr-transfer\">Figure 2</a>")
        XCTAssertNil(provider.crossReferenceHTML(forBlockID: "nope"))
        let files = provider.sideFiles(pageName: "notes", notebookFile: "notes.md").map(\.name)
        // The plot's values are a CSV too (loss-vs-lr), so nothing is reachable only by hovering.
        XCTAssertEqual(files, ["notes.results.json", "notes.lr-transfer.loss-vs-lr.csv", "notes.lr-transfer.best-lr.csv", "notes.lr-transfer.loss-table.sp.csv", "notes.lr-transfer.loss-table.depth-mup.csv"])
    }
}

final class NumberFormatTests: XCTestCase {
    /// A count reads as prose: singular for exactly one (issue 8: "1 octaves").
    func testCountedIsSingularForOne() {
        XCTAssertEqual(NumberFormat.counted(1, "octave"), "1 octave")
        XCTAssertEqual(NumberFormat.counted(2, "octave"), "2 octaves")
        XCTAssertEqual(NumberFormat.counted(0, "octave"), "0 octaves")
        XCTAssertEqual(NumberFormat.counted(1.5, "octave"), "1.5 octaves")
        XCTAssertEqual(NumberFormat.counted(1, "grid step"), "1 grid step")
    }

    /// Readers see U+2212, not a hyphen-minus (issue 8: "-0.01" beside tables' "−").
    func testProseUsesTheMinusSign() {
        XCTAssertEqual(NumberFormat.prose(-0.01), "−0.0100")
        XCTAssertEqual(NumberFormat.minus("-0.50"), "−0.50")
        XCTAssertEqual(NumberFormat.minus("depth-mup"), "depth-mup", "a hyphen inside a word stays")
    }

    /// Scientific values as `× 10ⁿ` (issue 8: "1.74e19" in running text).
    func testProseWritesPowersOfTen() {
        XCTAssertEqual(NumberFormat.prose(1.74e19), "1.74 × 10¹⁹")
        XCTAssertEqual(NumberFormat.prose(-2.5e-5, digits: 2), "−2.5 × 10⁻⁵")
        XCTAssertEqual(NumberFormat.prose(1e6, digits: 1), "10⁶")
        XCTAssertEqual(NumberFormat.prose(617.8, digits: 4), "617.8")
    }

    func testSignificantDigits() {
        XCTAssertEqual(NumberFormat.significant(0.0078125), "0.00781")
        XCTAssertEqual(NumberFormat.significant(2.31456, digits: 4), "2.315")
        XCTAssertEqual(NumberFormat.significant(0.5), "0.500")
        XCTAssertEqual(NumberFormat.significant(9.9996, digits: 4), "10.00")
        XCTAssertEqual(NumberFormat.significant(1234.6, digits: 3), "1235")
        XCTAssertEqual(NumberFormat.trimmed(0.500), "0.5")
        XCTAssertEqual(NumberFormat.trimmed(-7), "-7")
        XCTAssertEqual(NumberFormat.significant(1.5e-5), "1.50e-5")
        XCTAssertEqual(NumberFormat.significant(-2e7, digits: 2), "-2.0e7")
        XCTAssertEqual(NumberFormat.significant(0), "0")
    }

    func testNonFinite() {
        XCTAssertEqual(NumberFormat.significant(.nan), "NaN")
        XCTAssertEqual(NumberFormat.significant(.infinity), "inf")
        XCTAssertEqual(NumberFormat.significant(-.infinity), "-inf")
        XCTAssertEqual(NumberFormat.exact(.nan), "null")
    }

    func testPowersOfTwo() {
        XCTAssertEqual(NumberFormat.powerOfTwo(-9), "2⁻⁹")
        XCTAssertEqual(NumberFormat.powerOfTwo(10), "2¹⁰")
        XCTAssertEqual(NumberFormat.learningRate(1.0 / 128), "2⁻⁷")
        XCTAssertEqual(NumberFormat.learningRate(pow(2, -7.5)), "2⁻⁷·⁵⁰")
        XCTAssertEqual(NumberFormat.learningRate(0.001), "0.001")
        XCTAssertEqual(NumberFormat.fixed(-1e-30), "0.00")
    }
}

final class InlineReferenceTests: XCTestCase {
    func resolve(_ text: String, _ yaml: String = lrTransfer) throws -> String {
        let provider = ExecutedBlocks(results: [try fixtureBlock(yaml)])
        return try provider.inlineHTML(for: InlineReference(text: text, location: SourceLocation(file: "notes.md", line: 3, column: 7)))
    }

    func value(_ text: String, _ yaml: String = lrTransfer) throws -> String {
        let html = try resolve(text, yaml)
        return String(html[html.range(of: "\">")!.upperBound..<html.range(of: "</span>")!.lowerBound])
    }

    func testQuantities() throws {
        XCTAssertEqual(try value("lr-transfer.best_lr[depth-mup, 16]"), "2⁻⁷")
        // Quoted numbers read as prose: a Unicode minus, octaves counted with their noun.
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[depth-mup, depth=16]"), "−7")
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[sp, 16]"), "−8")
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp]"), "1 octave")
        XCTAssertEqual(try value("lr-transfer.spread_octaves[depth-mup]"), "0 octaves")
        XCTAssertEqual(try value("1.points"), "72")
        XCTAssertEqual(try value("lr-transfer.diverged"), "8")
        XCTAssertEqual(try value("lr-transfer.final_loss[sp, 4, 2^-2]"), "diverged @ step 5")
        XCTAssertEqual(try value("lr-transfer.best_loss[depth-mup, 4]"), "0.3610")
        // Depth left open: the one rate best on average over depths.
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[depth-mup]"), "−7")
        XCTAssertEqual(try resolve("lr-transfer.best_lr[depth-mup, 16]"),
                       "<span class=\"reference\" title=\"lr-transfer.best_lr[depth-mup, 16]\">2⁻⁷</span>")
    }

    /// The synthetic sp optimum sits at log₂ η* = −7 − ½·log₂(L/4): exactly −½ octave per
    /// doubling of depth on a half-octave grid; depth-μP's stays at −7. Seeds agree, so the
    /// bootstrap interval collapses onto the estimate.
    func testOctavesPerDoublingIsTheExactSlope() throws {
        let grid = """
            model: {width: 32, depth: [4, 8, 16, 32]}
            parametrization: [sp, depth-mup]
            optimizer: {lr: {log2: [-10, -2], step: 0.5}}
            train: {steps: 6, seeds: 2}
            show: [best-lr]
            """
        XCTAssertEqual(try value("lr-transfer.octaves_per_doubling[sp]", grid), "−0.50 ± 0.00")
        XCTAssertEqual(try value("lr-transfer.octaves_per_doubling[depth-mup]", grid), "0.00 ± 0.00")
        let table = try XCTUnwrap(ResultViews.bestLRTables(BlockAnalysis(try fixtureBlock(grid)))?.first)
        XCTAssertEqual(table.rows.last?.map(\.text), ["octaves per doubling", "−0.50 ± 0.00", "0.00 ± 0.00"])
    }

    /// Two seeds whose optima disagree: seed 0 drifts −½ octave per doubling, seed 1 (weighted
    /// twice) −1. The mean picks seed 1's optimum (slope −1); the resamples {0,0}, {0,1}, {1,0},
    /// {1,1} give −½, −1, −1, −1, so the 95% percentile interval is [−1, −½].
    func testOctavesPerDoublingBootstrapsOverSeeds() throws {
        let yaml = """
            model: {width: 32, depth: [4, 16]}
            optimizer: {lr: {log2: [-10, -5]}}
            train: {steps: 6, seeds: 2}
            """
        let block = try fixtureBlock(yaml) { spec in
            let x = log2(spec.learningRate), doublings = log2(Double(spec.depth) / 4)
            let optimum = spec.seed == 0 ? -7 - doublings / 2 : -7 - doublings
            let loss = Double(spec.seed + 1) * (x - optimum) * (x - optimum) + 1
            return .finished(PointResult(alpha: 0.5, gamma: 0.5, branchMultiplier: 1, hiddenLearningRate: spec.learningRate,
                                         initialLoss: 2, finalTrainLoss: loss, lossPerStep: [], testLoss: nil, testAccuracy: nil,
                                         divergedAtStep: nil, coordinateCheck: [], weightUpdateRatio: [], stepsRun: 6, seconds: 0))
        }
        let analysis = BlockAnalysis(block)
        let drift = try XCTUnwrap(BlockAnalysis.octavesPerDoubling(analysis.groups, series: "depth"))
        XCTAssertEqual(drift.slope, -1, accuracy: 1e-12)
        XCTAssertEqual(drift.low, -1, accuracy: 1e-12)
        XCTAssertEqual(drift.high, -0.5, accuracy: 1e-12)
        let html = try ExecutedBlocks(results: [block]).inlineHTML(for: InlineReference(text: "lr-transfer.octaves_per_doubling",
                                                                                          location: SourceLocation(file: "notes.md", line: 3, column: 7)))
        XCTAssertTrue(html.contains("−1.00 ± 0.50"), html)
    }

    /// Regression (fresh-user review): the drift fitted final train loss under `metric:
    /// test_loss`, and an optimum on the grid's edge gave a confident number. Here the test loss
    /// puts η* at −8 (L = 4) and −6 (L = 16), two octaves apart over two doublings: slope +1, while
    /// the train loss is best at the lowest rate everywhere. Then with η* at the grid's low edge
    /// at L = 4 (below the mean log₂ L), the slope is only a lower bound.
    func testOctavesPerDoublingFollowsTheMetricAndMarksEdgeBounds() throws {
        func block(_ optimumAt4: Double) throws -> BlockResult {
            try fixtureBlock("""
                model: {width: 32, depth: [4, 16]}
                optimizer: {lr: {log2: [-10, -5]}}
                data: {test: 100}
                metric: test_loss
                train: {steps: 6, seeds: 1}
                """) { spec in
                let x = log2(spec.learningRate)
                let optimum = spec.depth == 4 ? optimumAt4 : -6
                return .finished(PointResult(alpha: 0.5, gamma: 0.5, branchMultiplier: 1, hiddenLearningRate: spec.learningRate,
                                             initialLoss: 2, finalTrainLoss: 1 + x / 100, lossPerStep: [], testLoss: (x - optimum) * (x - optimum) + 1,
                                             testAccuracy: nil, divergedAtStep: nil, coordinateCheck: [], weightUpdateRatio: [], stepsRun: 6, seconds: 0))
            }
        }
        let interior = try XCTUnwrap(BlockAnalysis.octavesPerDoubling(BlockAnalysis(try block(-8)).groups, series: "depth"))
        XCTAssertEqual(interior.slope, 1, accuracy: 1e-12)
        XCTAssertNil(interior.bound)
        let edge = try XCTUnwrap(BlockAnalysis.octavesPerDoubling(BlockAnalysis(try block(-12)).groups, series: "depth"))
        XCTAssertEqual(edge.slope, 2, accuracy: 1e-12, "η* = 2⁻¹⁰ (the edge) at L = 4, 2⁻⁶ at L = 16")
        XCTAssertEqual(edge.bound, .atLeast)
        XCTAssertEqual(ResultViews.driftText(edge), "≥ 2.00 ± 0.00")
    }

    func testInitVarianceQuantities() throws {
        let yaml = "model: {width: 16, depth: [4, 16]}\ntrain: {steps: 1}\nshow: [init-variance]"
        XCTAssertEqual(try value("lr-transfer.init_variance_ratio[16]", yaml), "12.4")
        XCTAssertEqual(try value("lr-transfer.init_variance_exact[16]", yaml), "12.4")
    }

    /// The synthetic results put (½, 0)'s optimum at −7 − log2(L/4)/2, i.e. −8 at L = 16.
    func testParametrizationSpellingsSelectTheSameAxisValue() throws {
        let yaml = lrTransfer.replacingOccurrences(of: "[sp, depth-mup]", with: "[depth-mup, {alpha: 0.5, gamma: 0}]")
        for spelling in ["(0.5, 0)", "α=0.5 γ=0", "alpha=0.5 gamma=0", "{alpha: 0.5, gamma: 0}",
                         "parametrization=(0.5, 0)", "parametrization=α=0.5 γ=0"] {
            XCTAssertEqual(try value("lr-transfer.best_log2_lr[\(spelling), 16]", yaml), "−8", spelling)
        }
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[depth-mup, 16]", yaml), "−7")
        XCTAssertThrowsError(try value("lr-transfer.best_log2_lr[(1, 0), 16]", yaml))
    }

    /// Synthetic coordinates: the change of x_L is 0.1·t under depth-mup at every depth and
    /// 0.1·t·√(L/4) under sp, so the slopes against log L are exactly 0 and ½.
    func testCoordinateSlopes() throws {
        let yaml = "model: {width: 16, depth: [4, 16, 64]}\nparametrization: [depth-mup, sp]\ntrain: {steps: 3}\nshow: [coord-check]"
        XCTAssertEqual(try value("lr-transfer.coord_delta_slope[depth-mup]", yaml), "0.00")
        XCTAssertEqual(try value("lr-transfer.coord_delta_slope[sp]", yaml), "0.50")
        XCTAssertEqual(try value("lr-transfer.coord_delta_slope[sp, step=1]", yaml), "0.50")
        XCTAssertThrowsError(try value("lr-transfer.coord_delta_slope[sp, step=7]", yaml)) { error in
            XCTAssertTrue(String(describing: error).contains("recorded steps: 0, 1, 2, 3"), "\(error)")
        }
    }

    /// The synthetic stream grows exactly as the formula says, so the largest error is 0.
    func testInitVarianceMaxError() throws {
        let yaml = "model: {width: 16, depth: [4, 16]}\nparametrization: [sp, depth-mup]\ntrain: {steps: 1}\nshow: [init-variance]"
        XCTAssertEqual(try value("lr-transfer.init_variance_max_error", yaml), "0.0%")
        XCTAssertEqual(try value("lr-transfer.init_variance_max_error[sp]", yaml), "0.0%")
    }

    /// Issue 15, 1: a block sweeping width and depth. The synthetic optimum does not depend on
    /// width, and under sp sits at −7 − log2(L/4)/2: −7 at L = 4, −8 at L = 16.
    let widthByDepth = lrTransfer.replacingOccurrences(of: "model: {width: 32, depth: [4, 16]}",
                                                       with: "model: {width: [32, 64], depth: [4, 16]}")

    func testQuantitiesTakeTheirAxisWithOver() throws {
        // Over width at a fixed depth: the optimum does not move with width.
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp, over=width, depth=4]", widthByDepth), "0 octaves")
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp, depth=16, over=width]", widthByDepth), "0 octaves")
        // Over depth (the default, or said) at a fixed width: sp's optimum moves by one octave.
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp, width=32]", widthByDepth), "1 octave")
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp, over=depth, width=64]", widthByDepth), "1 octave")
        // Any swept axis but lr: over parametrization at L = 16, sp at −8 and depth-μP at −7.
        XCTAssertEqual(try value("lr-transfer.spread_octaves[over=parametrization, depth=16, width=32]", widthByDepth), "1 octave")
        // A slope over width: the synthetic update ratio does not depend on width.
        let features = widthByDepth.replacingOccurrences(of: "show: [loss-vs-lr, best-lr, loss-table]", with: "show: [feature-update]")
        XCTAssertEqual(try value("lr-transfer.feature_update_slope[sp, over=width, depth=4, lr=2^-7]", features), "0.00")
        XCTAssertEqual(try value("lr-transfer.feature_update_slope[depth-mup, width=32, lr=2^-7]", features), "−0.50")
        // best_lr pools the open series axis; over=width pools widths at a fixed depth.
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[sp, over=width, depth=16]", widthByDepth), "−8")
    }

    /// Issue 15, 3: on the grid 2⁻⁸ … 2⁻², sp's optimum at L = 16 (2⁻⁸) is the lowest rate, so
    /// only a bound; at L = 4 (2⁻⁷) and under depth-μP (2⁻⁷) it is inside.
    let edgeGrid = lrTransfer.replacingOccurrences(of: "{log2: [-10, -2]}", with: "{log2: [-8, -2]}")

    func testOptimaOnTheGridEdgeAreBounds() throws {
        XCTAssertEqual(try value("lr-transfer.best_lr[sp, 16]", edgeGrid), "≤ 2⁻⁸")
        XCTAssertEqual(try value("lr-transfer.best_log2_lr[sp, 16]", edgeGrid), "≤ −8")
        XCTAssertEqual(try value("lr-transfer.best_lr[sp, 4]", edgeGrid), "2⁻⁷")
        // The true spread is at least −7 − (−8): a lower bound.
        XCTAssertEqual(try value("lr-transfer.spread_octaves[sp]", edgeGrid), "≥ 1 octave")
        XCTAssertEqual(try value("lr-transfer.spread_octaves[depth-mup]", edgeGrid), "0 octaves")
        let table = try XCTUnwrap(ResultViews.bestLRTables(BlockAnalysis(try fixtureBlock(edgeGrid)))?.first)
        let html = table.html()
        XCTAssertTrue(html.contains("≤ 2⁻⁸"), html)
        XCTAssertTrue(html.contains("≥ 1"), html)
        XCTAssertTrue(table.caption.contains("only a bound"), table.caption)
        let plot = ResultViews.render(.lossVsLR, BlockAnalysis(try fixtureBlock(edgeGrid))).html
        XCTAssertTrue(plot.contains("only bounds (SP · L = 16: ≤ 2⁻⁸)"), plot)
        XCTAssertEqual(BlockAnalysis(try fixtureBlock(edgeGrid)).gridEdgeWarning(),
                       "notes.md:10:1: block lr-transfer: optimizer.lr: the optimum is on the edge of the grid, so only a bound (≤ or ≥), at the lowest rate for SP · L = 16 at 2⁻⁸ (extend it below)")
        // Inside the grid: no warning, no marks.
        XCTAssertNil(BlockAnalysis(try fixtureBlock(lrTransfer)).gridEdgeWarning())
        XCTAssertFalse(try XCTUnwrap(ResultViews.bestLRTables(BlockAnalysis(try fixtureBlock(lrTransfer)))?.first).html().contains("≤"))
    }

    /// Issue 15, 3: two seeds 0.048 apart at every point make the 0.03 gap between the optimum
    /// and its neighbours noise (2·SE of the gap is 0.068), so the table says ≈; with today's
    /// fixture (seeds 0.002 apart, 2·SE 0.0028) it does not.
    func testTiesWithinSeedNoiseAreShownAsSuch() throws {
        let noisy: (PointSpec) -> PointOutcome = { point in
            var result = syntheticResult(point)
            result.finalTrainLoss += 0.048 * Double(point.seed)
            return .finished(result)
        }
        let analysis = BlockAnalysis(try fixtureBlock(lrTransfer, outcome: noisy))
        let curve = analysis.groups.filter { $0.values["parametrization"] == "depth-mup" && $0.values["depth"] == "16" }
        XCTAssertEqual(BlockAnalysis.best(curve).map { log2($0.spec.learningRate) }, -7)
        let runnerUp = try XCTUnwrap(BlockAnalysis.tie(curve))
        XCTAssertEqual(abs(log2(runnerUp.spec.learningRate) + 7), 1, "a neighbour of the optimum")
        let table = try XCTUnwrap(ResultViews.bestLRTables(analysis)?.first)
        XCTAssertEqual(table.rows[1][2].text, "≈ 2⁻⁷")
        XCTAssertTrue(table.caption.contains("≈: seeds cannot tell the optimum from the next-best rate"), table.caption)
        XCTAssertTrue(table.caption.contains("depth-μP · L = 16: 2⁻⁷ ≈ 2⁻"), table.caption)
        XCTAssertTrue(ResultViews.render(.lossVsLR, analysis).html.contains("≈: seeds cannot tell"))
        // Seeds that agree: no tie, and the page is today's.
        let quiet = BlockAnalysis(try fixtureBlock(lrTransfer))
        XCTAssertNil(BlockAnalysis.tie(quiet.groups.filter { $0.values["parametrization"] == "depth-mup" && $0.values["depth"] == "16" }))
        XCTAssertFalse(try XCTUnwrap(ResultViews.bestLRTables(quiet)?.first).caption.contains("≈"))
        // One seed says nothing about noise: never a tie.
        let single = BlockAnalysis(try fixtureBlock(lrTransfer.replacingOccurrences(of: "seeds: 2", with: "seeds: 1"), outcome: noisy))
        XCTAssertNil(BlockAnalysis.tie(single.groups.filter { $0.values["depth"] == "16" && $0.values["parametrization"] == "sp" }))
    }

    func testSpreadBoundsFromEdges() {
        XCTAssertEqual(BlockAnalysis.spread([(-9, nil), (-13, .low)])?.octaves, 4)
        XCTAssertEqual(BlockAnalysis.spread([(-9, nil), (-13, .low)])?.isLowerBound, true)
        XCTAssertEqual(BlockAnalysis.spread([(-13, .low), (-13, .low)])?.octaves, 0)
        XCTAssertEqual(BlockAnalysis.spread([(-5, .high), (-9, nil)])?.octaves, 4)
        XCTAssertEqual(BlockAnalysis.spread([(-5, nil), (-9, nil)])?.isLowerBound, false)
        XCTAssertNil(BlockAnalysis.spread([(-5, nil)]))
    }

    /// Issue 15, 1: the hint for a wrong argument names the fix.
    func testOverHintsNameTheFix() throws {
        let cases: [(String, String)] = [
            ("lr-transfer.spread_octaves[sp, depth=4]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, depth=4]}}: spread_octaves ranges over depth by default, so depth cannot be fixed; to take it over width at depth=4, write {{lr-transfer.spread_octaves[sp, over=width, depth=4]}}; or drop depth=4"),
            ("lr-transfer.spread_octaves[sp, 4]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, 4]}}: spread_octaves ranges over depth by default, so depth cannot be fixed; to take it over width at depth=4, write {{lr-transfer.spread_octaves[sp, over=width, depth=4]}}; or drop depth=4"),
            ("lr-transfer.spread_octaves[sp]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp]}}: spread_octaves needs a value for width; width is one of 32, 64, e.g. {{lr-transfer.spread_octaves[32]}}; to range over width instead, write {{lr-transfer.spread_octaves[sp, over=width, depth=4]}}"),
            ("lr-transfer.spread_octaves[sp, over=seed, depth=4]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, over=seed, depth=4]}}: over=seed: seeds are always averaged; over= is one of parametrization, depth, width"),
            ("lr-transfer.spread_octaves[sp, over=lr, depth=4]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, over=lr, depth=4]}}: over=lr: lr is the axis every optimum ranges over already; over= is one of parametrization, depth, width"),
            ("lr-transfer.final_loss[sp, 4, 32, lr=2^-7, over=width]",
             "notes.md:3:7: {{lr-transfer.final_loss[sp, 4, 32, lr=2^-7, over=width]}}: final_loss is one run's value; over= does not apply; drop over=width"),
            ("lr-transfer.spread_octaves[sp, over=width, width=32]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, over=width, width=32]}}: spread_octaves ranges over width with over=width, so width cannot be fixed; to take it over depth at width=32, write {{lr-transfer.spread_octaves[sp, over=depth, width=32]}}; or drop width=32"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try resolve(text, widthByDepth)) { XCTAssertEqual(String(describing: $0), expected) }
        }
    }

    /// Issue 15, 2: a test accuracy whose optimum (2⁻⁵) is not the train loss's (2⁻⁷ under
    /// depth-μP; −7 − log2(L/4)/2 under sp), so the metric visibly moves every optimum.
    static func accuracyOutcome(_ point: PointSpec) -> PointOutcome {
        var result = syntheticResult(point)
        let x = log2(point.learningRate)
        result.testLoss = 0.5 + 0.01 * (x + 5) * (x + 5)
        result.testAccuracy = 0.9 - 0.02 * (x + 5) * (x + 5)
        return .finished(result)
    }

    let withTest = lrTransfer.replacingOccurrences(of: "train: {steps: 6, seeds: 2}",
                                                   with: "data: {test: 64}\ntrain: {steps: 6, seeds: 2}")

    func metricValue(_ text: String, metric: String?) throws -> String {
        let yaml = withTest + (metric.map { "\nmetric: \($0)" } ?? "")
        let provider = ExecutedBlocks(results: [try fixtureBlock(yaml, outcome: Self.accuracyOutcome)])
        let html = try provider.inlineHTML(for: InlineReference(text: text, location: SourceLocation(file: "notes.md", line: 3, column: 7)))
        return String(html[html.range(of: "\">")!.upperBound..<html.range(of: "</span>")!.lowerBound])
    }

    func testAtReadsAQuantityWhereBestLRChose() throws {
        // Default metric (final train loss): depth-μP's optimum is 2⁻⁷, where accuracy is 0.9 − 0.02·2².
        XCTAssertEqual(try metricValue("lr-transfer.best_lr[depth-mup, depth=16]", metric: nil), "2⁻⁷")
        XCTAssertEqual(try metricValue("lr-transfer.test_accuracy[depth-mup, depth=16, at=best_lr]", metric: nil), "82.0%")
        XCTAssertEqual(try metricValue("lr-transfer.test_accuracy[depth-mup, depth=16, lr=2^-7]", metric: nil), "82.0%")
        XCTAssertEqual(try metricValue("lr-transfer.final_loss[sp, 16, at=best_lr]", metric: nil),
                       try metricValue("lr-transfer.best_loss[sp, 16]", metric: nil))
        // metric: test_accuracy moves the optimum to 2⁻⁵ for every curve, so the spreads vanish.
        XCTAssertEqual(try metricValue("lr-transfer.best_lr[depth-mup, depth=16]", metric: "test_accuracy"), "2⁻⁵")
        XCTAssertEqual(try metricValue("lr-transfer.best_lr[sp, 16]", metric: "test_accuracy"), "2⁻⁵")
        XCTAssertEqual(try metricValue("lr-transfer.test_accuracy[depth-mup, depth=16, at=best_lr]", metric: "test_accuracy"), "90.0%")
        XCTAssertEqual(try metricValue("lr-transfer.best_loss[depth-mup, 16]", metric: "test_accuracy"), "90.0%")
        XCTAssertEqual(try metricValue("lr-transfer.spread_octaves[sp]", metric: nil), "1 octave")
        XCTAssertEqual(try metricValue("lr-transfer.spread_octaves[sp]", metric: "test_accuracy"), "0 octaves")
        XCTAssertEqual(try metricValue("lr-transfer.best_lr[sp, 16]", metric: "test_loss"), "2⁻⁵")
        // Pooled over depths (depth left open), by the metric too.
        XCTAssertEqual(try metricValue("lr-transfer.best_log2_lr[sp]", metric: "test_accuracy"), "−5")
    }

    func testMetricDrivesTablesPlotsAndCaptions() throws {
        let block = try fixtureBlock(withTest + "\nmetric: test_accuracy", outcome: Self.accuracyOutcome)
        let analysis = BlockAnalysis(block)
        let table = try XCTUnwrap(ResultViews.bestLRTables(analysis)?.first)
        XCTAssertTrue(table.caption.hasPrefix("Best learning rate $\\eta^*$ (highest test accuracy) per depth $L$"), table.caption)
        XCTAssertTrue(table.caption.contains("whose best run has the highest test accuracy for its parametrization"), table.caption)
        XCTAssertEqual(table.rows.first { $0[0].text == "spread (octaves)" }?.dropFirst().map(\.text), ["0", "0"])
        XCTAssertEqual(table.rows[0].map(\.text), ["4", "2⁻⁵", "2⁻⁵"])
        let plot = ResultViews.render(.lossVsLR, analysis).html
        XCTAssertTrue(plot.contains("test accuracy against learning rate"), plot)
        XCTAssertTrue(plot.contains("Test accuracy (on the test split at the end, averaged over 2 seeds) against the learning rate"), plot)
        XCTAssertTrue(plot.contains("(its highest test accuracy, the block's metric)"), plot)
        let losses = ResultViews.render(.lossTable, analysis)
        XCTAssertTrue(losses.tables[0].caption.contains("test accuracy for each learning rate"), losses.tables[0].caption)
        // ★ on the 2⁻⁵ row (the 6th of 2⁻¹⁰ … 2⁻²), whose accuracy is the column's highest.
        XCTAssertEqual(losses.tables[0].rows[5][1].text, "90.0%")
        XCTAssertTrue(losses.tables[0].rows[5][1].isBest)
        let summary = ResultViews.render(.summary, analysis).tables[0]
        XCTAssertTrue(summary.caption.hasSuffix("★: the highest test accuracy."), summary.caption)
        let starred = summary.rows.enumerated().filter { $0.element.contains(where: \.isBest) }
        XCTAssertEqual(starred.count, 1)
        XCTAssertEqual(starred[0].element.last?.text, "90.0%")
        XCTAssertTrue(starred[0].element.last?.isBest ?? false, "★ sits in the accuracy column")
        // The default metric keeps today's captions.
        let plain = try XCTUnwrap(ResultViews.bestLRTables(BlockAnalysis(try fixtureBlock(lrTransfer)))?.first).caption
        XCTAssertTrue(plain.hasPrefix("Best learning rate $\\eta^*$ (lowest final train loss) per depth"), plain)
    }

    func testAtAndMetricErrorsNameTheFix() throws {
        let cases: [(String, String)] = [
            ("lr-transfer.spread_octaves[sp, at=best_lr]",
             "notes.md:3:7: {{lr-transfer.spread_octaves[sp, at=best_lr]}}: at= reads a one-run quantity at a chosen point, but spread_octaves ranges over lr, depth (or width) itself; drop at=best_lr; at= goes with final_loss, test_loss, test_accuracy, init_variance_ratio, init_variance_exact"),
            ("lr-transfer.test_accuracy[sp, 4, at=best_los]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4, at=best_los]}}: at=best_los: unknown chooser \"best_los\"; did you mean best_lr? at= is one of best_lr"),
            ("lr-transfer.test_accuracy[sp, 4, at=final_loss]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4, at=final_loss]}}: at=final_loss: final_loss is a value, it does not choose a point; at= is one of best_lr"),
            ("lr-transfer.test_accuracy[sp, 4, lr=2^-7, at=best_lr]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4, lr=2^-7, at=best_lr]}}: at=best_lr chooses lr, so lr cannot be fixed as well; drop lr=2^-7 (or drop at=best_lr to read the quantity at lr=2^-7)"),
            ("lr-transfer.test_accuracy[sp, at=best_lr]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, at=best_lr]}}: test_accuracy needs a value for depth; depth is one of 4, 16, e.g. {{lr-transfer.test_accuracy[4]}}"),
            ("lr-transfer.test_accuracy[sp, 4]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4]}}: test_accuracy needs a value for lr; lr is one of 2^-10, 2^-9, 2^-8, 2^-7, 2^-6, 2^-5, 2^-4, 2^-3, 2^-2, e.g. {{lr-transfer.test_accuracy[2^-10]}}; or at=best_lr to read it at the lr best_lr chooses"),
            ("lr-transfer.test_accuracy[sp, 4, at=best_lr, at=best_lr]",
             "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4, at=best_lr, at=best_lr]}}: at= is given 2 times; keep one at="),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try metricValue(text, metric: nil)) { XCTAssertEqual(String(describing: $0), expected) }
        }
        let oneRate = withTest.replacingOccurrences(of: "{log2: [-10, -2]}", with: "0.01")
        XCTAssertThrowsError(try resolve("lr-transfer.test_accuracy[sp, 4, at=best_lr]", oneRate)) {
            XCTAssertEqual(String(describing: $0), "notes.md:3:7: {{lr-transfer.test_accuracy[sp, 4, at=best_lr]}}: at=best_lr: this block runs one learning rate, so there is nothing to choose; drop at=best_lr")
        }
    }

    func testUnknownReferencesAreLocatedWithAHint() throws {
        let cases: [(String, String)] = [
            ("nope.best_lr", "notes.md:3:7: {{nope.best_lr}}: unknown block \"nope\"; blocks: lr-transfer"),
            ("lr-transfr.best_lr[sp, 4]", "notes.md:3:7: {{lr-transfr.best_lr[sp, 4]}}: unknown block \"lr-transfr\"; did you mean lr-transfer? blocks: lr-transfer"),
            ("lr-transfer.spread_octave[sp]", "notes.md:3:7: {{lr-transfer.spread_octave[sp]}}: unknown quantity \"spread_octave\"; did you mean spread_octaves? quantities: best_lr, best_log2_lr, best_loss, spread_octaves, octaves_per_doubling, final_loss, test_loss, test_accuracy, init_variance_ratio, init_variance_exact, feature_update_slope, points, diverged, init_variance_max_error, coord_rms_slope, coord_delta_slope"),
            ("lr-transfer.best_lrr[sp, 4]", "notes.md:3:7: {{lr-transfer.best_lrr[sp, 4]}}: unknown quantity \"best_lrr\"; did you mean best_lr? quantities: best_lr, best_log2_lr, best_loss, spread_octaves, octaves_per_doubling, final_loss, test_loss, test_accuracy, init_variance_ratio, init_variance_exact, feature_update_slope, points, diverged, init_variance_max_error, coord_rms_slope, coord_delta_slope"),
            ("lr-transfer.best_lr[4]", "notes.md:3:7: {{lr-transfer.best_lr[4]}}: best_lr needs a value for parametrization; parametrization is one of sp, depth-mup, e.g. {{lr-transfer.best_lr[sp]}}"),
            ("lr-transfer.best_lr[sp, 32]", "notes.md:3:7: {{lr-transfer.best_lr[sp, 32]}}: no axis has the value 32; parametrization: sp, depth-mup; depth: 4, 16; lr: 2^-10, 2^-9, 2^-8, 2^-7, 2^-6, 2^-5, 2^-4, 2^-3, 2^-2"),
            ("lr-transfer.best_lr[sp, 4, lr=2^-7]", "notes.md:3:7: {{lr-transfer.best_lr[sp, 4, lr=2^-7]}}: best_lr ranges over lr; do not fix it; drop lr=2^-7"),
            ("lr-transfer", "notes.md:3:7: {{lr-transfer}}: expected BLOCK.QUANTITY; blocks: lr-transfer; quantities: best_lr, best_log2_lr, best_loss, spread_octaves, octaves_per_doubling, final_loss, test_loss, test_accuracy, init_variance_ratio, init_variance_exact, feature_update_slope, points, diverged, init_variance_max_error, coord_rms_slope, coord_delta_slope"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try resolve(text)) { XCTAssertEqual(String(describing: $0), expected) }
        }
    }
}

final class ResultViewsEdgeCaseTests: XCTestCase {
    /// Every view renders (without crashing, with valid JSON beside it) for a single point, for
    /// a block whose points all failed, all diverged, or never ran.
    func testEveryViewSurvivesDegenerateBlocks() throws {
        let blocks: [(String, (PointSpec) -> PointOutcome)] = [
            ("model: {width: 8, depth: 4}\ntrain: {steps: 2}", { .finished(syntheticResult($0)) }),
            ("model: {width: 8, depth: [4, 8]}\noptimizer: {lr: [0.1, 0.2]}", { _ in .failed("boom") }),
            ("model: {width: 8, depth: [4, 8]}\noptimizer: {lr: [0.5, 1]}", { .finished(syntheticResult($0)) }),
            ("model: {width: 8, depth: [4, 8]}\noptimizer: {lr: [0.1, 0.2]}\ntrain: {seeds: 2}", { _ in .cancelled }),
            ("model: {width: [8, 16]}\ntrain: {steps: 2}", { .finished(syntheticResult($0)) }),
        ]
        for (yaml, outcome) in blocks {
            let show = "\nshow: [" + ViewKind.allCases.map(\.rawValue).joined(separator: ", ") + "]"
            let block = try fixtureBlock(yaml + show, outcome: outcome)
            let provider = ExecutedBlocks(results: [block])
            let html = provider.html(for: block.cell)
            XCTAssertTrue(html.hasPrefix("<figure class=\"experiment\">"), yaml)
            XCTAssertFalse(html.contains("nan") || html.contains("NaN\"") || html.contains("inf\""), yaml)
            for file in provider.sideFiles(pageName: "p", notebookFile: "p.md") where file.name.hasSuffix(".json") {
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(file.contents.utf8)), yaml)
            }
        }
    }
}
