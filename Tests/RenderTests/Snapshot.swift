import Foundation
import XCTest

/// Compares `actual` with `Snapshots/<test name>.<ext>` beside this file.
///
/// A missing snapshot, or `RECORD_SNAPSHOTS=1` in the environment, writes the file and fails the
/// test, so every recording is looked at before it is committed.
func assertSnapshot(_ actual: String, ext: String, named name: String? = nil,
                    test: String = #function, file: StaticString = #filePath, line: UInt = #line) {
    let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let base = name ?? test.replacingOccurrences(of: "()", with: "")
    let url = directory.appendingPathComponent("\(base).\(ext)")
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("recorded snapshot \(url.lastPathComponent); review it and run again", file: file, line: line)
        return
    }
    if expected != actual {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expectedLines.count, actualLines.count)
        let show = { (lines: [Substring]) in first < lines.count ? String(lines[first]) : "<end>" }
        XCTFail("snapshot \(url.lastPathComponent) differs at line \(first + 1):\n expected: \(show(expectedLines))\n actual:   \(show(actualLines))\n(RECORD_SNAPSHOTS=1 re-records)",
                file: file, line: line)
    }
}
