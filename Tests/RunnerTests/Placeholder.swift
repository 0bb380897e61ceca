import XCTest

final class RunnerTestsPlaceholder: XCTestCase {}
