import DepthMuP
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

    /// Trains in this process with the built-in engine (``EngineExecutor``). Each factory owns
    /// one cache of decoded data files, shared by the notebooks and renders of its pipeline and
    /// keyed by file identity and modification time, so a changed file is read again.
    public static var inProcess: ExecutorFactory {
        let files = IDXCache()
        return ExecutorFactory { EngineExecutor(baseDirectory: $0, files: files) }
    }

    /// Every executor the same fake or shared instance (tests).
    public static func always(_ executor: any PointExecutor) -> ExecutorFactory { ExecutorFactory { _ in executor } }
}
