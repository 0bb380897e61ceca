import DepthMuP
import Notebook
@testable import Runner
import XCTest

/// The published encodings: golden keys that must not move, round trips, located errors.
final class PointCodecTests: XCTestCase {
    /// A point of a typical sweep, fixed forever: its encoding and cache key are golden.
    static func goldenPoint() throws -> PointSpec {
        var point = try XCTUnwrap(Sweep.points(of: testSpec("""
            data: {name: teacher, train: 256, input_dim: 16, classes: 4}
            model: {width: 16, depth: [2, 4]}
            parametrization: [sp, {alpha: 0.5, gamma: 0}]
            optimizer: {lr: {log2: [-9, -3], step: 3}}
            train: {steps: 12, batch: 16}
            """)).last).spec
        point.coordinateCheckSteps = [0, 3]
        return point
    }

    /// NOTE: these strings are the contract with every cache on disk. If this test fails, the
    /// change invalidates every user's cache: bump ``PointCodec/specFormat`` on purpose instead.
    func testGoldenEncodingAndKeyNeverChange() throws {
        let point = try Self.goldenPoint()
        XCTAssertEqual(point.canonicalJSON,
                       #"{"batch":16,"coord_check_steps":[0,3],"data":{"classes":4,"input_dim":16,"train":256},"depth":4,"format":1,"lr":0.125,"parametrization":{"alpha":0.5,"gamma":0.0},"steps":12,"width":16}"#)
        XCTAssertEqual(ResultCache.key(spec: point, engineVersion: "engine-1", dataFingerprint: "data-1"),
                       "f511b89a91e9d18aab08a29317e3089278329825e9822a8c9328a7393c0d45ed")
    }

    /// `diversity` was added after the golden key was recorded, with a default: the key held.
    /// Set, it appears in the encoding (and so changes the key, as it changes the result).
    func testAFieldAddedWithADefaultKeepsTheKey() throws {
        var point = try Self.goldenPoint()
        XCTAssertFalse(point.diversity)
        XCTAssertFalse(point.canonicalJSON.contains("diversity"))
        point.diversity = true
        XCTAssertTrue(point.canonicalJSON.contains(#""diversity":true"#), point.canonicalJSON)
        XCTAssertEqual(try PointCodec.decodeSpec(Data(point.canonicalJSON.utf8)), point)
    }

    /// Defaults are left out, so a field added later with a default keeps every existing key:
    /// a default point encodes as the format alone, and setting any field to its default
    /// (here every one of them, explicitly) changes nothing.
    func testDefaultsAreLeftOut() throws {
        XCTAssertEqual(PointSpec.defaults.canonicalJSON, #"{"format":1}"#)
        var explicit = PointSpec.defaults
        explicit.width = 128
        explicit.depth = 8
        explicit.data = DataSpec()
        explicit.learningRate = 0.001
        explicit.epsilon = 1e-8
        XCTAssertEqual(explicit.canonicalJSON, #"{"format":1}"#)
        // Defaults written out by hand decode to the same point.
        let written = #"{"format": 1, "width": 128, "depth": 8, "lr": 0.001, "parametrization": "depth-mup", "data": {"name": "teacher"}}"#
        XCTAssertEqual(try PointCodec.decodeSpec(Data(written.utf8)), PointSpec.defaults)
    }

    func testSpecRoundTripsExactly() throws {
        let point = try Self.goldenPoint()
        XCTAssertEqual(try PointCodec.decodeSpec(Data(point.canonicalJSON.utf8)), point)
        var odd = point
        odd.learningRate = 0.1 + 0.2
        odd.meanSubtraction = false
        odd.data.name = .idx
        odd.data.images = "data/\"odd\" name.gz"
        odd.seed = 7
        XCTAssertEqual(try PointCodec.decodeSpec(Data(odd.canonicalJSON.utf8)), odd)
    }

    func testResultRoundTripsWithNonFiniteValuesAndDiversity() throws {
        let result = PointResult(alpha: 0.5, gamma: 0.5, branchMultiplier: 0.7071067811865476, hiddenLearningRate: 1e-3 / 3,
                                 initialLoss: 2.302585092994046, finalTrainLoss: .nan, lossPerStep: [2.3, .infinity, -.infinity],
                                 testLoss: 1.25, testAccuracy: nil, divergedAtStep: 2,
                                 coordinateCheck: [CoordinateRecord(step: 0, blockRMS: [1, 1.5], blockDeltaRMS: [0, 0], outputRMS: 0.1)],
                                 weightUpdateRatio: [0.2], diversity: [DiversityPoint(j: 1, epsilon: 0.25, d: 0.5)],
                                 stepsRun: 2, seconds: 0.5)
        let decoded = try PointCodec.decodeResult(Data(PointCodec.encodeResult(result).utf8))
        XCTAssertEqual(PointCodec.encodeResult(decoded), PointCodec.encodeResult(result))
        XCTAssertTrue(decoded.finalTrainLoss.isNaN)
        XCTAssertEqual(decoded.diversity, result.diversity)
        XCTAssertEqual(decoded.lossPerStep[1], .infinity)
        XCTAssertNil(decoded.testAccuracy)
    }

    func testBadSpecsSayWhichKey() {
        func message(_ json: String) -> String {
            do { _ = try PointCodec.decodeSpec(Data(json.utf8)); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(#"{"format":1,"width":"wide"}"#), "point spec: width: expected an integer")
        XCTAssertEqual(message(#"{"format":1,"widht":16}"#), #"point spec: unknown key "widht"; hint: this depthbook reads format 1"#)
        XCTAssertEqual(message(#"{"format":1,"activation":"relu6"}"#),
                       #"point spec: activation: expected "relu", "abs", "tanh", "gelu", "identity""#)
        XCTAssertEqual(message(#"{"width":16}"#),
                       "point spec: format (missing) is not 1; hint: write the spec with this depthbook's run-point or cache")
        XCTAssertEqual(message("[1]"), "point spec: not a JSON object")
    }
}
