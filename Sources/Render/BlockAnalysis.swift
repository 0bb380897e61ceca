import DepthMuP
import Foundation
import Notebook
import Runner

/// The results of one block regrouped for views and inline references: seeds averaged, points
/// arranged by axis, best learning rates found.
///
/// A *group* is the set of points that differ only by seed. Its loss is the mean over seeds; if
/// any seed diverged the group counts as diverged (at the earliest step) and is left out of
/// plots and optima. Failed or unfinished seeds make the group unfinished.
public struct BlockAnalysis {
    public struct Group {
        /// Axis values (varying axes except seed), by axis name.
        public var values: [String: String]
        public var spec: PointSpec
        public var results: [PointResult]
        /// Seeds that did not finish (failed, timed out, cancelled).
        public var unfinished: [PointOutcome]
        public var divergedAtStep: Int?
        /// The block's `metric:`, which ``score`` and the optima read.
        public var metric: Metric = .finalLoss

        /// Mean final train loss over seeds; nil when no seed finished. NaN/inf pass through.
        public var finalLoss: Double? {
            guard !results.isEmpty, unfinished.isEmpty else { return nil }
            return results.map(\.finalTrainLoss).reduce(0, +) / Double(results.count)
        }

        /// The loss usable for optima and plots: finite, not diverged.
        public var usableLoss: Double? {
            guard divergedAtStep == nil, let loss = finalLoss, loss.isFinite else { return nil }
            return loss
        }

        /// Mean of the block's metric over seeds; nil when a seed is missing or lacks it.
        public var metricValue: Double? {
            switch metric {
            case .finalLoss: return finalLoss
            case .testLoss: return mean { $0.testLoss }
            case .testAccuracy: return mean { $0.testAccuracy }
            }
        }

        /// The metric usable for optima and plots: finite, not diverged (a diverged run's test
        /// numbers describe a broken network, so they choose nothing).
        public var score: Double? {
            guard divergedAtStep == nil, let value = metricValue, value.isFinite else { return nil }
            return value
        }

        /// The metric of each seed, in seed order (empty when any seed is unusable).
        public var seedScores: [Double] {
            guard divergedAtStep == nil, unfinished.isEmpty else { return [] }
            let values = results.compactMap { BlockAnalysis.value(of: metric, in: $0) }
            return values.count == results.count && values.allSatisfy(\.isFinite) ? values : []
        }

        /// ``score`` as a cost to minimise: the loss, or minus the accuracy.
        var cost: Double? { score.map { metric.higherIsBetter ? -$0 : $0 } }

        func mean(_ value: (PointResult) -> Double?) -> Double? {
            let values = results.compactMap(value)
            guard !values.isEmpty, values.count == results.count, unfinished.isEmpty else { return nil }
            return values.reduce(0, +) / Double(values.count)
        }
    }

    /// One run's value of `metric`.
    public static func value(of metric: Metric, in result: PointResult) -> Double? {
        switch metric {
        case .finalLoss: return result.finalTrainLoss
        case .testLoss: return result.testLoss
        case .testAccuracy: return result.testAccuracy
        }
    }

    /// A stand-in run whose `metric` is `value` (for pooled groups, see `QuotableValue.pool`).
    static func result(_ metric: Metric, _ value: Double) -> PointResult {
        var result = PointResult(finalTrainLoss: metric == .finalLoss ? value : .nan)
        if metric == .testLoss { result.testLoss = value }
        if metric == .testAccuracy { result.testAccuracy = value }
        return result
    }

    public let block: BlockResult
    /// Varying axes other than seed, outermost first.
    public let axes: [Sweep.Axis]
    public let groups: [Group]
    /// The block's `metric:` (every group carries it too).
    public var metric: Metric { block.spec.metric }

    public init(_ block: BlockResult) {
        self.block = block
        axes = block.axes.filter { $0.name != "seed" }
        var groups: [Group] = []
        var index: [String: Int] = [:]
        for (point, outcome) in zip(block.points, block.outcomes) {
            let values = Self.values(of: point)
            let key = axes.map { values[$0.name] ?? "" }.joined(separator: "\u{1F}")
            if index[key] == nil {
                index[key] = groups.count
                groups.append(Group(values: values, spec: point.spec, results: [], unfinished: [], divergedAtStep: nil,
                                    metric: block.spec.metric))
            }
            guard let position = index[key] else { continue }
            switch outcome {
            case .finished(let result):
                groups[position].results.append(result)
                if let step = result.divergedAtStep {
                    groups[position].divergedAtStep = min(step, groups[position].divergedAtStep ?? step)
                }
            default:
                groups[position].unfinished.append(outcome)
            }
        }
        self.groups = groups
    }

    /// The point's axis values by axis name, e.g. `["depth": "16", "lr": "2^-7"]`.
    static func values(of point: Point) -> [String: String] {
        Dictionary(point.values.map { ($0.axis, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public func hasAxis(_ name: String) -> Bool { axes.contains { $0.name == name } }

    /// The axis that names curves: depth when it varies, else width, else none.
    public var seriesAxis: String? {
        if hasAxis("depth") { return "depth" }
        if hasAxis("width") { return "width" }
        return nil
    }

    /// Groups split by the given axes' values, in sweep order; each part's key lists the values.
    public func partition(by names: [String], of groups: [Group]? = nil) -> [(key: [String: String], groups: [Group])] {
        var parts: [(key: [String: String], groups: [Group])] = []
        for group in groups ?? self.groups {
            var key: [String: String] = [:]
            for name in names { key[name] = group.values[name] }
            if let position = parts.firstIndex(where: { $0.key == key }) {
                parts[position].groups.append(group)
            } else {
                parts.append((key, [group]))
            }
        }
        return parts
    }

    /// Text for a partition key, axes in sweep order, as readers see it (``DisplayName``):
    /// `depth-μP`, `depth-μP · |·|`, `SP · L = 16`; `all points` for the empty key.
    public func title(of key: [String: String]) -> String {
        let parts = axes.compactMap { axis -> String? in
            key[axis.name].map { DisplayName.value($0, axis: axis.name) }
        }
        return parts.isEmpty ? "all points" : parts.joined(separator: " · ")
    }

    /// A partition key in spec names, for CSV (which keeps what authors type): `depth-mup`,
    /// `depth-mup · activation=abs`; `all points` for the empty key.
    public func csvTitle(of key: [String: String]) -> String {
        let parts = axes.compactMap { axis -> String? in
            key[axis.name].map { axis.name == "parametrization" ? $0 : "\(axis.name)=\($0)" }
        }
        return parts.isEmpty ? "all points" : parts.joined(separator: " · ")
    }

    /// Names of the axes other than `excluded`.
    public func axisNames(excluding excluded: [String]) -> [String] {
        axes.map(\.name).filter { !excluded.contains($0) }
    }

    /// How a table spreads the axes `names` (those left once its rows have theirs): one column
    /// per value of `column` (parametrization when it varies, else the outermost), and one table
    /// per combination of the values of `split`.
    ///
    /// So a table is as wide as one axis has values, whatever else the sweep varies: 06's
    /// best-lr table over parametrization × block depth was four columns of
    /// `depth-μP · block depth 1` headings (1030 px in the 710 px column at 1280 px, ci scale);
    /// it is now one table per block depth with a column per parametrization. Nil `column` when
    /// `names` is empty.
    public func tableLayout(of names: [String]) -> (column: String?, split: [String]) {
        let column = names.contains("parametrization") ? "parametrization" : names.first
        return (column, names.filter { $0 != column })
    }

    /// The learning-rate curve's optimum: the group with the best usable metric (lowest loss,
    /// highest accuracy; first on ties).
    public static func best(_ groups: [Group]) -> Group? {
        var best: (group: Group, cost: Double)?
        for group in groups {
            guard let cost = group.cost else { continue }
            if let current = best, current.cost <= cost { continue }
            best = (group, cost)
        }
        return best?.group
    }

    /// The runner-up of a curve when seeds cannot tell it from the optimum, else nil.
    ///
    /// The two best grid points (by mean metric) tie when the gap between their means is at most
    /// twice the standard error of that difference, √(s₁²/n₁ + s₂²/n₂), with s the sample
    /// standard deviation over each point's seeds: a two-sided test at about 95% for normal
    /// seed noise (lenient with 2 seeds, whose s is itself noisy, so a reported tie is a real
    /// warning and a missing one is not a guarantee). Needs ≥ 2 usable seeds at both points;
    /// with one seed nothing is called a tie, since one seed says nothing about noise.
    public static func tie(_ groups: [Group]) -> Group? {
        let ranked = groups.compactMap { group in group.cost.map { (group: group, cost: $0) } }
            .enumerated().sorted { ($0.element.cost, $0.offset) < ($1.element.cost, $1.offset) }.map(\.element)
        guard ranked.count >= 2 else { return nil }
        let first = ranked[0].group.seedScores, second = ranked[1].group.seedScores
        guard first.count >= 2, second.count >= 2 else { return nil }
        func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            return (mean, variance)
        }
        let a = meanAndVariance(first), b = meanAndVariance(second)
        let standardError = (a.variance / Double(first.count) + b.variance / Double(second.count)).squareRoot()
        return abs(a.mean - b.mean) <= 2 * standardError ? ranked[1].group : nil
    }

    /// The end of its learning-rate grid an optimum sits on: the true optimum may lie beyond it,
    /// so the rate is only a bound (≤ for the lowest rate, ≥ for the highest).
    public enum GridEdge: Equatable {
        case low, high
    }

    /// The optimum of one learning-rate curve and the grid edge it sits on (nil: inside, i.e. a
    /// lower and a higher rate were both run and both did worse or diverged).
    public static func optimum(_ groups: [Group]) -> (group: Group, edge: GridEdge?)? {
        guard let best = best(groups) else { return nil }
        let rates = Set(groups.map(\.spec.learningRate))
        guard rates.count >= 2, let low = rates.min(), let high = rates.max() else { return (best, nil) }
        let rate = best.spec.learningRate
        return (best, rate == low ? .low : rate == high ? .high : nil)
    }

    /// max − min of log₂ η* over optima, honest about bounds: with an optimum on a grid edge the
    /// true spread is only known to be at least max(lower bounds) − min(upper bounds), where a
    /// low-edge optimum has no lower bound and a high-edge one no upper bound. Nil for < 2 optima.
    public static func spread(_ optima: [(exponent: Double, edge: GridEdge?)]) -> (octaves: Double, isLowerBound: Bool)? {
        guard optima.count >= 2 else { return nil }
        let exact = optima.map(\.exponent)
        guard let high = exact.max(), let low = exact.min() else { return nil }
        guard optima.contains(where: { $0.edge != nil }) else { return (high - low, false) }
        let lowerBounds = optima.compactMap { $0.edge == .low ? nil : $0.exponent }
        let upperBounds = optima.compactMap { $0.edge == .high ? nil : $0.exponent }
        guard let top = lowerBounds.max(), let bottom = upperBounds.min() else { return (0, true) }
        return (max(0, top - bottom), true)
    }

    /// One warning per block whose optima sit on the edge of the learning-rate grid: at the
    /// block's fence, naming the curves, the bound and the side of `optimizer.lr` to extend.
    public func gridEdgeWarning() -> String? {
        guard hasAxis("lr") else { return nil }
        var low: [String] = [], high: [String] = []
        for curve in partition(by: axisNames(excluding: ["lr"])) {
            guard let (best, edge) = Self.optimum(curve.groups), let edge else { continue }
            let text = "\(curve.key.isEmpty ? "its one curve" : title(of: curve.key)) at \(NumberFormat.learningRate(best.spec.learningRate))"
            if edge == .low { low.append(text) } else { high.append(text) }
        }
        guard !low.isEmpty || !high.isEmpty else { return nil }
        var sides: [String] = []
        if !low.isEmpty { sides.append("the lowest rate for \(low.joined(separator: ", ")) (extend it below)") }
        if !high.isEmpty { sides.append("the highest rate for \(high.joined(separator: ", ")) (extend it above)") }
        let start = block.cell.range.start
        return "\(start.file):\(start.line):\(start.column): block \(block.cell.label): optimizer.lr: the optimum is on the edge of the grid, so only a bound (≤ or ≥), at \(sides.joined(separator: "; and at "))"
    }

    /// Least-squares slope of log y against log x over the finite positive pairs.
    public static func logSlope(_ pairs: [(x: Double, y: Double)]) -> Double? {
        let usable = pairs.filter { $0.x > 0 && $0.y > 0 && $0.x.isFinite && $0.y.isFinite }
        guard Set(usable.map(\.x)).count >= 2 else { return nil }
        let xs = usable.map { log($0.x) }, ys = usable.map { log($0.y) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxx > 0 ? sxy / sxx : nil
    }

    /// A fitted drift of the optimal learning rate: `slope` octaves of η* per doubling of the
    /// series axis, with a 95% interval [`low`, `high`] from resampling seeds.
    public struct Drift: Equatable {
        public var slope: Double
        public var low: Double
        public var high: Double
        /// When an optimum of the fit sits on the edge of its grid (only a bound on η* there):
        /// the slope is then a lower bound (`.atLeast`), an upper bound (`.atMost`), or unknown
        /// (`.unknown`: edges pull the slope both ways). nil when every optimum is interior.
        public var bound: Bound? = nil
        /// The larger distance from the estimate to either end of the interval (`± h` in prose).
        public var halfWidth: Double { max(high - slope, slope - low) }

        public enum Bound: Equatable { case atLeast, atMost, unknown }
    }

    /// `octaves_per_doubling`: the least-squares slope of log₂ η* against log₂ n or log₂ L (the
    /// `series` axis), η* the best rate by the block's `metric:` (seed-averaged) at each series
    /// value, as in the best-lr table.
    ///
    /// An optimum at the lowest rate of its grid could be lower still; the least-squares slope
    /// moves with y_i in proportion to (x_i − x̄), so such an optimum above the mean log₂ L makes
    /// the slope an upper bound and one below it a lower bound (the highest rate the reverse);
    /// ``Drift/bound`` says which, or `.unknown` when edges pull both ways.
    ///
    /// The interval is a percentile bootstrap over seeds: each of `replicates` draws picks S of the
    /// S seeds with replacement (the same draw for every point, since seeds are shared across the
    /// sweep), re-averages every group's loss over the drawn seeds, re-finds the optima and refits;
    /// `low`/`high` are the 2.5th and 97.5th percentiles of the refitted slopes. A draw that picks a
    /// diverged seed makes that group unusable, as the mean would. The generator is the engine's
    /// xoshiro256** with seed 0, so the interval is the same on every render. With one seed the
    /// interval is the estimate itself. Nil when fewer than two series values have an optimum.
    public static func octavesPerDoubling(_ groups: [Group], series: String, replicates: Int = 1000) -> Drift? {
        func x(_ group: Group) -> Double { Double(series == "width" ? group.spec.width : group.spec.depth) }
        // The point estimate from each curve's ``optimum(_:)`` (the best-lr table's), which also
        // says whether it sits on the grid's edge; the bootstrap refits with resampled seeds.
        let optima = Set(groups.map(x)).compactMap { value in
            optimum(groups.filter { x($0) == value }).map { (x: value, lr: $0.group.spec.learningRate, edge: $0.edge) }
        }
        guard let slope = logSlope(optima.map { (x: $0.x, y: $0.lr) }) else { return nil }
        let bound = edgeBound(optima.map { (x: $0.x, edge: $0.edge) })
        let seeds = groups.map(\.results.count).max() ?? 0
        guard seeds >= 2 else { return Drift(slope: slope, low: slope, high: slope, bound: bound) }
        // Each complete group's metric per seed, read once (nil: that seed diverged or is not
        // finite, so a draw that picks it makes the group unusable). NOTE: reading them inside
        // the 1000 draws was a third of a cached render of tutorial 05 (debug build).
        let usable: [(x: Double, lr: Double, sign: Double, seeds: [Double?])] = groups.compactMap { group in
            guard group.unfinished.isEmpty, group.results.count == seeds else { return nil }
            let values = group.results.map { result -> Double? in
                guard result.divergedAtStep == nil, let value = value(of: group.metric, in: result), value.isFinite else { return nil }
                return value
            }
            return (x(group), group.spec.learningRate, group.metric.higherIsBetter ? -1 : 1, values)
        }
        var random = SeededRandom(seed: 0)
        var slopes: [Double] = []
        slopes.reserveCapacity(replicates)
        var draw = [Int](repeating: 0, count: seeds)
        for _ in 0..<replicates {
            for index in draw.indices { draw[index] = Int(random.next() % UInt64(seeds)) }
            // Per series value, the rate with the lowest re-averaged loss (the first of equals).
            var optima: [Double: (lr: Double, loss: Double)] = [:]
            for group in usable {
                var sum = 0.0, complete = true
                for seed in draw {
                    guard let value = group.seeds[seed] else { complete = false; break }
                    sum += value
                }
                guard complete else { continue }
                let loss = group.sign * (sum / Double(seeds))
                if let current = optima[group.x], current.loss <= loss { continue }
                optima[group.x] = (group.lr, loss)
            }
            if let refit = logSlope(optima.map { (x: $0.key, y: $0.value.lr) }) { slopes.append(refit) }
        }
        guard !slopes.isEmpty else { return Drift(slope: slope, low: slope, high: slope, bound: bound) }
        slopes.sort()
        func percentile(_ q: Double) -> Double { slopes[min(slopes.count - 1, max(0, Int((q * Double(slopes.count - 1)).rounded())))] }
        return Drift(slope: slope, low: min(slope, percentile(0.025)), high: max(slope, percentile(0.975)), bound: bound)
    }

    /// Which way edge-of-grid optima can move the fitted slope (see ``octavesPerDoubling(_:series:replicates:)``):
    /// `optima` holds each series value with the grid edge its optimum sits on, if any.
    static func edgeBound(_ optima: [(x: Double, edge: GridEdge?)]) -> Drift.Bound? {
        guard !optima.isEmpty else { return nil }
        let mean = optima.map { log2($0.x) }.reduce(0, +) / Double(optima.count)
        var sides = Set<Drift.Bound>()
        for (value, edge) in optima {
            guard let edge, abs(log2(value) - mean) > 1e-12 else { continue }
            // η* could be lower at the low edge: a point right of the mean could pull the slope down.
            sides.insert((log2(value) > mean) == (edge == .low) ? .atMost : .atLeast)
        }
        if sides.isEmpty { return nil }
        return sides.count == 1 ? sides.first : .unknown
    }

    /// ‖ΔW_l‖_F/‖W_l,0‖_F averaged over blocks and seeds (`measure: {feature_update: true}`);
    /// nil when a seed did not record it or the group diverged (its weights then mean nothing).
    public static func meanWeightUpdate(_ group: Group) -> Double? {
        guard group.divergedAtStep == nil else { return nil }
        return group.mean { $0.weightUpdateRatio.isEmpty ? nil : $0.weightUpdateRatio.reduce(0, +) / Double($0.weightUpdateRatio.count) }
    }

    /// `feature_update_slope`: the least-squares slope of log ``meanWeightUpdate(_:)`` against
    /// log of the series axis (depth or width) over `groups`; TP6 predicts −½ in depth under
    /// depth-μP with Adam, CompleteP's α = 1 with γ = 0 about 0. Nil for < 2 usable sizes.
    public static func featureUpdateSlope(_ groups: [Group], series: String) -> Double? {
        logSlope(groups.map { (x: Double(series == "width" ? $0.spec.width : $0.spec.depth), y: meanWeightUpdate($0) ?? .nan) })
    }

    /// Slope of log RMS(x_L) (or, with `delta`, of log RMS(x_L,t − x_L,0)) against log of the
    /// series axis (depth or width) at coordinate-check `step` (nil: the last recorded), seeds
    /// averaged. TP6 §5 (depth-mup.md §3 C3): ≈ 0 under Depth-μP; ≈ ½ for the change under
    /// (½, 0) after the first update.
    public static func coordinateSlope(_ groups: [Group], series: String, delta: Bool, step: Int? = nil) -> Double? {
        guard let step = step ?? groups.first?.results.first?.coordinateCheck.last?.step else { return nil }
        let points = groups.map { group -> (x: Double, y: Double) in
            let x = Double(series == "width" ? group.spec.width : group.spec.depth)
            let y = group.mean { result in
                result.coordinateCheck.first { $0.step == step }.flatMap { delta ? $0.blockDeltaRMS.last : $0.blockRMS.last }
            } ?? .nan
            return (x, y)
        }
        return logSlope(points)
    }

    /// |measured − exact| / exact for the init variance ratio; nil when either is unknown.
    public static func initRatioRelativeError(_ group: Group) -> Double? {
        guard let measured = measuredInitRatio(group), let exact = exactInitRatio(group) else { return nil }
        return abs(measured - exact) / exact
    }

    // MARK: Init variance (TP6 §3; depth-mup.md §3 C1)

    /// Measured E|x_L|²/|x_0|² at init: (RMS(x_L)/RMS(x_0))² of the step-0 coordinate check,
    /// averaged over seeds.
    public static func measuredInitRatio(_ group: Group) -> Double? {
        group.mean { result in
            guard let sample = result.coordinateCheck.first(where: { $0.step == 0 }),
                  let first = sample.blockRMS.first, let last = sample.blockRMS.last, first > 0 else { return nil }
            return (last / first) * (last / first)
        }
    }

    /// The exact init variance ratio (1 + c·b²)^L with b the effective branch multiplier
    /// a·m_L^(-α): c = 1 for identity without mean subtraction, ½ − 1/(2π) for mean-subtracted
    /// relu, 1 − 2/π for mean-subtracted abs, ½ for relu without it, 1 for abs without it; nil
    /// for tanh and gelu (no closed form) and for block depth > 1.
    public static func exactInitRatio(_ group: Group) -> Double? {
        let spec = group.spec
        guard spec.blockDepth == 1, let b = group.results.first?.branchMultiplier else { return nil }
        let meanSubtracted = ModelConfig.usesMeanSubtraction(spec.meanSubtraction, activation: spec.activation)
        let c: Double
        switch (spec.activation, meanSubtracted) {
        case (.identity, false): c = 1
        case (.identity, true): c = 1 - 1 / Double(spec.width)
        case (.relu, true): c = 0.5 - 1 / (2 * Double.pi)
        case (.relu, false): c = 0.5
        case (.abs, true): c = 1 - 2 / Double.pi
        case (.abs, false): c = 1
        default: return nil
        }
        return pow(1 + c * b * b, Double(spec.depth))
    }
}
