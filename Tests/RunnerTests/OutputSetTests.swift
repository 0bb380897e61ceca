import Foundation
import XCTest
@testable import Runner

/// ``OutputSet``: every output or none, devices and symlinks kept, inputs never overwritten.
final class OutputSetTests: ScratchDirectoryTestCase {
    var folder: URL { directory }

    func testAllOrNothingWhenOneDestinationFails() throws {
        let blocker = folder.appendingPathComponent("file")
        try "x".write(to: blocker, atomically: false, encoding: .utf8)
        var outputs = OutputSet(inputs: [])
        outputs.add(Data("page".utf8), to: folder.appendingPathComponent("page.html").path)
        outputs.add(Data("asset".utf8), to: folder.appendingPathComponent("page_files/katex.css").path)
        outputs.add(Data("never".utf8), to: blocker.appendingPathComponent("inside.csv").path)
        XCTAssertThrowsError(try outputs.commit()) { error in
            XCTAssertEqual("\(error)", "\(blocker.path)/inside.csv: Not a directory; hint: choose another output path")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["file"])
        // A name that passes the checks but whose temporary cannot be created (too long, 250
        // bytes + the temporary's suffix): the files staged before it are removed too.
        var late = OutputSet(inputs: [])
        late.add(Data("page".utf8), to: folder.appendingPathComponent("page.html").path)
        late.add(Data("asset".utf8), to: folder.appendingPathComponent("page_files/katex.css").path)
        late.add(Data("csv".utf8), to: folder.appendingPathComponent(String(repeating: "n", count: 250)).path)
        XCTAssertThrowsError(try late.commit()) { error in
            XCTAssertTrue("\(error)".hasSuffix(": File name too long; hint: check the output path and that its folder is writable"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["file"])
    }

    func testDevicesAreStreamsAndInputsAreRefused() throws {
        XCTAssertTrue(OutputSet.isStream("/dev/null"))
        XCTAssertTrue(OutputSet.isStream("-"))
        XCTAssertFalse(OutputSet.isStream(folder.appendingPathComponent("new.html").path))
        XCTAssertEqual(try OutputSet(inputs: []).target(for: "/dev/null"), .stream("/dev/null"))
        let notebook = folder.appendingPathComponent("nb.md")
        try "# x".write(to: notebook, atomically: false, encoding: .utf8)
        let link = folder.appendingPathComponent("alias.html")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "nb.md")
        XCTAssertThrowsError(try OutputSet(inputs: [(notebook.path, "notebook")]).target(for: link.path)) { error in
            XCTAssertEqual("\(error)", "\(link.path): the output would overwrite the notebook \(notebook.path); hint: choose another output path (or rename the notebook)")
        }
        XCTAssertEqual(try String(contentsOf: notebook, encoding: .utf8), "# x")
    }

    /// `-o /tmp/bad/` (an existing folder, written with its slash) hinted `-o /tmp/bad//page.html`.
    func testFolderHintHasNoDoubleSlash() throws {
        for path in [folder.path, folder.path + "/", folder.path + "//"] {
            XCTAssertThrowsError(try OutputSet(inputs: []).target(for: path)) { error in
                XCTAssertEqual("\(error)", "\(path): is a directory; hint: give a file name, e.g. -o \(folder.path)/page.html")
            }
        }
        XCTAssertThrowsError(try OutputSet(inputs: []).target(for: "/")) { error in
            XCTAssertEqual("\(error)", "/: is a directory; hint: give a file name, e.g. -o /page.html")
        }
    }

    /// Regression (fresh-user review): `-o nosuch/../nb.md` passed the input check, since the
    /// path does not exist until the page's missing folder `nosuch/` is made, and then the page
    /// replaced the notebook.
    func testAFolderNotYetMadeCannotReachAnInput() throws {
        let notebook = folder.appendingPathComponent("nb.md")
        try "# x".write(to: notebook, atomically: false, encoding: .utf8)
        let sneaky = folder.path + "/nosuch/../nb.md"
        XCTAssertThrowsError(try OutputSet(inputs: [(notebook.path, "notebook")]).target(for: sneaky)) { error in
            XCTAssertTrue("\(error)".contains("would overwrite the notebook"), "\(error)")
        }
        // Through several missing levels and `.`, and to a new file beside the notebook.
        for other in ["/new/./deeper/../../nb.md", "/new/../new2/../nb.md"] {
            XCTAssertThrowsError(try OutputSet(inputs: [(notebook.path, "notebook")]).target(for: folder.path + other), other)
        }
        XCTAssertEqual(try OutputSet(inputs: [(notebook.path, "notebook")]).target(for: folder.path + "/new/../page.html"),
                       .replace(folder.path + "/page.html"))
        XCTAssertEqual(try OutputSet(inputs: [(notebook.path, "notebook")]).target(for: folder.path + "/new/page.html"),
                       .replace(folder.path + "/new/page.html"))
    }
}
