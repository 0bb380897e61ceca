import DepthMuP
import Foundation
import Notebook

/// The real ``PointExecutor``: trains points with `DepthMuP.Trainer`.
///
/// Datasets are loaded once per ``DataSpec`` and shared by every point that reads them
/// (`Dataset` is immutable after loading). Relative IDX and Fashion-MNIST paths are resolved
/// against `baseDirectory` (the notebook's directory), but the cache key keeps them as written.
/// OpenBLAS is set to one thread, since points already run side by side. The frozen input
/// layer's projections of the data are shared the same way: one table per (data, input weights,
/// width) for all the points of this executor (``InputProjectionCache``, same bits as each point
/// projecting its own).
public final class EngineExecutor: PointExecutor, @unchecked Sendable {
    public let baseDirectory: URL
    /// Decoded IDX files, re-read when a file changes (shared by the executors of one pipeline).
    public let files: IDXCache
    /// x_0 tables shared by this executor's points (bounded; see ``InputProjectionCache``).
    public let projections: InputProjectionCache
    private let lock = NSLock()
    private var datasets: [DataSpec: Dataset] = [:]
    private var loading: [DataSpec: NSLock] = [:]

    public init(baseDirectory: URL, files: IDXCache = IDXCache(),
                projections: InputProjectionCache = InputProjectionCache()) {
        self.baseDirectory = baseDirectory
        self.files = files
        self.projections = projections
        // OpenBLAS's kernels, chosen once per process, and one thread per GEMM, since points
        // already run side by side.
        BLAS.selectKernels()
        BLAS.setThreadCount(1)
    }

    public var engineVersion: String { Engine.version }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// The engine's data configuration for `data`.
    public func dataConfig(for data: DataSpec) -> DataConfig {
        let source: DataConfig.Source
        switch data.name {
        case .fashionMNIST: source = .fashionMNIST(directory: data.directory.map(absolute))
        case .idx: source = .idx(images: absolute(data.images ?? ""), labels: absolute(data.labels ?? ""))
        case .teacher: source = .teacher(inputDim: data.inputDim, classes: data.classes, seed: data.seed)
        }
        return DataConfig(source: source, trainCount: data.trainCount, testCount: data.testCount, standardize: data.standardize)
    }

    public func dataFiles(for data: DataSpec) -> [String] {
        switch data.name {
        case .teacher: return []
        case .idx: return [absolute(data.images ?? ""), absolute(data.labels ?? "")]
        case .fashionMNIST:
            let directory = data.directory.map(absolute) ?? DataConfig.defaultFashionMNISTDirectory
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().map { "\(directory)/\($0)" }
        }
    }

    /// The data files a block names that do not exist, each with its key path (`data.images`,
    /// `data.directory`), so a missing file is bad input found before anything runs.
    public func missingDataFiles(for data: DataSpec) -> [(key: String, path: String)] {
        // lstat: a symlink loop or a dangling link exists, and checking it says what it is.
        let exists = { (path: String) -> Bool in
            var info = stat()
            return lstat(path, &info) == 0
        }
        switch data.name {
        case .teacher: return []
        case .idx:
            return [("data.images", data.images), ("data.labels", data.labels)].compactMap { key, path in
                let resolved = absolute(path ?? "")
                return path != nil && exists(resolved) ? nil : (key, path.map { _ in resolved } ?? "(not given)")
            }
        case .fashionMNIST:
            let directory = data.directory.map(absolute) ?? DataConfig.defaultFashionMNISTDirectory
            let needed = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
            return needed.map { "\(directory)/\($0)" }.filter { !exists($0) }.map { ("data.directory", $0) }
        }
    }

    /// The loaded dataset; concurrent callers for the same data wait for one load.
    public func dataset(for data: DataSpec) throws -> Dataset {
        lock.lock()
        if let dataset = datasets[data] { lock.unlock(); return dataset }
        let gate = loading[data] ?? NSLock()
        loading[data] = gate
        lock.unlock()
        gate.lock(); defer { gate.unlock() }
        lock.lock()
        if let dataset = datasets[data] { lock.unlock(); return dataset }
        lock.unlock()
        let dataset = try Dataset.load(dataConfig(for: data), files: files)
        lock.lock(); datasets[data] = dataset; lock.unlock()
        return dataset
    }

    public func dataFingerprint(for data: DataSpec) throws -> String { try dataset(for: data).fingerprint }

    /// The engine's training configuration for a point.
    public static func trainingConfig(_ point: PointSpec) -> TrainingConfig {
        var model = ModelConfig()
        model.width = point.width
        model.depth = point.depth
        model.blockDepth = point.blockDepth
        model.activation = point.activation
        model.meanSubtraction = point.meanSubtraction
        model.branchMultiplier = point.branchMultiplier
        model.baseWidth = point.baseWidth
        model.baseDepth = point.baseDepth
        model.input = point.input
        model.readout = point.readout
        model.preLN = point.preLN
        let optimizer = OptimizerConfig(kind: point.optimizer, learningRate: point.learningRate,
                                        momentum: point.momentum, epsilon: point.epsilon)
        let measurements = MeasurementRequest(lossPerStep: point.lossCurve, test: point.data.testCount > 0,
                                              coordinateCheckSteps: point.coordinateCheckSteps,
                                              featureUpdate: point.featureUpdate, diversity: point.diversity)
        return TrainingConfig(model: model, parametrization: point.parametrization, optimizer: optimizer,
                              loss: point.loss, steps: point.steps, batch: point.batch,
                              seed: point.seed, measurements: measurements)
    }

    public func run(_ point: PointSpec, progress: @escaping @Sendable (Int) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        try run(point, profile: nil, progress: progress, shouldStop: shouldStop)
    }

    /// Trains one point as ``run(_:progress:shouldStop:)`` does; `profile`, when given, receives
    /// where the run's time went (`depthbook bench --sweep`).
    public func run(_ point: PointSpec, profile: TrainingProfile?, progress: @escaping @Sendable (Int) -> Void,
                    shouldStop: @escaping @Sendable () -> Bool) throws -> PointResult {
        let data = try dataset(for: point.data)
        return try Trainer.train(Self.trainingConfig(point), on: data, progress: progress, shouldStop: shouldStop,
                                 projections: projections, profile: profile)
    }

    /// FLOPs of one training step, from the data's shape only (nothing proportional to the
    /// data is built, so `check --no-calibration` stays small for `train: 10000000`).
    public func flopsPerStep(_ point: PointSpec) throws -> Double {
        let shape = try Dataset.shape(dataConfig(for: point.data).source)
        return Trainer.flopsPerStep(Self.trainingConfig(point), inputDim: shape.inputDim, classes: shape.classes)
    }

    /// Why `point`'s run would fail before training because its model cannot fit in memory
    /// (``Trainer/checkMemory(_:inputDim:classes:)``), from the data's shape only; nil when it fits
    /// or the data cannot be read (the data's own check reports that).
    public func memoryProblem(for point: PointSpec) -> String? {
        guard let shape = try? Dataset.shape(dataConfig(for: point.data).source) else { return nil }
        do {
            try Trainer.checkMemory(Self.trainingConfig(point), inputDim: shape.inputDim, classes: shape.classes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Checks a block's data as loading would (files, headers, counts, memory), in constant
    /// memory: bad data is bad input found before anything runs.
    ///
    /// - Returns: the key path the problem belongs to (`data.images`, `data.labels`,
    ///   `data.directory`, `data.train`) and the engine's message, or nil when the data is fine.
    public func dataProblem(for data: DataSpec) -> (key: String, message: String)? {
        do {
            try Dataset.validate(dataConfig(for: data))
            return nil
        } catch {
            let message = "\(error)"
            if data.name == .idx, let images = data.images, message.hasPrefix(absolute(images) + ":") { return ("data.images", message) }
            if data.name == .idx, let labels = data.labels, message.hasPrefix(absolute(labels) + ":") { return ("data.labels", message) }
            if message.contains("examples requested") || message.contains("examples ×") { return ("data.train", message) }
            return (data.name == .fashionMNIST ? "data.directory" : "data", message)
        }
    }
}
