import Foundation
import XCTest
@testable import DepthMuP

/// The IDX reader and data loading on small generated gzip files, and on the real Fashion-MNIST
/// when Debian's dataset-fashion-mnist is installed.
final class IDXReaderTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("depthmup-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes a gzip IDX file and returns its path.
    func write(_ name: String, magic: UInt32, dimensions: [Int], data: [UInt8], cut: Int = 0) throws -> String {
        let path = directory.appendingPathComponent(name).path
        var bytes = IDXReader.encode(magic: magic, dimensions: dimensions, data: data)
        bytes.removeLast(cut)
        try GzipFile.write(bytes, to: path)
        return path
    }

    /// 6 images of 2×3 pixels with labels 0…2.
    func fixture(labelCount: Int = 6, cutImages: Int = 0) throws -> (String, String) {
        let pixels = (0..<36).map { UInt8($0 * 7 % 256) }
        let images = try write("images.gz", magic: 0x803, dimensions: [6, 2, 3], data: pixels, cut: cutImages)
        let labels = try write("labels.gz", magic: 0x801, dimensions: [labelCount], data: (0..<labelCount).map { UInt8($0 % 3) })
        return (images, labels)
    }

    func testReadsGeneratedFilesAndSplitsTail() throws {
        let (images, labels) = try fixture()
        let data = try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 4, testCount: 2, standardize: false))
        XCTAssertEqual(data.inputDim, 6)
        XCTAssertEqual(data.classes, 3)
        XCTAssertEqual(data.trainCount, 4)
        XCTAssertEqual(data.testCount, 2)
        for (i, expected) in [0, 7, 14, 21, 28, 35].enumerated() { XCTAssertEqual(data.trainInputs[i] * 255, Float(expected), accuracy: 1e-4) }
        XCTAssertEqual(data.testInputs[0] * 255, Float(4 * 6 * 7 % 256), accuracy: 1e-4, "test split is the tail (example 4)")
        XCTAssertEqual(data.trainLabels, [0, 1, 2, 0])
        XCTAssertEqual(data.testLabels, [1, 2])
        XCTAssertEqual(data.fingerprint.count, 16)
        let standardized = try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 4, testCount: 2))
        let mean = standardized.trainInputs.reduce(0, +) / Float(standardized.trainInputs.count)
        let variance = standardized.trainInputs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(standardized.trainInputs.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
        XCTAssertEqual(variance, 1, accuracy: 1e-4)
        XCTAssertEqual(standardized.fingerprint, data.fingerprint, "the fingerprint is of the file bytes")
    }

    func testMissingFileNamesIt() throws {
        let path = directory.appendingPathComponent("absent.gz").path
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: path, labels: path), trainCount: 1, testCount: 0))) { error in
            XCTAssertEqual(error as? DepthMuPError, .fileNotFound(path: path))
            XCTAssertTrue("\(error)".contains(path))
        }
    }

    func testTruncatedFileIsReportedWithSizes() throws {
        let (images, labels) = try fixture(cutImages: 5)
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 1, testCount: 0))) { error in
            XCTAssertEqual(error as? DepthMuPError, .truncated(path: images, expectedBytes: 36, actualBytes: 31))
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        let header = try write("short.gz", magic: 0x803, dimensions: [6], data: [])
        XCTAssertThrowsError(try IDXReader.readImages(header)) { error in
            XCTAssertEqual(error as? DepthMuPError, .truncated(path: header, expectedBytes: 16, actualBytes: 8))
        }
    }

    func testSwappedFilesGetWrongMagicWithHint() throws {
        let (images, labels) = try fixture()
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: labels, labels: images), trainCount: 1, testCount: 0))) { error in
            XCTAssertEqual(error as? DepthMuPError, .wrongMagic(path: labels, expected: 0x803, found: 0x801))
            XCTAssertTrue("\(error)".contains("swap"), "\(error)")
        }
    }

    func testCountMismatchNamesBothFiles() throws {
        let (images, labels) = try fixture(labelCount: 5)
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 1, testCount: 0))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(images) && message.contains(labels) && message.contains("5 labels"), message)
        }
    }

    func testOutOfRangeLabelNamesTheLabelFile() throws {
        let images = try write("images.gz", magic: 0x803, dimensions: [2, 1, 1], data: [0, 1])
        let labels = try write("labels.gz", magic: 0x801, dimensions: [2], data: [1, 200])
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 2, testCount: 0))) { error in
            XCTAssertEqual(error as? DepthMuPError, .malformed(path: labels, reason: "label 200 is out of range (expected class indices below 100); is this a label file?"))
        }
    }

    func testNotGzipAndCorruptGzip() throws {
        // zlib reads uncompressed files transparently.
        let plain = directory.appendingPathComponent("plain-labels").path
        try Data(IDXReader.encode(magic: 0x801, dimensions: [2], data: [1, 0])).write(to: URL(fileURLWithPath: plain))
        XCTAssertEqual(try IDXReader.readLabels(plain).labels, [1, 0])
        // A gzip stream cut in half is corrupt or truncated, never a crash.
        let full = try write("big.gz", magic: 0x803, dimensions: [100, 10, 10], data: (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: full))
        let cut = directory.appendingPathComponent("cut.gz").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        XCTAssertThrowsError(try IDXReader.readImages(cut)) { error in XCTAssertTrue("\(error)".contains(cut), "\(error)") }
    }

    /// Regression: the IDX cache compared device, inode, size and mtime only, so a label file
    /// rewritten in place (same size) whose mtime was restored (`touch -r`, a copy tool keeping
    /// timestamps) kept serving the old labels. ``FileIdentity`` includes the change time.
    func testCacheRereadsAFileRewrittenInPlaceWithItsOldMtime() throws {
        let (images, _) = try fixture()
        let labels = directory.appendingPathComponent("plain-labels").path
        try Data(IDXReader.encode(magic: 0x801, dimensions: [6], data: [0, 1, 2, 0, 1, 2])).write(to: URL(fileURLWithPath: labels))
        let files = IDXCache()
        let config = DataConfig(source: .idx(images: images, labels: labels), trainCount: 6, testCount: 0, standardize: false)
        XCTAssertEqual(try Dataset.load(config, files: files).trainLabels, [0, 1, 2, 0, 1, 2])
        var before = stat()
        XCTAssertEqual(stat(labels, &before), 0)
        // Same inode, same size, new bytes; then the old mtime put back.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: labels))
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: IDXReader.encode(magic: 0x801, dimensions: [6], data: [2, 2, 2, 1, 1, 1]))
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, labels, &times, 0), 0)
        var after = stat()
        XCTAssertEqual(stat(labels, &after), 0)
        XCTAssertEqual([UInt64(after.st_ino), UInt64(after.st_size), UInt64(after.st_mtim.tv_nsec)], [UInt64(before.st_ino), UInt64(before.st_size), UInt64(before.st_mtim.tv_nsec)])
        XCTAssertEqual(try Dataset.load(config, files: files).trainLabels, [2, 2, 2, 1, 1, 1])
        XCTAssertNotEqual(FileIdentity(path: labels), nil)
        XCTAssertEqual(FileIdentity.stamp(directory.appendingPathComponent("absent").path), directory.appendingPathComponent("absent").path + "|missing")
    }

    func testTooManyExamplesRequested() throws {
        let (images, labels) = try fixture()
        XCTAssertThrowsError(try Dataset.load(DataConfig(source: .idx(images: images, labels: labels), trainCount: 5, testCount: 2))) { error in
            XCTAssertTrue("\(error)".contains("holds 6"), "\(error)")
        }
    }

    func testTeacherIsDeterministicAndIndependentOfTestSize() throws {
        let a = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 4), trainCount: 50, testCount: 10))
        let b = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 4), trainCount: 50, testCount: 30))
        XCTAssertEqual(a.trainInputs, b.trainInputs)
        XCTAssertEqual(a.trainLabels, b.trainLabels)
        XCTAssertEqual(a.fingerprint, b.fingerprint)
        XCTAssertEqual(Set(a.trainLabels).count, 3, "every class occurs")
        let c = try Dataset.load(DataConfig(source: .teacher(inputDim: 8, classes: 3, seed: 5), trainCount: 50, testCount: 10))
        XCTAssertNotEqual(a.fingerprint, c.fingerprint)
    }

    func testRealFashionMNISTShapes() throws {
        let directory = DataConfig.defaultFashionMNISTDirectory
        guard FileManager.default.fileExists(atPath: directory + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST not installed at \(directory) (apt-get install dataset-fashion-mnist)")
        }
        let train = try IDXReader.readImages(directory + "/train-images-idx3-ubyte.gz").images
        XCTAssertEqual([train.count, train.rows, train.columns], [60000, 28, 28])
        XCTAssertEqual(try Dataset.availableExamples(.fashionMNIST(directory: nil)).test, 10000)
        let data = try Dataset.load(DataConfig(source: .fashionMNIST(directory: nil), trainCount: 1000, testCount: 100))
        XCTAssertEqual(data.inputDim, 784)
        XCTAssertEqual(data.classes, 10)
        XCTAssertEqual(data.testCount, 100)
    }
}
