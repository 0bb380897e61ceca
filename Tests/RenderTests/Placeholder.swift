import XCTest

final class RenderTestsPlaceholder: XCTestCase {}
