import Notebook

/// Runs points: the seam between the Runner and a training engine.
///
/// The real one, ``EngineExecutor``, calls `DepthMuP.Trainer.train`; tests use fakes that count
/// runs or sleep. Implementations are called from several threads at once.
public protocol PointExecutor: Sendable {
    /// Part of every cache key: bump it and every entry misses.
    var engineVersion: String { get }

    /// Files the data reads (absolute paths), so the Runner can tell when they change without
    /// reading them; empty for synthetic data.
    func dataFiles(for data: DataSpec) -> [String]

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
}
