import Foundation
import XCTest
import Notebook
@testable import Runner
import TestSupport

/// The data-fingerprint memo must never hide a content change (issue 16: `touch -r`).
final class DataFingerprintMemoTests: ScratchDirectoryTestCase {
    func testSameSizeAndMtimeButNewBytesRecomputes() throws {
        let folder: URL = directory
        let file = folder.appendingPathComponent("images.idx")
        try "aaaa".write(to: file, atomically: false, encoding: .utf8)
        var info = stat()
        XCTAssertEqual(stat(file.path, &info), 0)
        let executor = FakeExecutor()
        executor.files = [file.path]
        let cache = ResultCache(directory: folder.appendingPathComponent("cache"))
        XCTAssertEqual(try cache.dataFingerprint(for: DataSpec(), executor: executor), "aaaafake-data")
        XCTAssertEqual(try cache.dataFingerprint(for: DataSpec(), executor: executor), "aaaafake-data")
        XCTAssertEqual(executor.fingerprintCalls, 1, "the memo answers while nothing changed")
        // Same size, and the old modification time put back (`touch -r`): only ctime moves.
        usleep(20_000)
        try "bbbb".write(to: file, atomically: false, encoding: .utf8)
        var times = [info.st_atim, info.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, file.path, &times, 0), 0)
        XCTAssertEqual(try cache.dataFingerprint(for: DataSpec(), executor: executor), "bbbbfake-data")
        XCTAssertEqual(executor.fingerprintCalls, 2)
        // `computing: false` answers from the memo only.
        try "cccc".write(to: file, atomically: false, encoding: .utf8)
        XCTAssertNil(try cache.dataFingerprint(for: DataSpec(), executor: executor, computing: false))
        XCTAssertEqual(executor.fingerprintCalls, 2)
    }
}

/// Cache entries are sized before they are read (issue 16: a 2 GB entry was read whole).
final class CacheEntrySizeTests: ScratchDirectoryTestCase {
    func testOversizedEntryMissesWithoutBeingRead() throws {
        let folder: URL = directory
        let cache = ResultCache(directory: folder)
        let spec = Sweep.points(of: try testSpec("model: {depth: 4}"))[0].spec
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = cache.url(for: spec)
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        XCTAssertEqual(truncate(url.path, 2 << 30), 0)  // sparse: 2 GiB, no disk used
        guard case .miss(.corrupt(let why)) = cache.lookup(spec, engineVersion: "e", dataFingerprint: "d") else {
            return XCTFail("expected a corrupt miss")
        }
        XCTAssertEqual(why, "2147483648 bytes, more than an entry can hold")
    }
}
