import Foundation
import XCTest
@testable import DepthMuP

/// Shared x_0 tables (issue 14): the same bits as each run projecting its own, shared only
/// between runs with the same data, width and input weights, bounded in memory, safe under
/// concurrent runs.
final class InputProjectionCacheTests: XCTestCase {
    static var data: Dataset { TrainerTests.data }

    /// A learning-rate sweep of one seed: every point after the first reads the first one's
    /// training and test tables, and every result is the same bits as without the cache.
    /// (Regression test: before issue 14 every point projected its own table.)
    func testSweepSharesOneTableAndKeepsBits() throws {
        let cache = InputProjectionCache()
        for (i, rate) in [0.01, 0.02, 0.04].enumerated() {
            let config = TrainerTests.config(learningRate: rate)
            XCTAssertTrue(Trainer.precomputesInputProjection(config, trainCount: Self.data.trainCount))
            let profile = TrainingProfile()
            let shared = try Trainer.train(config, on: Self.data, projections: cache, profile: profile)
            let alone = try Trainer.train(config, on: Self.data)
            XCTAssertEqual(TrainerTests.timeless(shared), TrainerTests.timeless(alone), "lr \(rate)")
            XCTAssertEqual(shared.testLoss?.bitPattern, alone.testLoss?.bitPattern, "lr \(rate): test loss")
            XCTAssertNotNil(shared.testLoss)
            XCTAssertEqual(profile.sharedProjection, i > 0, "point \(i)")
        }
        let counts = cache.statistics
        // Train and test split: two tables made, each read by the two later points.
        XCTAssertEqual(counts.misses, 2)
        XCTAssertEqual(counts.hits, 4)
        XCTAssertEqual(counts.uncached, 0)
    }

    /// Another seed draws another U, another width another shape: no table is shared, and
    /// each run still matches its run without the cache.
    func testDifferentSeedOrWidthNeverShares() throws {
        let cache = InputProjectionCache()
        var wide = TrainerTests.config()
        wide.model = ModelConfig(width: 48, depth: 4, baseWidth: 32, baseDepth: 2)
        for config in [TrainerTests.config(seed: 1), TrainerTests.config(seed: 2), wide] {
            let shared = try Trainer.train(config, on: Self.data, projections: cache)
            XCTAssertEqual(TrainerTests.timeless(shared), TrainerTests.timeless(try Trainer.train(config, on: Self.data)))
        }
        XCTAssertEqual(cache.statistics.hits, 0)
        XCTAssertEqual(cache.statistics.misses, 6)
    }

    /// The cache keeps at most its byte limit: the least recently used table goes first, and a
    /// table larger than the limit is computed for its run alone (same bits either way).
    func testMemoryBoundEvictsLeastRecentlyUsed() throws {
        let trainBytes = Self.data.trainCount * 32 * 4 + 32 * 12 * 4  // table + its copy of U
        let cache = InputProjectionCache(byteLimit: trainBytes + trainBytes / 2)
        var config = TrainerTests.config()
        config.measurements.test = false
        let first = try Trainer.train(config, on: Self.data, projections: cache)
        XCTAssertEqual(cache.bytesHeld, trainBytes)
        let second = try Trainer.train(TrainerTests.config(seed: 2).withoutTest, on: Self.data, projections: cache)
        XCTAssertEqual(cache.bytesHeld, trainBytes, "the first table was dropped for the second")
        XCTAssertLessThanOrEqual(cache.bytesHeld, cache.byteLimit)
        _ = try Trainer.train(config, on: Self.data, projections: cache)
        XCTAssertEqual(cache.statistics.hits, 0, "seed 1's table was evicted")
        XCTAssertEqual(TrainerTests.timeless(first), TrainerTests.timeless(try Trainer.train(config, on: Self.data)))
        XCTAssertNotEqual(first.lossPerStep, second.lossPerStep)

        let tiny = InputProjectionCache(byteLimit: 1000)
        let uncached = try Trainer.train(config, on: Self.data, projections: tiny)
        XCTAssertEqual(tiny.statistics.uncached, 1)
        XCTAssertEqual(tiny.bytesHeld, 0)
        XCTAssertEqual(TrainerTests.timeless(uncached), TrainerTests.timeless(first))
    }

    /// Runs on four threads at once asking for the same table: one computes, the others wait
    /// and read it; every result equals the sequential one.
    func testConcurrentRunsShareSafely() throws {
        let cache = InputProjectionCache()
        let rates = [0.01, 0.02, 0.03, 0.04]
        let sequential = try rates.map { TrainerTests.timeless(try Trainer.train(TrainerTests.config(learningRate: $0), on: Self.data)) }
        nonisolated(unsafe) var concurrent: [TrainingResult?] = Array(repeating: nil, count: rates.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: rates.count) { i in
            let result = try? Trainer.train(TrainerTests.config(learningRate: rates[i]), on: Self.data, projections: cache)
            lock.lock(); concurrent[i] = result.map(TrainerTests.timeless); lock.unlock()
        }
        for i in rates.indices { XCTAssertEqual(concurrent[i], sequential[i], "run \(i)") }
        XCTAssertEqual(cache.statistics.misses, 2, "one training and one test table")
        XCTAssertEqual(cache.statistics.hits, 6)
    }

    /// A trained input layer changes U every step: no table, whatever the cache.
    func testTrainedInputLayerUsesNoTable() throws {
        var config = TrainerTests.config()
        config.model.input = .trained
        let cache = InputProjectionCache()
        let shared = try Trainer.train(config, on: Self.data, projections: cache)
        XCTAssertEqual(cache.statistics.misses + cache.statistics.hits + cache.statistics.uncached, 0)
        XCTAssertEqual(TrainerTests.timeless(shared), TrainerTests.timeless(try Trainer.train(config, on: Self.data)))
    }
}

private extension TrainingConfig {
    var withoutTest: TrainingConfig {
        var copy = self
        copy.measurements.test = false
        return copy
    }
}
