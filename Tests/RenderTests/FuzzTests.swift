import Foundation
import FuzzSupport
import XCTest

/// The notebook fuzzer inside `swift test`: the saved corpus, and a fixed-seed run of random
/// documents (`FUZZ_SECONDS=N` runs longer; `FUZZ_SEED=S` another seed).
final class FuzzTests: XCTestCase {
    static var examples: [String] {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/commonmark/spec-0.30.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.compactMap { $0["markdown"] as? String }
    }

    /// Every input of `Tests/Fixtures/fuzz-corpus` (inputs that once failed, or that reach rare paths).
    func testCorpus() throws {
        let directory = repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz-corpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertGreaterThan(names.count, 10)
        for name in names {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
            if let finding = DocumentFuzzer.check(Array(bytes)) { XCTFail("\(name): \(finding)") }
        }
    }

    /// Fixed seed, a few seconds in CI: no crash, no hang, every error located, identity with cmark.
    func testRandomDocuments() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["FUZZ_SECONDS"].flatMap(Double.init) ?? 0
        var random = DocumentFuzzer.Random(seed: environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 2026)
        let examples = Self.examples
        XCTAssertEqual(examples.count, 652)
        let start = Date()
        var executions = 0, findings = 0
        while seconds > 0 ? Date().timeIntervalSince(start) < seconds : executions < 8000 {
            let input = DocumentFuzzer.generate(&random, examples: examples)
            executions += 1
            if let finding = DocumentFuzzer.check(input) {
                findings += 1
                if findings <= 10 { XCTFail("\(finding)") } else { print("finding \(findings): \(finding)") }
            }
        }
        print("FuzzTests: seed \(environment["FUZZ_SEED"] ?? "2026"), \(executions) documents in \(String(format: "%.1f", Date().timeIntervalSince(start))) s, \(findings) findings")
        XCTAssertEqual(findings, 0)
    }
}
