import Foundation
import XCTest

/// What `make release` (and so `make demo`, `make bench`, …) builds.
final class BuildTests: XCTestCase {
    /// Fresh-user review: `make demo`'s release build compiled the test-only targets
    /// (TestSupport, FuzzSupport) and the dependencies' tools, because `make release` ran a
    /// plain `swift build -c release`, which builds every target of the package. It builds
    /// the `depthbook` product alone, that product reaches no test-only target, and
    /// TestSupport is a test target (built only with the tests).
    func testReleaseBuildsTheDepthbookProductOnly() throws {
        let makefile = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Makefile"), encoding: .utf8)
        let recipe = makefile.components(separatedBy: "\nrelease: deps\n").dropFirst().first?.split(separator: "\n").first
        XCTAssertEqual(recipe.map(String.init), "\t$(SWIFT) build -c release --product depthbook", "make release's recipe")
        let manifest = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let executable = try XCTUnwrap(manifest.components(separatedBy: ".executableTarget(").dropFirst().first?
            .components(separatedBy: "\n        ),").first, "the depthbook target")
        for testOnly in ["TestSupport", "FuzzSupport"] {
            XCTAssertFalse(executable.contains("\"\(testOnly)\""), "depthbook depends on \(testOnly)")
        }
        // The fakes are a test target, so not even a plain `swift build` compiles them.
        XCTAssertTrue(manifest.contains(".testTarget(name: \"TestSupport\""), "TestSupport is a test target")
    }
}
