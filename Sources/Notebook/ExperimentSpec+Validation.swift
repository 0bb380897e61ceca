import Foundation

extension SpecDecoder {
    /// Checks that need more than one key: a point count that is still runnable, coordinate-check
    /// steps within the run, a test metric with a test set to measure it on.
    func validate(_ spec: ExperimentSpec, node: SpecNode, keys: [String: SpecEntry]) throws {
        let points = spec.pointCount
        guard points <= 100_000 else {
            throw error(node, "", "the sweep has \(counted(points, "point")); narrow it (at most 100000)")
        }
        if let steps = spec.measure.coordinateCheckSteps, let last = steps.last, last > spec.train.steps {
            let location = keys["measure"]?.value ?? node
            throw error(location, "measure.coord_check_steps",
                        "step \(last) is after the last training step (\(spec.train.steps))")
        }
        if spec.metric.needsTestSet, spec.data.testCount == 0, let entry = keys["metric"] {
            throw error(entry.value, "metric",
                        "\(spec.metric.rawValue) is measured on the test split, but data.test is 0; hint: set data: {test: 1000} (or use metric: final_loss)")
        }
    }

    /// The closest name, for "did you mean" (``DidYouMean/suggestion(for:among:)``).
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        DidYouMean.suggestion(for: word, among: candidates)
    }
}

extension ExperimentSpec {
    /// Points in the sweep: the product of every list's length.
    public var pointCount: Int {
        let model = self.model
        var counts: [Int] = [model.width.count, model.depth.count, model.blockDepth.count]
        counts += [model.activation.count, model.meanSubtraction.count, model.branchMultiplier.count]
        counts += [model.baseWidth.count, model.baseDepth.count, model.input.count]
        counts += [model.readout.count, model.preLN.count, parametrizations.count]
        counts += [optimizer.learningRates.count, optimizer.momentum.count, train.seeds.count]
        var product = 1
        for count in counts {
            let (next, overflow) = product.multipliedReportingOverflow(by: count)
            product = overflow ? Int.max : next
        }
        return product
    }
}

/// The ranges a run may ask for, shared by experiment blocks and `depthbook train`'s flags, so
/// both refuse the same sizes before anything is allocated (a workstation's limits, not the
/// engine's).
public enum SpecLimits {
    /// Learning rates (a block's `lr:`, `--lr`).
    public static let learningRate = 1e-30...1e6
    /// The log2 bounds of a learning-rate grid: 2^-100 … 2^20.
    public static let log2LearningRate = -100.0...20.0
    public static let width = 1...16384
    public static let depth = 1...16384
    public static let blockDepth = 1...64
    public static let steps = 1...10_000_000
    public static let batch = 1...65536
    public static let examples = 0...10_000_000
    public static let inputDim = 1...100_000
    public static let classes = 2...100_000
}
