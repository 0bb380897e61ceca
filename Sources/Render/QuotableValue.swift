import DepthMuP
import Foundation
import Notebook
import Runner

/// Inline references: `{{BLOCK.QUANTITY}}` or `{{BLOCK.QUANTITY[ARG, ARG, …]}}` in prose.
///
/// BLOCK is a block id (`lr-transfer`) or its number (`2`). Each ARG fixes one sweep axis,
/// either as `axis=value` (`depth=16`, `lr=2^-7`) or as a bare value that belongs to exactly one
/// axis (`depth-mup`, `16`). Seeds are always averaged. Every axis a quantity does not range over
/// must be fixed; when an axis has a single value it is fixed already.
///
/// | quantity | ranges over | value |
/// |---|---|---|
/// | `best_lr` | lr | η with the best value of the block's `metric:` (default: lowest final train loss), as tables show it (`2⁻⁹` on a log2 grid, else 3 significant digits; depth left open: the η whose loss averaged over depths is lowest) |
/// | `best_log2_lr` | lr | log₂ of it |
/// | `best_loss` | lr | the metric's value there (the lowest loss, or the highest accuracy) |
/// | `spread_octaves` | lr, depth (or width) | max − min of log₂ η* over depths |
/// | `octaves_per_doubling` | lr, depth (or width) | least-squares slope of log₂ η* against log₂ L (or n), `−0.50 ± 0.12`: ± the 95% seed-bootstrap interval (``BlockAnalysis/octavesPerDoubling(_:series:replicates:)``) |
/// | `final_loss`, `test_loss`, `test_accuracy` | — | the run's value (`diverged @ step k` if so) |
/// | `init_variance_ratio`, `init_variance_exact` | — | measured and exact E\|x_L\|²/\|x_0\|² |
/// | `feature_update_slope` | depth (or width) | slope of log ‖ΔW‖/‖W₀‖ against log L |
/// | `points`, `diverged` | everything | number of points, of diverged points |
/// | `init_variance_max_error` | anything not fixed | largest relative error of measured vs exact init variance, in % |
/// | `coord_rms_slope`, `coord_delta_slope` | depth (or width) | slope of log RMS(x_L), of log RMS(x_L,t − x_L,0), against log L at the last recorded step, or at `step=N` |
///
/// `at=CHOOSER` reads a one-run quantity (`final_loss`, `test_loss`, `test_accuracy`,
/// `init_variance_*`) at the point another quantity chose, instead of a fixed value of the axis
/// that quantity ranges over: `{{b.test_accuracy[depth-mup, depth=16, at=best_lr]}}` is the test
/// accuracy at the learning rate `best_lr[depth-mup, depth=16]` picks. The choosers are
/// ``choosers`` (today `best_lr`, over lr); a new one is one entry there.
///
/// A parametrization may be written as its name, its label `α=0.5 γ=0`, `(0.5, 0)`,
/// `alpha=0.5 gamma=0` or `{alpha: 0.5, gamma: 0}`.
///
/// ```
/// The optimum moves by {{lr-transfer.spread_octaves[depth-mup]}} octaves from L = 4 to 64,
/// and sits at η* = {{lr-transfer.best_lr[depth-mup, 16]}} for L = 16.
/// ```
enum QuotableValue {
    struct Quantity {
        var name: String
        /// Axes the quantity aggregates over (`series` stands for depth-or-width).
        var free: [String]
        /// Axes that may be left unfixed; then the quantity pools them (see `best_lr`).
        var optional: [String] = []

        /// Whether it ranges over depth-or-width, which `over=` may name.
        var hasSeries: Bool { free.contains("series") || optional.contains("series") }
    }

    static let quantities: [Quantity] = [
        Quantity(name: "best_lr", free: ["lr"], optional: ["series"]),
        Quantity(name: "best_log2_lr", free: ["lr"], optional: ["series"]),
        Quantity(name: "best_loss", free: ["lr"], optional: ["series"]), Quantity(name: "spread_octaves", free: ["lr", "series"]),
        Quantity(name: "octaves_per_doubling", free: ["lr", "series"]),
        Quantity(name: "final_loss", free: []), Quantity(name: "test_loss", free: []),
        Quantity(name: "test_accuracy", free: []), Quantity(name: "init_variance_ratio", free: []),
        Quantity(name: "init_variance_exact", free: []), Quantity(name: "feature_update_slope", free: ["series"]),
        Quantity(name: "points", free: ["*"]), Quantity(name: "diverged", free: ["*"]),
        Quantity(name: "init_variance_max_error", free: [], optional: ["*"]),
        Quantity(name: "coord_rms_slope", free: ["series"]), Quantity(name: "coord_delta_slope", free: ["series"]),
    ]

    /// A quantity that picks one point along an axis, so that `at=NAME` can read another
    /// quantity there.
    struct Chooser {
        var name: String
        /// The axis it chooses along; `at=` leaves it open.
        var axis: String
        /// The chosen group among groups that differ only along `axis` (nil: none usable).
        var choose: ([BlockAnalysis.Group]) -> BlockAnalysis.Group?
    }

    static let choosers: [Chooser] = [
        Chooser(name: "best_lr", axis: "lr", choose: { BlockAnalysis.optimum($0)?.group }),
    ]

    static func error(_ reference: InlineReference, _ message: String, hint: String?) -> RenderError {
        .located(reference.location, message: "{{\(reference.text)}}: \(message)", hint: hint)
    }

    /// The block part of `BLOCK.QUANTITY[…]`, trimmed (`lr-transfer`), or nil without a dot.
    static func blockName<S: StringProtocol>(_ text: S) -> String {
        String(text).trimmingCharacters(in: .whitespaces)
    }

    /// The block a reference names, by the same parsing as ``resolve(_:in:)``.
    static func block(of reference: InlineReference, in blocks: ExecutedBlocks) -> BlockResult? {
        let head = reference.text.split(separator: "[", maxSplits: 1).first ?? ""
        guard let dot = head.lastIndex(of: ".") else { return nil }
        let name = blockName(head[..<dot])
        return blocks.results.first { $0.names.contains(name) }
    }

    /// The text a reference stands for.
    ///
    /// - Throws: ``RenderError/located(_:message:hint:)`` at the reference for an unknown block,
    ///   quantity or axis value, or a missing axis; the hint lists what is valid.
    static func resolve(_ reference: InlineReference, in blocks: ExecutedBlocks) throws -> String {
        let text = reference.text
        var arguments: [String] = []
        var head = text
        if let open = text.firstIndex(of: "[") {
            guard text.hasSuffix("]") else {
                throw error(reference, "unclosed [", hint: "write {{block.quantity[value, …]}}")
            }
            head = String(text[..<open])
            arguments = splitArguments(text[text.index(after: open)..<text.index(before: text.endIndex)])
        }
        let names = blocks.results.map(\.anchor)
        guard let dot = head.lastIndex(of: ".") else {
            throw error(reference, "expected BLOCK.QUANTITY", hint: "blocks: \(names.joined(separator: ", ")); quantities: \(quantities.map(\.name).joined(separator: ", "))")
        }
        let blockName = Self.blockName(head[..<dot])
        let quantityName = String(head[head.index(after: dot)...]).trimmingCharacters(in: .whitespaces)
        guard let block = blocks.results.first(where: { $0.names.contains(blockName) }),
              let analysis = blocks.analyses[block.cell.index] else {
            let near = DidYouMean.suggestion(for: blockName, among: names).map { "did you mean \($0)? " } ?? ""
            // NOTE: with every block broken this said "this notebook has no executed blocks"
            // (fresh-user review: blocks b and d existed, each with an error).
            let listed = names + blocks.undecoded.map { "\($0) (has errors)" }
            throw error(reference, "unknown block \"\(blockName)\"", hint: listed.isEmpty ? "this notebook has no experiment blocks" : "\(near)blocks: \(listed.joined(separator: ", "))")
        }
        guard let quantity = quantities.first(where: { $0.name == quantityName }) else {
            let near = DidYouMean.suggestion(for: quantityName, among: quantities.map(\.name)).map { "did you mean \($0)? " } ?? ""
            throw error(reference, "unknown quantity \"\(quantityName)\"", hint: "\(near)quantities: \(quantities.map(\.name).joined(separator: ", "))")
        }
        if quantity.free == ["*"] {
            guard arguments.isEmpty else { throw error(reference, "\(quantity.name) takes no arguments", hint: nil) }
            if quantity.name == "points" { return String(block.points.count) }
            return String(block.outcomes.filter { if case .finished(let r) = $0 { return r.divergedAtStep != nil } else { return false } }.count)
        }
        // `over=AXIS` names the axis a quantity ranges over besides lr (default: depth when it
        // varies, else width); `spread_octaves[sp, over=width, depth=4]`.
        let chooser = try atChooser(&arguments, quantity: quantity, reference: reference, analysis: analysis)
        let over = try overAxis(&arguments, quantity: quantity, reference: reference, block: blockName, analysis: analysis)
        let series = over ?? analysis.seriesAxis ?? "depth"
        let free = quantity.free.map { $0 == "series" ? series : $0 }
        let optional = quantity.optional.map { $0 == "series" ? series : $0 }
        // `step=N` picks the coordinate-check step of the coord_* slopes (default: the last).
        var step: Int?
        if quantity.name.hasPrefix("coord_"), let index = arguments.firstIndex(where: { $0.hasPrefix("step=") }) {
            let recorded = analysis.block.points.first?.spec.coordinateCheckSteps ?? []
            guard let value = Int(arguments[index].dropFirst("step=".count)), recorded.contains(value) else {
                throw error(reference, "\(arguments[index]) is not a recorded coordinate-check step",
                            hint: "recorded steps: \(recorded.map(String.init).joined(separator: ", "))")
            }
            step = value
            arguments.remove(at: index)
        }
        var fixed: [String: String] = [:]
        var writtenFor: [String: String] = [:]
        for written in arguments {
            let argument = canonicalValue(written, axis: nil, analysis: analysis)
            if let equals = argument.firstIndex(of: "="), let axis = analysis.axes.first(where: { $0.name == String(argument[..<equals]) }) {
                let value = canonicalValue(String(argument[argument.index(after: equals)...]), axis: axis.name, analysis: analysis)
                guard axis.values.contains(value) else {
                    throw error(reference, "\(axis.name) has no value \(value)", hint: "\(axis.name) is one of \(axis.values.joined(separator: ", "))")
                }
                fixed[axis.name] = value
                writtenFor[axis.name] = written
                continue
            }
            let owners = analysis.axes.filter { $0.values.contains(argument) }
            guard !owners.isEmpty else {
                // A key with one value is no axis: there is nothing to choose (issue 15), e.g.
                // the block's one parametrization, or a depth --set made single.
                let fixed = Sweep.fixedAxes(of: analysis.block.spec)
                let usual = ["parametrization", "depth", "width", "block_depth"]
                let (fixedName, fixedValue) = argument.firstIndex(of: "=").map { (String(argument[..<$0]), String(argument[argument.index(after: $0)...])) }
                    ?? (nil, argument)
                if let only = fixed.first(where: { axis in
                    // A bare number could mean any numeric key (depth 32 or the one width 32): only `name=value`.
                    (fixedName.map { $0 == axis.name } ?? (axis.name == "parametrization")) && (axis.values[0] == fixedValue
                        || axis.name == "parametrization" && ParametrizationName(parsing: fixedValue)?.label == axis.values[0])
                }) {
                    let rest = arguments.filter { $0 != written }
                    throw error(reference, "\(written) is not a sweep axis of block \(blockName)",
                                hint: "the block has one \(only.name) (\(only.values[0])), so there is nothing to choose; drop the argument: {{\(blockName).\(quantityName)\(rest.isEmpty ? "" : "[\(rest.joined(separator: ", "))]")}}")
                }
                let listing = analysis.axes.map { "\($0.name): \($0.values.joined(separator: ", "))" }.joined(separator: "; ")
                let single = fixed.filter { usual.contains($0.name) }
                    .map { "\($0.name) \($0.values[0])" }.joined(separator: ", ")
                throw error(reference, "no axis has the value \(argument)",
                            hint: (listing.isEmpty ? "this block sweeps nothing; drop the [ ]" : listing)
                                + (single.isEmpty ? "" : "; not swept: \(single)"))
            }
            guard owners.count == 1 else {
                throw error(reference, "\(argument) is ambiguous", hint: "write \(owners.map { "\($0.name)=\(argument)" }.joined(separator: " or "))")
            }
            fixed[owners[0].name] = argument
            writtenFor[owners[0].name] = written
        }
        /// `{{block.quantity[ARGS]}}` with `over=` set to `axis` and `replacing` written as `name=value`.
        func example(over axis: String, fixing name: String, value: String) -> String {
            var parts = arguments.filter { $0 != writtenFor[name] }
            parts.append("over=\(axis)")
            parts.append("\(name)=\(value)")
            return "{{\(blockName).\(quantity.name)[\(parts.joined(separator: ", "))]}}"
        }
        if let chooser, let value = writtenFor[chooser.axis] {
            throw error(reference, "at=\(chooser.name) chooses \(chooser.axis), so \(chooser.axis) cannot be fixed as well",
                        hint: "drop \(value) (or drop at=\(chooser.name) to read the quantity at \(value))")
        }
        for (name, value) in fixed.sorted(by: { $0.key < $1.key }) where free.contains(name) {
            guard name == series, quantity.hasSeries else {
                throw error(reference, "\(quantity.name) ranges over \(name); do not fix it", hint: "drop \(name)=\(value)")
            }
            let alternatives = seriesCandidates(for: quantity, analysis: analysis).filter { $0 != name && fixed[$0] == nil }
            let how = over == nil ? "by default" : "with over=\(name)"
            let hint = alternatives.isEmpty ? "drop \(name)=\(value)"
                : "to take it over \(alternatives[0]) at \(name)=\(value), write \(example(over: alternatives[0], fixing: name, value: value)); or drop \(name)=\(value)"
            throw error(reference, "\(quantity.name) ranges over \(name) \(how), so \(name) cannot be fixed", hint: hint)
        }
        for axis in analysis.axes where !free.contains(axis.name) && !optional.contains(axis.name) && !optional.contains("*")
            && fixed[axis.name] == nil && axis.name != chooser?.axis {
            var hint = "\(axis.name) is one of \(axis.values.joined(separator: ", ")), e.g. {{\(blockName).\(quantity.name)[\(axis.values[0])]}}"
            if let chosen = choosers.first(where: { $0.axis == axis.name }), chooser == nil, quantity.free.isEmpty, quantity.optional.isEmpty {
                hint += "; or at=\(chosen.name) to read it at the \(axis.name) \(chosen.name) chooses"
            }
            if quantity.free.contains("series"), over == nil, fixed[series] == nil, seriesCandidates(for: quantity, analysis: analysis).contains(axis.name),
               let values = analysis.axes.first(where: { $0.name == series })?.values, let first = values.first {
                hint += "; to range over \(axis.name) instead, write \(example(over: axis.name, fixing: series, value: first))"
            }
            throw error(reference, "\(quantity.name) needs a value for \(axis.name)", hint: hint)
        }
        var groups = analysis.groups.filter { group in fixed.allSatisfy { group.values[$0.key] == $0.value } }
        if let pooled = optional.first(where: { name in analysis.hasAxis(name) && fixed[name] == nil }) {
            groups = pool(groups, over: pooled, analysis: analysis)
        }
        if let chooser { groups = chooser.choose(groups).map { [$0] } ?? [] }
        return value(of: quantity.name, groups: groups, analysis: analysis, series: series, step: step)
    }

    /// Removes an `at=CHOOSER` argument and returns its chooser, after checking that `quantity`
    /// is one run's value and that the block sweeps the axis the chooser chooses along.
    ///
    /// - Throws: ``RenderError/located(_:message:hint:)`` naming what fits.
    static func atChooser(_ arguments: inout [String], quantity: Quantity, reference: InlineReference,
                          analysis: BlockAnalysis) throws -> Chooser? {
        let indices = arguments.indices.filter { arguments[$0].hasPrefix("at=") }
        guard let index = indices.first else { return nil }
        let name = String(arguments[index].dropFirst("at=".count)).trimmingCharacters(in: .whitespaces)
        let names = choosers.map(\.name).joined(separator: ", ")
        guard indices.count == 1 else {
            throw error(reference, "at= is given \(indices.count) times", hint: "keep one at=")
        }
        guard quantity.free.isEmpty, quantity.optional.isEmpty else {
            let ranges = quantity.free == ["*"] ? "counts points" : "ranges over \(quantity.free.map { $0 == "series" ? "depth (or width)" : $0 }.joined(separator: ", ")) itself"
            let oneRun = quantities.filter { $0.free.isEmpty && $0.optional.isEmpty }.map(\.name).joined(separator: ", ")
            throw error(reference, "at= reads a one-run quantity at a chosen point, but \(quantity.name) \(ranges)",
                        hint: "drop at=\(name); at= goes with \(oneRun)")
        }
        guard let chooser = choosers.first(where: { $0.name == name }) else {
            let near = DidYouMean.suggestion(for: name, among: choosers.map(\.name)).map { "did you mean \($0)? " } ?? ""
            let what = quantities.contains { $0.name == name } ? "\(name) is a value, it does not choose a point" : "unknown chooser \"\(name)\""
            throw error(reference, "at=\(name): \(what)", hint: "\(near)at= is one of \(names)")
        }
        guard analysis.hasAxis(chooser.axis) else {
            throw error(reference, "at=\(name): this block runs one \(chooser.axis == "lr" ? "learning rate" : chooser.axis), so there is nothing to choose",
                        hint: "drop at=\(name)")
        }
        arguments.remove(at: index)
        return chooser
    }

    /// The axes `over=` may name for `quantity` in this block: for the slopes, the swept ones of
    /// depth and width (their x must be a size); otherwise every swept axis but lr.
    static func seriesCandidates(for quantity: Quantity, analysis: BlockAnalysis) -> [String] {
        let names = analysis.axes.map(\.name).filter { $0 != "lr" }
        guard quantity.name.hasSuffix("_slope") else { return names }
        return ["depth", "width"].filter(analysis.hasAxis)
    }

    /// Removes an `over=AXIS` argument and returns AXIS, after checking that the quantity ranges
    /// over a second axis and that AXIS is one it may range over.
    ///
    /// - Throws: ``RenderError/located(_:message:hint:)`` naming the valid choices.
    static func overAxis(_ arguments: inout [String], quantity: Quantity, reference: InlineReference,
                         block: String, analysis: BlockAnalysis) throws -> String? {
        guard let index = arguments.firstIndex(where: { $0.hasPrefix("over=") }) else { return nil }
        let axis = String(arguments[index].dropFirst("over=".count)).trimmingCharacters(in: .whitespaces)
        guard quantity.hasSeries else {
            let ranges = quantity.free.isEmpty ? "is one run's value" : "ranges over \(quantity.free.joined(separator: ", ")) only"
            throw error(reference, "\(quantity.name) \(ranges); over= does not apply", hint: "drop over=\(axis)")
        }
        let candidates = seriesCandidates(for: quantity, analysis: analysis)
        guard candidates.contains(axis) else {
            let what = axis == "lr" ? "lr is the axis every optimum ranges over already"
                : axis == "seed" ? "seeds are always averaged"
                : analysis.hasAxis(axis) ? "\(quantity.name) cannot range over \(axis)" : "\(axis) is not a swept axis of this block"
            throw error(reference, "over=\(axis): \(what)",
                        hint: candidates.isEmpty ? "this block sweeps no axis to range over; drop over=\(axis)"
                            : "over= is one of \(candidates.joined(separator: ", "))")
        }
        arguments.remove(at: index)
        return axis
    }

    /// Splits `a, (0.5, 0), {alpha: 1, gamma: 0}` at the commas outside brackets.
    static func splitArguments(_ text: Substring) -> [String] {
        var parts: [String] = [], current = "", nesting = 0
        for character in text {
            switch character {
            case "(", "{", "[": nesting += 1
            case ")", "}", "]": nesting = max(0, nesting - 1)
            case "," where nesting == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The axis value an argument names: a parametrization written any way
    /// ``ParametrizationName/init(reference:)`` reads becomes its table label (`α=0.5 γ=0`), so
    /// `(0.5, 0)`, `alpha=0.5 gamma=0` and `{alpha: 0.5, gamma: 0}` all select it.
    static func canonicalValue(_ text: String, axis: String?, analysis: BlockAnalysis) -> String {
        guard axis == nil || axis == "parametrization",
              analysis.axes.contains(where: { $0.name == "parametrization" }),
              let parametrization = ParametrizationName(parsing: text) else { return text }
        return parametrization.label
    }

    /// One group per learning rate whose metric (the block's `metric:`) is the mean over every
    /// value of `axis` (depths): the single rate that works best across depths. A rate that
    /// diverged or is missing at any depth is not usable.
    static func pool(_ groups: [BlockAnalysis.Group], over axis: String, analysis: BlockAnalysis) -> [BlockAnalysis.Group] {
        let count = analysis.axes.first { $0.name == axis }?.values.count ?? 1
        return analysis.partition(by: ["lr"], of: groups).map { part in
            var pooled = part.groups[0]
            let scores = part.groups.compactMap(\.score)
            if scores.count == count && part.groups.count == count {
                let mean = scores.reduce(0, +) / Double(scores.count)
                pooled.results = [BlockAnalysis.result(analysis.metric, mean)]
                pooled.unfinished = []
                pooled.divergedAtStep = nil
            } else {
                pooled.results = []
                pooled.unfinished = [.cancelled]
            }
            return pooled
        }
    }

    /// The quantity's text over `groups`; `series` is the axis it ranges over besides lr.
    static func value(of quantity: String, groups: [BlockAnalysis.Group], analysis: BlockAnalysis,
                      series: String, step: Int? = nil) -> String {
        let missing = "n/a"
        switch quantity {
        case "best_lr":
            return BlockAnalysis.optimum(groups).map { NumberFormat.bound(NumberFormat.learningRate($0.group.spec.learningRate), $0.edge) } ?? missing
        case "best_log2_lr":
            return BlockAnalysis.optimum(groups).map { NumberFormat.bound(NumberFormat.minus(NumberFormat.trimmed(log2($0.group.spec.learningRate))), $0.edge) } ?? missing
        case "best_loss": return BlockAnalysis.best(groups)?.score.map { analysis.metric == .testAccuracy ? NumberFormat.percent($0) : NumberFormat.prose($0, digits: 4) } ?? missing
        case "spread_octaves":
            let optima = analysis.partition(by: [series], of: groups).compactMap { part in
                BlockAnalysis.optimum(part.groups).map { (exponent: log2($0.group.spec.learningRate), edge: $0.edge) }
            }
            guard let spread = BlockAnalysis.spread(optima) else { return missing }
            return (spread.isLowerBound ? "≥ " : "") + NumberFormat.counted(spread.octaves, "octave")
        case "octaves_per_doubling":
            return BlockAnalysis.octavesPerDoubling(groups, series: series).map(ResultViews.driftText) ?? missing
        case "final_loss": return groups.first.map { ResultViews.lossCell($0).text } ?? missing
        case "test_loss": return groups.first?.mean { $0.testLoss }.map { NumberFormat.prose($0, digits: 4) } ?? missing
        case "test_accuracy": return groups.first?.mean { $0.testAccuracy }.map(NumberFormat.percent) ?? missing
        case "init_variance_ratio": return groups.first.flatMap(BlockAnalysis.measuredInitRatio).map { NumberFormat.prose($0, digits: 3) } ?? missing
        case "init_variance_exact": return groups.first.flatMap(BlockAnalysis.exactInitRatio).map { NumberFormat.prose($0, digits: 3) } ?? missing
        case "feature_update_slope":
            return BlockAnalysis.featureUpdateSlope(groups, series: series).map { NumberFormat.minus(NumberFormat.fixed($0)) } ?? missing
        case "init_variance_max_error":
            let errors = groups.compactMap(BlockAnalysis.initRatioRelativeError)
            return errors.max().map(NumberFormat.percent) ?? missing
        case "coord_rms_slope", "coord_delta_slope":
            let delta = quantity == "coord_delta_slope"
            return BlockAnalysis.coordinateSlope(groups, series: series, delta: delta, step: step)
                .map { NumberFormat.minus(NumberFormat.fixed($0)) } ?? missing
        default: return missing
        }
    }
}
