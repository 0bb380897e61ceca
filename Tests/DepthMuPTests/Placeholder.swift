import XCTest

final class DepthMuPTestsPlaceholder: XCTestCase {}
