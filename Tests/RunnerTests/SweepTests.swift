import XCTest
import Notebook
@testable import Runner

func testCell(_ body: String, index: Int = 1, id: String? = nil) -> ExperimentCell {
    let start = SourceLocation(file: "notes.md", line: 5, column: 1)
    return ExperimentCell(index: index, id: id, body: body, range: SourceRange(start: start, end: start), bodyStart: start)
}

func testSpec(_ body: String) throws -> ExperimentSpec { try ExperimentSpec.decode(testCell(body)) }

final class SweepTests: XCTestCase {
    func testCartesianProductInAxisOrder() throws {
        let spec = try testSpec("model: {depth: [4, 8]}\nparametrization: [sp, depth-mup]\noptimizer: {lr: [0.1, 0.01, 0.001]}\ntrain: {seeds: 2}")
        let points = Sweep.points(of: spec)
        XCTAssertEqual(points.count, 24)
        XCTAssertEqual(points.map(\.index), Array(0..<24))
        XCTAssertEqual(points[0].label, "parametrization=sp depth=4 lr=0.1 seed=0")
        XCTAssertEqual(points[1].label, "parametrization=sp depth=4 lr=0.1 seed=1")
        XCTAssertEqual(points[23].label, "parametrization=depth-mup depth=8 lr=0.001 seed=1")
        XCTAssertEqual(Set(points.map(\.spec)).count, 24)
        XCTAssertEqual(Sweep.axes(of: spec).map(\.name), ["parametrization", "depth", "lr", "seed"])
    }

    func testViewsAddTheirMeasurements() throws {
        let spec = try testSpec("train: {steps: 2}\nshow: [coord-check, feature-update, loss-curves]")
        let point = Sweep.points(of: spec)[0].spec
        XCTAssertEqual(point.coordinateCheckSteps, [0, 1, 2])
        XCTAssertTrue(point.featureUpdate)
        XCTAssertTrue(point.lossCurve)
    }

    func testLearningRateTextUsesPowersOfTwo() {
        XCTAssertEqual(Sweep.learningRateText(1.0 / 128), "2^-7")
        XCTAssertEqual(Sweep.learningRateText(0.001), "0.001")
    }

    func testCanonicalJSONIsStableAndSorted() throws {
        let point = Sweep.points(of: try testSpec("model: {depth: 4}"))[0].spec
        XCTAssertEqual(point.canonicalJSON, point.canonicalJSON)
        // Format 1 (PointCodec): sorted explicit keys, defaults left out.
        XCTAssertEqual(point.canonicalJSON, #"{"depth":4,"format":1}"#)
    }
}
