import DepthMuP
import Foundation
import Runner
import XCTest

/// The tutorials' ci-scale results are the same bits as the engine's recorded ones (issue 14:
/// throughput work must not change a number; a change that does bumps the engine version and
/// re-records).
///
/// `Tests/Fixtures/ci-results/digests.json` holds, per notebook and block, a digest of each
/// point's spec and one of its results (every field of the results JSON but `index`, `values`
/// and `spec`; numbers as the shortest text that reads back as the same Double, so equal
/// digests mean equal bits). A point whose spec is not in the fixture (the notebook changed) is
/// not compared; a fixture that matches no point at all is stale. Re-record from a render:
/// `RECORD_CI_RESULTS=1 swift test --filter CIResultsTests` (the ci book of this build), or
/// with `CI_RESULTS_FROM=DIR` from the results JSON in DIR (e.g. main's build's render).
///
/// The bits depend on OpenBLAS's sgemm kernels (Zen, Haswell and SkylakeX round differently),
/// so the fixture names the kernel family it was recorded with (`openblas_core`) and is only
/// compared on a machine whose OpenBLAS picks the same family; elsewhere the test skips, saying so.
final class CIResultsTests: XCTestCase {
    static let fixture = CommandRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/ci-results/digests.json")
    static let notebooks = ["01-why-depth-needs-scaling", "02-learning-rate-transfer", "03-sgd-adam-and-the-exponents", "04-block-depth-two"]

    func testCIResultsAreBitIdenticalToTheRecordedOnes() throws {
        let environment = ProcessInfo.processInfo.environment
        let folder: URL
        if let from = environment["CI_RESULTS_FROM"] {
            folder = URL(fileURLWithPath: from)
        } else {
            let book = try CIBook.rendered()
            XCTAssertEqual(book.status, 0, book.stderr)
            folder = book.output
        }
        var current: [String: [String: [String: String]]] = [:]
        for name in Self.notebooks {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(name).results.json"))
            current[name] = try Self.digests(data)
        }
        if environment["RECORD_CI_RESULTS"] != nil {
            let json = try JSONSerialization.data(withJSONObject: ["notebooks": current, "openblas_core": BLAS.coreName],
                                                  options: [.sortedKeys, .prettyPrinted])
            try json.write(to: Self.fixture)
            XCTFail("recorded \(Self.fixture.path); review the change and run again without RECORD_CI_RESULTS")
            return
        }
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
        let core = try XCTUnwrap(root["openblas_core"] as? String, "the fixture names no OpenBLAS kernel family; re-record")
        guard core == BLAS.coreName else {
            throw XCTSkip("the fixture was recorded with OpenBLAS's \(core) kernels and this machine uses \(BLAS.coreName), whose sgemm rounds differently; RECORD_CI_RESULTS=1 records one here")
        }
        let recorded = try XCTUnwrap(root["notebooks"] as? [String: [String: [String: String]]])
        var compared = 0
        for name in Self.notebooks {
            for (block, points) in recorded[name] ?? [:] {
                for (spec, result) in points {
                    guard let now = current[name]?[block]?[spec] else { continue }
                    compared += 1
                    XCTAssertEqual(now, result, "\(name) block \(block): the point with spec digest \(spec) has other results than recorded; if the engine changed numbers on purpose, bump Engine.version and re-record (RECORD_CI_RESULTS=1)")
                }
            }
        }
        XCTAssertGreaterThan(compared, 100, "the fixture matches only \(compared) points: the notebooks changed; re-record with RECORD_CI_RESULTS=1")
    }

    /// Per block id, spec digest → results digest.
    static func digests(_ data: Data) throws -> [String: [String: String]] {
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var blocks: [String: [String: String]] = [:]
        for block in try XCTUnwrap(root["blocks"] as? [[String: Any]]) {
            let id = (block["id"] as? String) ?? "\(block["index"] ?? "?")"
            var points: [String: String] = [:]
            for point in try XCTUnwrap(block["points"] as? [[String: Any]]) {
                var results = point
                for key in ["index", "values", "spec"] { results[key] = nil }
                points[digest(canonical(point["spec"] ?? NSNull()))] = digest(canonical(results))
            }
            blocks[id] = points
        }
        return blocks
    }

    /// A canonical text of a parsed JSON value: keys sorted, numbers as Swift's shortest
    /// round-trip text of their Double value (so equal text is equal bits).
    static func canonical(_ value: Any) -> String {
        switch value {
        case let object as [String: Any]:
            return "{" + object.keys.sorted().map { "\($0):" + canonical(object[$0]!) }.joined(separator: ",") + "}"
        case let array as [Any]:
            return "[" + array.map(canonical).joined(separator: ",") + "]"
        case let string as String:
            return "\"" + string + "\""
        case let number as NSNumber:
            return "\(number.doubleValue)"
        default:
            return "null"
        }
    }

    /// The first 16 hex digits of the text's SHA-256 (``SHA256``, the result cache's hash).
    static func digest(_ text: String) -> String { String(SHA256.hex(text).prefix(16)) }
}
