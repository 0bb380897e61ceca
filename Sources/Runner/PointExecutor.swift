import Notebook

/// Runs points: the one seam between the pipeline and execution.
///
/// Everything the pipeline needs from execution goes through here: which data files a block
/// reads and which are missing (checked before anything runs), the data fingerprint of the cache
/// key, the FLOPs of `check`'s estimate, and the runs. ``EngineExecutor`` trains in this process
/// with `DepthMuP`; `DepthbookKit`'s `ProcessExecutor` runs each point as a child
/// `depthbook run-point`; tests use fakes that count runs or sleep. Implementations are called
/// from several threads at once.
public protocol PointExecutor: Sendable {
    /// Part of every cache key: bump it and every entry misses.
    var engineVersion: String { get }

    /// Files the data reads (absolute paths), so the Runner can tell when they change without
    /// reading them; empty for synthetic data.
    func dataFiles(for data: DataSpec) -> [String]

    /// The data files a block names that do not exist, each with its key path (`data.images`,
    /// `data.directory`) and the path looked for, so a missing file is bad input found before
    /// anything runs; empty when everything is there.
    func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)]

    /// What loading the data would refuse (not a regular file, bad headers, truncated, too few
    /// examples), found in constant memory, with the key path to blame; nil when it would load.
    func dataProblem(for data: DataSpec) -> (key: String, message: String)?

    /// A digest of the data the points read, stable across runs (part of every cache key).
    ///
    /// - Throws: when the data cannot be read; the block fails with the message.
    func dataFingerprint(for data: DataSpec) throws -> String

    /// Trains one point.
    ///
    /// - Parameters:
    ///   - progress: called with the number of steps done, at most once per step.
    ///   - shouldStop: polled once per step; when it returns true, stop and throw anything.
    /// - Throws: when the run cannot proceed (bad data, unsupported configuration) or was stopped.
    func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
             shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult

    /// Floating-point operations of one training step, for `check`'s cost estimate.
    func flopsPerStep(_ point: PointSpec) throws -> Double

    /// Why `point` cannot run here because it cannot fit in memory, or nil (`check` reports
    /// it as bad input; a render's run fails with the same message).
    func memoryProblem(for point: PointSpec) -> String?
}

extension PointExecutor {
    /// Executors that build no model here (a cluster's) leave memory to where the points run.
    public func memoryProblem(for point: PointSpec) -> String? { nil }
}

/// An executor that runs the missing points of a whole render together (a cluster's job
/// array) instead of one ``PointExecutor/run(_:progress:shouldStop:)`` call per point on the
/// Scheduler's threads.
///
/// The ``Scheduler`` collects every point that missed the cache in every block of every
/// notebook whose executor has the same ``batchGroup`` (a book's chapters with the same
/// settings), drops duplicates (the same canonical spec and data fingerprint wanted by two
/// blocks runs once), and hands them to one executor of the group in one call, with each
/// point's cache and data fingerprint so the workers can store results themselves. It is told
/// each point's end through `finished` (any order, once per point, from any thread). A failure
/// follows the same rules as `run`: when the point's blocks were stopped (Ctrl-C, a timeout) it
/// counts as cancelled or timed out, otherwise as failed with the error's message.
public protocol BatchPointExecutor: PointExecutor {
    /// Executors with equal groups share one batch (one array): the same cluster settings and
    /// notebook folder. Compared only within one render.
    var batchGroup: AnyHashable { get }

    /// Runs `items` (positions into the array are what `finished` and `isStopped` take) and
    /// returns when every item has been reported.
    ///
    /// - Parameters:
    ///   - isStopped: polled for each pending item: true once nothing waits for it any more
    ///     (Ctrl-C, its blocks' timeouts); report it (as a failure) and stop waiting for it;
    ///     cancel the batch once every pending item is stopped.
    func runBatch(_ items: [BatchItem], isStopped: @escaping @Sendable (_ position: Int) -> Bool,
                  finished: @escaping @Sendable (_ position: Int, _ result: Result<PointResult, Error>) -> Void)
}

/// One point of a batch: its spec and where its result goes.
public struct BatchItem: Sendable {
    public var point: PointSpec
    /// The label of the (first) block that wants it (`lr-transfer`, `02-lr/lr-transfer` in a
    /// book), for names and messages.
    public var block: String
    /// Where the worker stores the result (nil: the Scheduler stores it from `finished`).
    public var cache: ResultCache?
    /// The data fingerprint of its cache key.
    public var dataFingerprint: String

    public init(point: PointSpec, block: String, cache: ResultCache?, dataFingerprint: String) {
        self.point = point
        self.block = block
        self.cache = cache
        self.dataFingerprint = dataFingerprint
    }
}
