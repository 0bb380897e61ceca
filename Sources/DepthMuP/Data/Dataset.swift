import Foundation

/// A loaded, immutable data set shared by parallel runs.
///
/// Inputs are row-major Float `[count, inputDim]`; labels Int32 `[count]`; MSE targets
/// `[count, classes]` (the teacher's outputs, or one-hot labels for image data).
public final class Dataset: @unchecked Sendable {
    /// The configuration it was loaded from.
    public let config: DataConfig
    /// Input dimension d_in (784 for Fashion-MNIST).
    public let inputDim: Int
    /// Number of classes c (outputs of the readout).
    public let classes: Int
    /// Training examples.
    public let trainCount: Int
    /// Test examples (0: none).
    public let testCount: Int
    /// Hex digest of the bytes of the files read (or of the teacher's weights); stable across runs.
    public let fingerprint: String

    let trainInputs: [Float], trainLabels: [Int32], trainTargets: [Float]
    let testInputs: [Float], testLabels: [Int32], testTargets: [Float]

    private init(config: DataConfig, inputDim: Int, classes: Int, fingerprint: String,
                 train: (inputs: [Float], labels: [Int32], targets: [Float]),
                 test: (inputs: [Float], labels: [Int32], targets: [Float])) {
        self.config = config
        self.inputDim = inputDim
        self.classes = classes
        self.fingerprint = fingerprint
        trainCount = train.labels.count
        testCount = test.labels.count
        trainInputs = train.inputs
        trainLabels = train.labels
        trainTargets = train.targets
        testInputs = test.inputs
        testLabels = test.labels
        testTargets = test.targets
    }

    /// Loads the data of `config`, taking decoded IDX files from `files` while they are unchanged.
    ///
    /// - Parameter files: the decoded-file cache to read through (owned by the caller, e.g. one
    ///   per executor; default: a fresh one, so nothing is shared).
    /// - Throws: ``DepthMuPError`` naming the file for a missing, truncated or inconsistent IDX
    ///   file, or ``DepthMuPError/invalidConfig(_:)`` when more examples are asked for than exist.
    public static func load(_ config: DataConfig, files: IDXCache = IDXCache()) throws -> Dataset {
        if config.trainCount < 1 { throw DepthMuPError.invalidConfig("train size must be ≥ 1 (got \(config.trainCount))") }
        if config.testCount < 0 { throw DepthMuPError.invalidConfig("test size must be ≥ 0 (got \(config.testCount))") }
        switch config.source {
        case .teacher(let inputDim, let classes, let seed):
            if inputDim < 1 || classes < 2 {
                throw DepthMuPError.invalidConfig("teacher needs inputDim ≥ 1 and classes ≥ 2 (got \(inputDim), \(classes))")
            }
            try MemoryBudget.check(bytes: 4 * Double(inputDim) * Double(config.trainCount + config.testCount),
                                   what: "a teacher data set of \(config.trainCount + config.testCount) examples × \(inputDim) inputs",
                                   hint: "lower the number of examples or inputDim")
            let data = Teacher.generate(inputDim: inputDim, classes: classes, seed: seed, trainCount: config.trainCount, testCount: config.testCount)
            return Dataset(config: config, inputDim: inputDim, classes: classes, fingerprint: data.fingerprint,
                           train: (data.train.inputs, data.train.labels, data.train.targets),
                           test: (data.test.inputs, data.test.labels, data.test.targets))
        case .fashionMNIST(let directory):
            let dir = directory ?? DataConfig.defaultFashionMNISTDirectory
            let train = try files.pair(images: dir + "/train-images-idx3-ubyte.gz", labels: dir + "/train-labels-idx1-ubyte.gz")
            let test = try files.pair(images: dir + "/t10k-images-idx3-ubyte.gz", labels: dir + "/t10k-labels-idx1-ubyte.gz")
            try check(config.trainCount, available: train.images.count, what: "training", path: train.imagePath)
            try check(config.testCount, available: test.images.count, what: "test", path: test.imagePath)
            var fingerprint = Fingerprint()
            fingerprint.combine(Array((train.fingerprint + test.fingerprint).utf8))
            return build(config: config, fingerprint: fingerprint.hex, train: train, trainRange: 0..<config.trainCount,
                         test: test, testRange: 0..<config.testCount)
        case .idx(let images, let labels):
            let pair = try files.pair(images: images, labels: labels)
            try check(config.trainCount + config.testCount, available: pair.images.count, what: "training + test", path: images)
            let n = pair.images.count
            return build(config: config, fingerprint: pair.fingerprint, train: pair, trainRange: 0..<config.trainCount,
                         test: pair, testRange: (n - config.testCount)..<n)
        }
    }

    /// Checks `config` as ``load(_:)`` would, without building anything proportional to the
    /// data: files are regular, headers sane, image and label counts agree, lengths match the
    /// headers (read in constant memory), enough examples exist, and the set fits memory.
    ///
    /// - Throws: ``DepthMuPError`` naming the file, as ``load(_:)`` does.
    public static func validate(_ config: DataConfig) throws {
        if config.trainCount < 1 { throw DepthMuPError.invalidConfig("train size must be ≥ 1 (got \(config.trainCount))") }
        if config.testCount < 0 { throw DepthMuPError.invalidConfig("test size must be ≥ 0 (got \(config.testCount))") }
        switch config.source {
        case .teacher(let inputDim, _, _):
            try MemoryBudget.check(bytes: 4 * Double(inputDim) * Double(config.trainCount + config.testCount),
                                   what: "a teacher data set of \(config.trainCount + config.testCount) examples × \(inputDim) inputs",
                                   hint: "lower the number of examples or inputDim")
        case .idx(let images, let labels):
            let count = try IDXReader.validate(images: images, labels: labels)
            try check(config.trainCount + config.testCount, available: count, what: "training + test", path: images)
        case .fashionMNIST(let directory):
            let dir = directory ?? DataConfig.defaultFashionMNISTDirectory
            let train = try IDXReader.validate(images: dir + "/train-images-idx3-ubyte.gz", labels: dir + "/train-labels-idx1-ubyte.gz")
            let test = try IDXReader.validate(images: dir + "/t10k-images-idx3-ubyte.gz", labels: dir + "/t10k-labels-idx1-ubyte.gz")
            try check(config.trainCount, available: train, what: "training", path: dir + "/train-images-idx3-ubyte.gz")
            try check(config.testCount, available: test, what: "test", path: dir + "/t10k-images-idx3-ubyte.gz")
        }
    }

    /// Input dimension and classes of a source, from its configuration or the files' headers
    /// (no data is built or kept; see ``IDXReader/shape(images:labels:)``).
    public static func shape(_ source: DataConfig.Source) throws -> (inputDim: Int, classes: Int) {
        switch source {
        case .teacher(let inputDim, let classes, _): return (inputDim, classes)
        case .idx(let images, let labels): return try IDXReader.shape(images: images, labels: labels)
        case .fashionMNIST(let directory):
            let dir = directory ?? DataConfig.defaultFashionMNISTDirectory
            return try IDXReader.shape(images: dir + "/train-images-idx3-ubyte.gz", labels: dir + "/train-labels-idx1-ubyte.gz")
        }
    }

    /// Examples available in a source's train and test splits (reads and caches the files).
    ///
    /// For `.idx` both counts are the file's example count (the test split is its tail); for the
    /// teacher both are `Int.max`.
    /// - Throws: ``DepthMuPError`` naming the file, as ``load(_:)``.
    public static func availableExamples(_ source: DataConfig.Source, files: IDXCache = IDXCache()) throws -> (train: Int, test: Int) {
        switch source {
        case .teacher: return (Int.max, Int.max)
        case .idx(let images, let labels):
            let pair = try files.pair(images: images, labels: labels)
            return (pair.images.count, pair.images.count)
        case .fashionMNIST(let directory):
            let dir = directory ?? DataConfig.defaultFashionMNISTDirectory
            let train = try files.pair(images: dir + "/train-images-idx3-ubyte.gz", labels: dir + "/train-labels-idx1-ubyte.gz")
            let test = try files.pair(images: dir + "/t10k-images-idx3-ubyte.gz", labels: dir + "/t10k-labels-idx1-ubyte.gz")
            return (train.images.count, test.images.count)
        }
    }

    private static func check(_ requested: Int, available: Int, what: String, path: String) throws {
        if requested > available {
            throw DepthMuPError.invalidConfig("\(requested) \(what) examples requested but \(path) holds \(available); ask for fewer examples")
        }
    }

    private static func build(config: DataConfig, fingerprint: String, train: IDXCache.Pair, trainRange: Range<Int>,
                              test: IDXCache.Pair, testRange: Range<Int>) -> Dataset {
        let d = train.images.rows * train.images.columns
        let classes = max(train.classes, test.classes)
        // One scalar mean and std over the training subset's pixels (per-pixel std would divide by
        // zero on constant border pixels).
        var mean = 0.0, std = 1.0
        if config.standardize {
            var sum = 0.0, squares = 0.0
            train.images.pixels.withUnsafeBufferPointer { p in
                var partial = 0, partialSquares = 0
                for i in (trainRange.lowerBound * d)..<(trainRange.upperBound * d) {
                    let v = Int(p[i])
                    partial += v
                    partialSquares += v * v
                }
                sum = Double(partial)
                squares = Double(partialSquares)
            }
            let count = Double(trainRange.count * d)
            mean = sum / count
            std = max((squares / count - mean * mean).squareRoot(), 1e-6)
        } else {
            mean = 0
            std = 255
        }
        func extract(_ pair: IDXCache.Pair, _ range: Range<Int>) -> ([Float], [Int32], [Float]) {
            let scale = Float(1 / std), shift = Float(mean)
            var inputs = [Float](repeating: 0, count: range.count * d)
            pair.images.pixels.withUnsafeBufferPointer { p in
                inputs.withUnsafeMutableBufferPointer { out in
                    let offset = range.lowerBound * d
                    for i in 0..<out.count { out[i] = (Float(p[offset + i]) - shift) * scale }
                }
            }
            let labels = pair.labels[range].map { Int32($0) }
            var targets = [Float](repeating: 0, count: range.count * classes)
            for (e, label) in labels.enumerated() { targets[e * classes + Int(label)] = 1 }
            return (inputs, labels, targets)
        }
        return Dataset(config: config, inputDim: d, classes: classes, fingerprint: fingerprint,
                       train: extract(train, trainRange), test: extract(test, testRange))
    }
}

/// A cache of decoded IDX pairs (many runs load Fashion-MNIST), keyed by the two paths and
/// valid only while both files keep their ``FileIdentity`` (device, inode, size, modification and
/// change time). A file replaced or rewritten since is read again, so a long-running process
/// (a preview server) never trains on stale data. Owned by its user; there is no shared instance.
public final class IDXCache: @unchecked Sendable {
    /// A decoded, validated image/label pair.
    struct Pair: Sendable {
        var imagePath: String
        var images: IDXReader.Images
        var labels: [UInt8]
        var classes: Int
        var fingerprint: String
        /// ``FileIdentity`` of the image and label files when they were read.
        var identity: [FileIdentity?] = []
    }

    public init() {}

    private let lock = NSLock()
    private var pairs: [String: Pair] = [:]

    /// Returns the decoded pair, reading and checking the files on first use.
    ///
    /// - Throws: ``DepthMuPError`` naming the file (missing, truncated, wrong magic, count
    ///   mismatch between the two files).
    func pair(images: String, labels: String) throws -> Pair {
        let key = images + "\u{0}" + labels
        let identity = [FileIdentity(path: images), FileIdentity(path: labels)]
        lock.lock()
        defer { lock.unlock() }
        if let cached = pairs[key], !identity.contains(nil), cached.identity == identity { return cached }
        let (decoded, imageBytes) = try IDXReader.readImages(images)
        let (labelValues, labelBytes) = try IDXReader.readLabels(labels)
        if decoded.count != labelValues.count {
            throw DepthMuPError.malformed(path: labels, reason: "holds \(labelValues.count) labels but \(images) holds \(decoded.count) images; pass the label file that belongs to these images")
        }
        if decoded.count == 0 || decoded.rows * decoded.columns == 0 {
            throw DepthMuPError.malformed(path: images, reason: "holds no examples (shape \(decoded.count)×\(decoded.rows)×\(decoded.columns))")
        }
        let maximum = Int(labelValues.max() ?? 0)
        if maximum > 99 {
            throw DepthMuPError.malformed(path: labels, reason: "label \(maximum) is out of range (expected class indices below 100); is this a label file?")
        }
        var fingerprint = Fingerprint()
        fingerprint.combine(imageBytes)
        fingerprint.combine(labelBytes)
        let pair = Pair(imagePath: images, images: decoded, labels: labelValues, classes: max(maximum + 1, 2), fingerprint: fingerprint.hex,
                        identity: identity)
        pairs[key] = pair
        return pair
    }
}
