import XCTest
@testable import DepthMuP

/// The fused residual-branch passes give the unfused sequence's bits (issue 14).
final class ResidualBranchTests: XCTestCase {
    func testFusedEqualsUnfusedBitForBit() {
        var random = SeededRandom(seed: 9, stream: 0)
        for kind in ActivationKind.allCases {
            for (rows, width) in [(64, 128), (3, 16), (5, 12), (2, 8)] {
                for meanSubtraction in [true, false] {
                    let count = rows * width
                    // Exact zeros in h, so relu's and abs's kinks are hit.
                    let h = (0..<count).map { i in i % 7 == 0 ? 0 : random.nextGaussianFloat() }
                    let previous = (0..<count).map { _ in random.nextGaussianFloat() }
                    let dNext = (0..<count).map { _ in random.nextGaussianFloat() }
                    var fused = [Float](repeating: 0, count: count), unfused = fused
                    var dFused = fused, dUnfused = fused
                    ResidualBranch.forward(kind, preActivation: h, previous: previous, next: &fused, rows: rows, width: width, scale: 0.37, meanSubtraction: meanSubtraction)
                    ResidualBranch.unfusedForward(kind, preActivation: h, previous: previous, next: &unfused, rows: rows, width: width, scale: 0.37, meanSubtraction: meanSubtraction)
                    ResidualBranch.backward(kind, preActivation: h, dNext: dNext, dPreActivation: &dFused, rows: rows, width: width, scale: 0.37, meanSubtraction: meanSubtraction)
                    ResidualBranch.unfusedBackward(kind, preActivation: h, dNext: dNext, dPreActivation: &dUnfused, rows: rows, width: width, scale: 0.37, meanSubtraction: meanSubtraction)
                    let what = "\(kind) \(rows)×\(width) MS \(meanSubtraction)"
                    XCTAssertEqual(fused.map(\.bitPattern), unfused.map(\.bitPattern), "forward \(what)")
                    XCTAssertEqual(dFused.map(\.bitPattern), dUnfused.map(\.bitPattern), "backward \(what)")
                }
            }
        }
        XCTAssertTrue(ResidualBranch.fuses(.relu, width: 128, meanSubtraction: true))
        XCTAssertFalse(ResidualBranch.fuses(.relu, width: 12, meanSubtraction: true))
        XCTAssertFalse(ResidualBranch.fuses(.tanh, width: 128, meanSubtraction: true))
    }
}
