import Foundation

/// Frozen input-layer projections x_0 = ξUᵀ of whole data splits, computed once and shared by
/// the runs of one render that read the same data with the same input weights U.
///
/// Every point of a sweep with the same seed, width and data draws the same U (the first draws
/// of generator stream 0, ``ResidualMLP/initialize(_:random:)``), so it would project the same
/// `[trainCount, width]` table: 2·N·d_in·n FLOP of row-by-row sgemv, about 0.15–0.25 s per
/// 10,000 Fashion-MNIST rows at n = 128, repeated for each of tutorial 02's 300 points although
/// only 2 distinct tables exist. Runs ask the cache instead: the first run asking for a table
/// computes it (others asking for the same one wait for it), later runs read it.
///
/// Safety: a table is found by the dataset object (the entry holds it, so its identity is never
/// reused by another set), the split and the width, then U is compared element by element
/// (bit patterns, `memcmp`), so a table is only ever shared by runs whose own projection would
/// be the same bits: the frozen input layer projects row by row
/// (``Linear/forwardRows(output:input:weight:rows:inputs:outputs:)``), so a row's bits depend on
/// that row and U alone. Tables are read-only once computed; readers hold a reference, so a
/// table dropped from the cache lives until its last reader is done.
///
/// Memory: the tables the cache holds total at most ``byteLimit`` bytes; the least recently
/// used finished table is dropped to make room, and a table that cannot fit is computed for its
/// run alone and not kept. Owned by its user (one per ``EngineExecutor``-style executor, so per
/// render); there is no shared instance.
public final class InputProjectionCache: @unchecked Sendable {
    /// Which split of a ``Dataset`` a table projects.
    public enum Split: Sendable, Hashable { case train, test }

    /// Largest total size of the tables kept, bytes.
    public let byteLimit: Int

    /// Default ``byteLimit``: 256 MiB (tutorial 02 needs 2 tables of 10,000 + 2,000 rows × 128 Floats, 12 MB).
    public static let defaultByteLimit = 256 << 20

    /// A projected split, `[rows, width]` row-major Floats; written once by its creator, then read-only.
    final class Table: @unchecked Sendable {
        let values: UnsafeMutableBufferPointer<Float>
        /// The input weights U `[width, inputDim]` the table was projected with.
        let weight: [Float]
        /// The data set projected (held, so its `ObjectIdentifier` stays unique while the entry lives).
        let data: Dataset
        var lastUse = 0
        private let condition = NSCondition()
        private var ready = false

        init(rows: Int, width: Int, weight: [Float], data: Dataset) {
            values = .allocate(capacity: rows * width)
            self.weight = weight
            self.data = data
        }

        deinit { values.deallocate() }

        var bytes: Int { values.count * MemoryLayout<Float>.size + weight.count * MemoryLayout<Float>.size }

        var isReady: Bool {
            condition.lock(); defer { condition.unlock() }
            return ready
        }

        func markReady() {
            condition.lock(); ready = true; condition.broadcast(); condition.unlock()
        }

        func waitUntilReady() {
            condition.lock()
            while !ready { condition.wait() }
            condition.unlock()
        }
    }

    private struct Key: Hashable {
        var data: ObjectIdentifier, split: Split, width: Int
    }

    private let lock = NSLock()
    private var tables: [Key: [Table]] = [:]
    private var heldBytes = 0
    private var clock = 0
    private var counts = (hits: 0, misses: 0, uncached: 0)

    /// A cache keeping at most `byteLimit` bytes of tables (0: keeps nothing, every run projects its own).
    public init(byteLimit: Int = InputProjectionCache.defaultByteLimit) {
        self.byteLimit = max(0, byteLimit)
    }

    /// Lookups so far: answered from a kept table (`hits`), computed and kept (`misses`), and
    /// computed for one run alone because they did not fit (`uncached`).
    public var statistics: (hits: Int, misses: Int, uncached: Int) {
        lock.lock(); defer { lock.unlock() }
        return counts
    }

    /// Bytes of the tables kept now.
    public var bytesHeld: Int {
        lock.lock(); defer { lock.unlock() }
        return heldBytes
    }

    /// The projection of `split` of `data` with the input weights `weight` `[width, inputDim]`:
    /// a kept table when one matches bit for bit, else a new one filled by `project` (called
    /// once, on this thread, with the `[rows, width]` destination), and whether the table was
    /// made by an earlier call (`shared`).
    ///
    /// - Precondition: `project` writes every element of the destination and the same values for
    ///   the same data, split and weights (the frozen input layer's projection).
    func table(for data: Dataset, split: Split, width: Int, weight: UnsafeBufferPointer<Float>,
               project: (UnsafeMutablePointer<Float>) -> Void) -> (table: Table, shared: Bool) {
        let rows = split == .train ? data.trainCount : data.testCount
        let key = Key(data: ObjectIdentifier(data), split: split, width: width)
        lock.lock()
        clock += 1
        if let found = tables[key]?.first(where: { Self.same($0.weight, weight) }) {
            found.lastUse = clock
            counts.hits += 1
            lock.unlock()
            found.waitUntilReady()
            return (found, true)
        }
        let table = Table(rows: rows, width: width, weight: Array(weight), data: data)
        table.lastUse = clock
        let kept = makeRoom(for: table.bytes)
        if kept {
            tables[key, default: []].append(table)
            heldBytes += table.bytes
            counts.misses += 1
        } else {
            counts.uncached += 1
        }
        lock.unlock()
        project(table.values.baseAddress!)
        table.markReady()
        return (table, false)
    }

    /// Drops least recently used finished tables until `bytes` more fit; false when they cannot.
    /// Called with `lock` held.
    private func makeRoom(for bytes: Int) -> Bool {
        guard bytes <= byteLimit else { return false }
        while heldBytes + bytes > byteLimit {
            // NOTE: a table still being computed is never dropped: a run waits on it.
            let candidates = tables.flatMap { key, list in list.filter(\.isReady).map { (key, $0) } }
            guard let (key, oldest) = candidates.min(by: { $0.1.lastUse < $1.1.lastUse }) else { return false }
            tables[key]?.removeAll { $0 === oldest }
            if tables[key]?.isEmpty == true { tables[key] = nil }
            heldBytes -= oldest.bytes
        }
        return true
    }

    /// Whether two weight arrays hold the same bit patterns (NaNs included, −0 ≠ +0).
    private static func same(_ kept: [Float], _ weight: UnsafeBufferPointer<Float>) -> Bool {
        kept.count == weight.count && kept.withUnsafeBytes { a in
            memcmp(a.baseAddress!, weight.baseAddress!, a.count) == 0
        }
    }
}

/// Where one training run's wall time went, seconds (filled by ``Trainer`` when asked, for
/// `depthbook bench --sweep`): written by the run's thread only, read after the run returns.
public final class TrainingProfile: @unchecked Sendable {
    /// Allocating the model and drawing its initial parameters.
    public var initialization = 0.0
    /// Projecting the training split through the frozen input layer (or waiting for a shared
    /// table), 0 when the run projects per step.
    public var inputProjection = 0.0
    /// The step loop (``TrainingResult/seconds``, measurements excluded).
    public var steps = 0.0
    /// Evaluating the test split (its projection included).
    public var testEvaluation = 0.0
    /// Whether the training split's projection came from a table another run had made.
    public var sharedProjection = false

    public init() {}
}
