/// Which data a run trains on and how much of it.
public struct DataConfig: Codable, Hashable, Sendable {
    /// The data source.
    public enum Source: Codable, Hashable, Sendable {
        /// Fashion-MNIST IDX files in `directory` (nil: `/usr/share/datasets/fashion-mnist`,
        /// Debian's `dataset-fashion-mnist`); train split from `train-*`, test from `t10k-*`.
        case fashionMNIST(directory: String?)
        /// An IDX image/label pair; the test split is taken from the tail of these files.
        case idx(images: String, labels: String)
        /// Gaussian inputs N(0, I) labelled by a fixed random network (see ``Teacher``).
        case teacher(inputDim: Int, classes: Int, seed: UInt64)
    }

    /// The data source.
    public var source: Source
    /// Examples used for training (the first ones of the train split).
    public var trainCount: Int
    /// Examples used for test metrics (0: none).
    public var testCount: Int
    /// Standardize pixel inputs to mean 0, variance 1 (one scalar mean and std from the training
    /// subset; teacher inputs are already standard).
    public var standardize = true

    /// A data configuration.
    public init(source: Source, trainCount: Int, testCount: Int, standardize: Bool = true) {
        self.source = source
        self.trainCount = trainCount
        self.testCount = testCount
        self.standardize = standardize
    }

    /// Debian's Fashion-MNIST directory.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
}
