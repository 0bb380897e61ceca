import Foundation
import Runner

/// Makes the ``PointExecutor`` of a notebook from the notebook's folder (which resolves its
/// relative data paths): the one place a pipeline learns how points are executed.
///
/// A new executor (say, Slurm) is one new `PointExecutor` file plus a static member here and the
/// CLI flag that picks it; the pipeline does not change.
public struct ExecutorFactory: Sendable {
    public let make: @Sendable (_ notebookDirectory: URL) -> any PointExecutor

    public init(_ make: @escaping @Sendable (_ notebookDirectory: URL) -> any PointExecutor) { self.make = make }

    /// Trains in this process with the built-in engine (``EngineExecutor``).
    public static let inProcess = ExecutorFactory { EngineExecutor(baseDirectory: $0) }

    /// Every executor the same fake or shared instance (tests).
    public static func always(_ executor: any PointExecutor) -> ExecutorFactory { ExecutorFactory { _ in executor } }
}
