import DepthbookKit
import Foundation
import Notebook
import Runner
import TestSupport
import XCTest

/// One process, several renders (as a preview server does): nothing stale survives a change.
final class LongRunningProcessTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("depthbookkit-live")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A raw (uncompressed) IDX file: magic `0x0000_08TT`, big-endian dimensions, then the bytes.
    static func idx(type: UInt8, dimensions: [Int], data: [UInt8]) -> Data {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for dimension in dimensions { bytes += withUnsafeBytes(of: UInt32(dimension).bigEndian, Array.init) }
        return Data(bytes + data)
    }

    func writeData(seed: Int, in folder: URL) throws {
        let count = 32, pixels = 4
        let images = (0..<(count * pixels)).map { UInt8(($0 * 37 + seed * 101) % 256) }
        let labels = (0..<count).map { UInt8(($0 + seed) % 2) }
        try Self.idx(type: 0x08, dimensions: [count, 2, 2], data: images).write(to: folder.appendingPathComponent("images.idx"))
        try Self.idx(type: 0x08, dimensions: [count], data: labels).write(to: folder.appendingPathComponent("labels.idx"))
    }

    func notebook(_ word: String) -> String {
        """
        \(word) render: loss {{b.final_loss}}.

        ```experiment {#b}
        data: {name: idx, images: images.idx, labels: labels.idx, train: 32}
        model: {width: 8, depth: 2}
        optimizer: {lr: 0.01}
        train: {steps: 6, batch: 8}
        ```
        """
    }

    func finalLoss(_ rendered: RenderedNotebook) throws -> Double {
        guard case .finished(let result) = try XCTUnwrap(rendered.results.first?.outcomes.first) else {
            XCTFail("the point did not finish: \(rendered.results)")
            return .nan
        }
        return result.finalTrainLoss
    }

    /// Renders, changes the data file and the notebook, renders again with the same pipeline:
    /// the new page has the new prose and the loss of the new data, equal to what a fresh
    /// process computes. (Before, a process-wide IDX cache kept the old images.)
    func testChangedDataAndNotebookAreSeenBySecondRenderInTheSameProcess() throws {
        let path = directory.appendingPathComponent("notes.md").path
        try writeData(seed: 0, in: directory)
        try notebook("First").write(toFile: path, atomically: true, encoding: .utf8)
        var request = RenderRequest(notebookPath: path)
        request.page.fragment = true
        let pipeline = NotebookPipeline(executors: .inProcess)
        let first = try pipeline.render(request)
        let firstLoss = try finalLoss(first)

        try writeData(seed: 1, in: directory)
        // Same sizes; a later modification time, as any editor or copy gives.
        for name in ["images.idx", "labels.idx"] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)],
                                                  ofItemAtPath: directory.appendingPathComponent(name).path)
        }
        try notebook("Second").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try pipeline.render(request)
        XCTAssertTrue(second.page.html.contains("Second render"), second.page.html)
        XCTAssertEqual(second.results[0].ranCount, 1, "the data changed, so the point runs again")
        let secondLoss = try finalLoss(second)
        XCTAssertNotEqual(secondLoss, firstLoss)

        // A fresh pipeline on a fresh copy (no cache of any kind) agrees with the second render.
        let fresh = directory.appendingPathComponent("fresh")
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        try writeData(seed: 1, in: fresh)
        try notebook("Second").write(to: fresh.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        var freshRequest = request
        freshRequest.notebookPath = fresh.appendingPathComponent("notes.md").path
        XCTAssertEqual(try finalLoss(NotebookPipeline(executors: .inProcess).render(freshRequest)), secondLoss)
    }
}
