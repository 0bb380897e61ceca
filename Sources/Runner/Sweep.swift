import DepthMuP
import Foundation
import Notebook

/// Expands an experiment block into its points: the Cartesian product of its list-valued fields.
///
/// Axis order, outermost first: parametrization, depth, width, block_depth, activation,
/// mean_subtraction, branch_multiplier, base_width, base_depth, input, readout, pre_ln, lr,
/// momentum, seed (innermost). A point's index is its position in that order, so it never depends
/// on scheduling, and widening one list leaves every other point's spec — hence its cache key —
/// unchanged.
///
/// ```swift
/// let points = Sweep.points(of: spec)   // 2 parametrizations × 3 depths × 5 lrs = 30 points
/// ```
public enum Sweep {
    /// One sweep axis: its name in the schema and the text of each of its values.
    public struct Axis: Hashable, Sendable {
        /// Schema name: `parametrization`, `depth`, `width`, `lr`, `seed`, …
        public var name: String
        public var values: [String]
    }

    private struct Field {
        var name: String
        var count: Int
        var text: (Int) -> String
        var apply: (Int, inout PointSpec) -> Void
    }

    private static func fields(of spec: ExperimentSpec) -> [Field] {
        let model = spec.model, optimizer = spec.optimizer
        return [
            Field(name: "parametrization", count: spec.parametrizations.count,
                  text: { spec.parametrizations[$0].label }, apply: { $1.parametrization = spec.parametrizations[$0] }),
            Field(name: "depth", count: model.depth.count, text: { String(model.depth[$0]) }, apply: { $1.depth = model.depth[$0] }),
            Field(name: "width", count: model.width.count, text: { String(model.width[$0]) }, apply: { $1.width = model.width[$0] }),
            Field(name: "block_depth", count: model.blockDepth.count, text: { String(model.blockDepth[$0]) },
                  apply: { $1.blockDepth = model.blockDepth[$0] }),
            Field(name: "activation", count: model.activation.count, text: { model.activation[$0].rawValue },
                  apply: { $1.activation = model.activation[$0] }),
            Field(name: "mean_subtraction", count: model.meanSubtraction.count,
                  text: { model.meanSubtraction[$0].map { String($0) } ?? "default" },
                  apply: { $1.meanSubtraction = model.meanSubtraction[$0] }),
            Field(name: "branch_multiplier", count: model.branchMultiplier.count,
                  text: { shortText(model.branchMultiplier[$0]) }, apply: { $1.branchMultiplier = model.branchMultiplier[$0] }),
            Field(name: "base_width", count: model.baseWidth.count, text: { String(model.baseWidth[$0]) },
                  apply: { $1.baseWidth = model.baseWidth[$0] }),
            Field(name: "base_depth", count: model.baseDepth.count, text: { String(model.baseDepth[$0]) },
                  apply: { $1.baseDepth = model.baseDepth[$0] }),
            Field(name: "input", count: model.input.count, text: { model.input[$0].rawValue }, apply: { $1.input = model.input[$0] }),
            Field(name: "readout", count: model.readout.count, text: { model.readout[$0].rawValue },
                  apply: { $1.readout = model.readout[$0] }),
            Field(name: "pre_ln", count: model.preLN.count, text: { String(model.preLN[$0]) }, apply: { $1.preLN = model.preLN[$0] }),
            Field(name: "lr", count: optimizer.learningRates.count, text: { learningRateText(optimizer.learningRates[$0]) },
                  apply: { $1.learningRate = optimizer.learningRates[$0] }),
            Field(name: "momentum", count: optimizer.momentum.count, text: { shortText(optimizer.momentum[$0]) },
                  apply: { $1.momentum = optimizer.momentum[$0] }),
            Field(name: "seed", count: spec.train.seeds.count, text: { String(spec.train.seeds[$0]) },
                  apply: { $1.seed = spec.train.seeds[$0] }),
        ]
    }

    /// The axes with more than one value, outermost first.
    public static func axes(of spec: ExperimentSpec) -> [Axis] {
        fields(of: spec).filter { $0.count > 1 }.map { field in Axis(name: field.name, values: (0..<field.count).map(field.text)) }
    }

    /// The keys with one value (not swept), each with that value, in axis order: what a
    /// reference cannot choose (`depth: 4` after `--set model.depth=[4]`).
    public static func fixedAxes(of spec: ExperimentSpec) -> [Axis] {
        fields(of: spec).filter { $0.count == 1 }.map { field in Axis(name: field.name, values: [field.text(0)]) }
    }

    /// Every point of the block, in sweep order.
    public static func points(of spec: ExperimentSpec) -> [Point] {
        let fields = fields(of: spec)
        let base = basePoint(of: spec)
        let total = fields.reduce(1) { $0 * $1.count }
        return (0..<total).map { index in
            var point = base
            var rest = index
            var values: [Point.AxisValue] = []
            for field in fields.reversed() {
                let value = rest % field.count
                rest /= field.count
                field.apply(value, &point)
                if field.count > 1 { values.append(Point.AxisValue(axis: field.name, value: field.text(value))) }
            }
            return Point(index: index, spec: point, values: values.reversed())
        }
    }

    /// The measurements the block's views need, merged with its `measure:` key.
    static func basePoint(of spec: ExperimentSpec) -> PointSpec {
        let views = Set(spec.show)
        let needsCoordinates = views.contains(.coordCheck) || views.contains(.initVariance)
        var coordinateSteps = spec.measure.coordinateCheckSteps ?? []
        if coordinateSteps.isEmpty, needsCoordinates {
            coordinateSteps = views.contains(.coordCheck) ? [0, 1, 2, 3].filter { $0 <= spec.train.steps } : [0]
        }
        return PointSpec(
            data: spec.data, width: spec.model.width[0], depth: spec.model.depth[0],
            blockDepth: spec.model.blockDepth[0], activation: spec.model.activation[0],
            meanSubtraction: spec.model.meanSubtraction[0], branchMultiplier: spec.model.branchMultiplier[0],
            baseWidth: spec.model.baseWidth[0], baseDepth: spec.model.baseDepth[0], input: spec.model.input[0],
            readout: spec.model.readout[0], preLN: spec.model.preLN[0], parametrization: spec.parametrizations[0],
            optimizer: spec.optimizer.name, learningRate: spec.optimizer.learningRates[0],
            momentum: spec.optimizer.momentum[0], epsilon: spec.optimizer.epsilon, loss: spec.train.loss,
            steps: spec.train.steps, batch: spec.train.batch, seed: spec.train.seeds[0],
            coordinateCheckSteps: coordinateSteps,
            featureUpdate: spec.measure.featureUpdate || views.contains(.featureUpdate),
            lossCurve: spec.measure.lossCurve || views.contains(.lossCurves), diversity: spec.measure.diversity)
    }

    /// A learning rate as a power of two when it is one (`2^-7`), else its shortest decimal.
    public static func learningRateText(_ rate: Double) -> String {
        let exponent = log2(rate)
        if exponent == exponent.rounded(), abs(exponent) < 1000 { return "2^\(Int(exponent))" }
        return shortText(rate)
    }

    static func shortText(_ value: Double) -> String { ParametrizationName.shortText(value) }
}
