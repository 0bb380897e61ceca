import Foundation
import XCTest

/// The tutorials rendered once per test run as a book at `--scale ci`
/// (`depthbook render notebooks/ -o out/ --scale ci` on a scratch copy), shared by the tutorial
/// claims and the browser checks so CI pays for one render of each notebook.
enum CIBook {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

    struct Rendered {
        /// The folder holding `index.html`, the pages, their results JSON and CSV.
        var output: URL
        var status: Int32
        var stderr: String
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cached: Result<Rendered, Error>?

    /// The rendered book; the first call renders it (a few minutes of CPU), later calls reuse it.
    ///
    /// - Throws: `XCTSkip` without Fashion-MNIST.
    static func rendered() throws -> Rendered {
        guard FileManager.default.fileExists(atPath: fashionMNIST) else {
            throw XCTSkip("Fashion-MNIST is not installed (Debian dataset-fashion-mnist; `make deps` installs it)")
        }
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { () throws -> Rendered in
            let directory = try CommandRunner.temporaryDirectory()
            let notebooks = directory.appendingPathComponent("notebooks"), output = directory.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: notebooks, withIntermediateDirectories: true)
            let source = CommandRunner.repositoryRoot.appendingPathComponent("notebooks")
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".md") {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: notebooks.appendingPathComponent(name))
            }
            let run = try CommandRunner.run(["render", "notebooks", "-o", "out", "--scale", "ci", "--quiet"], in: directory)
            return Rendered(output: output, status: run.status, stderr: run.stderr)
        }
        cached = result
        return try result.get()
    }
}
