import DepthMuP
import Foundation
import Notebook
import Runner

/// The HTML of one `show:` view, and the tables it contributes as CSV files.
public struct ViewOutput {
    public var html: String
    /// Tables written as `NAME.<block>.<view>.csv`; a view with several tables (one per panel,
    /// or a table and its plots) writes `NAME.<block>.<view>.<panel>.csv` for each (``TableView/panel``).
    public var tables: [TableView]
}

/// Renders the views of DESIGN.md from a block's results.
///
/// Every view follows the same conventions: curves per depth (or width when depth does not vary),
/// panels per remaining axis (usually parametrization), seeds averaged, diverged points shown as
/// `diverged @ step k` in tables and left out of plots, optima marked.
public enum ResultViews {
    public static func render(_ kind: ViewKind, _ analysis: BlockAnalysis) -> ViewOutput {
        switch kind {
        case .lossVsLR: return lossVsLR(analysis)
        case .bestLR: return bestLR(analysis)
        case .lossTable: return lossTable(analysis)
        case .lossCurves: return lossCurves(analysis)
        case .coordCheck: return coordCheck(analysis)
        case .featureUpdate: return featureUpdate(analysis)
        case .initVariance: return initVariance(analysis)
        case .summary: return summary(analysis)
        }
    }

    static func note(_ text: String) -> ViewOutput {
        ViewOutput(html: "<p class=\"view-note\">\(HTMLEscaping.escape(text))</p>\n", tables: [])
    }

    /// A plot in its figure, and the table of its values (for the CSV beside the page).
    static func figure(_ plot: SVGPlot, caption: String) -> (html: String, data: TableView) {
        ("<figure class=\"plot\">\n\(plot.html())<figcaption>\(MathText.html(caption))</figcaption>\n</figure>\n",
         plot.dataTable(caption: caption))
    }

    /// `depth L`, `width n`, or the axis's display name, for captions.
    static func axisPhrase(_ axis: String?) -> String {
        switch axis {
        case "depth": return "depth $L$"
        case "width": return "width $n$"
        case nil: return "point"
        case let name?: return DisplayName.axis(name)
        }
    }

    /// The table text of a group's loss (or its `metric`): the mean, `diverged @ step k`, `NaN`,
    /// `failed`, ….
    static func lossCell(_ group: BlockAnalysis.Group?, isBest: Bool = false, metric: Metric = .finalLoss) -> TableView.Cell {
        guard let group else { return TableView.Cell(text: "—", csv: "") }
        if let outcome = group.unfinished.first {
            switch outcome {
            case .failed: return TableView.Cell(text: "failed", csv: "failed")
            case .timedOut: return TableView.Cell(text: "timed out", csv: "timed out")
            default: return TableView.Cell(text: "not run", csv: "not run")
            }
        }
        if let step = group.divergedAtStep { return TableView.Cell(text: "diverged @ step \(step)") }
        var metricGroup = group
        metricGroup.metric = metric
        guard let loss = metricGroup.metricValue else { return TableView.Cell(text: "—", csv: "") }
        if let special = NumberFormat.nonFinite(loss) { return TableView.Cell(text: special) }
        return TableView.Cell(text: metric == .testAccuracy ? NumberFormat.percent(loss) : NumberFormat.prose(loss, digits: 4), csv: NumberFormat.exact(loss), isBest: isBest)
    }

    /// The metric's axis label: `final train loss (nats)`, `test loss (MSE)`, `test accuracy`.
    static func metricLabel(_ analysis: BlockAnalysis) -> String {
        analysis.metric == .testAccuracy ? "test accuracy" : "\(analysis.metric.phrase) (\(lossUnit(analysis)))"
    }

    /// What the metric's optimum is, for captions: `lowest final train loss`, `highest test accuracy`.
    static func bestPhrase(_ metric: Metric) -> String {
        (metric.higherIsBetter ? "highest " : "lowest ") + metric.phrase
    }

    /// The groups' costs (loss, or minus accuracy) for ``TableView/markBest(_:column:values:)``.
    static func costs(_ groups: [BlockAnalysis.Group?]) -> [Double?] { groups.map { $0?.cost } }

    /// The caption's sentence on ties (``BlockAnalysis/tie(_:)``), or "" when there are none.
    static func tieNote(_ ties: [String]) -> String {
        ties.isEmpty ? "" : " ≈: seeds cannot tell the optimum from the next-best rate (gap within twice the standard error of the seed means): \(ties.joined(separator: "; "))."
    }

    static func lrOf(_ group: BlockAnalysis.Group) -> Double { group.spec.learningRate }

    /// The loss's unit for axis labels: nats for cross-entropy, squared error for mse.
    static func lossUnit(_ analysis: BlockAnalysis) -> String {
        analysis.block.spec.train.loss == .mse ? "MSE" : "nats"
    }

    static func seriesName(_ axis: String?, _ value: String?) -> String {
        guard let axis, let value else { return "all" }
        return DisplayName.value(value, axis: axis)
    }

    /// `Figure 2 (Learning-rate transfer)`: how each plot's `<title>` names its own figure.
    static func figureName(_ analysis: BlockAnalysis) -> String {
        let block = analysis.block
        let title = block.spec.title ?? block.spec.id ?? block.cell.id
        return "Figure \(block.cell.index)" + (title.map { " (\($0))" } ?? "")
    }

    // MARK: loss-vs-lr

    static func lossVsLR(_ analysis: BlockAnalysis) -> ViewOutput {
        guard analysis.hasAxis("lr") else { return note("loss-vs-lr needs a list of learning rates (optimizer.lr).") }
        let series = analysis.seriesAxis
        let panelAxes = analysis.axisNames(excluding: ["lr", series].compactMap { $0 })
        var panels: [SVGPlot.Panel] = []
        var bounds: [String] = []
        var ties: [String] = []
        for part in analysis.partition(by: panelAxes) {
            var lines: [SVGPlot.Series] = []
            for curve in analysis.partition(by: [series].compactMap { $0 }, of: part.groups) {
                let groups = curve.groups.sorted { lrOf($0) < lrOf($1) }
                let optimum = BlockAnalysis.optimum(groups)
                let best = optimum?.group
                if let optimum, let edge = optimum.edge {
                    let name = [analysis.title(of: part.key), seriesName(series, series.flatMap { curve.key[$0] })].filter { !$0.isEmpty && $0 != "all points" }
                    bounds.append("\(name.joined(separator: " · ")): \(NumberFormat.bound(NumberFormat.learningRate(lrOf(optimum.group)), edge))")
                } else if let optimum, let other = BlockAnalysis.tie(groups) {
                    let name = [analysis.title(of: part.key), seriesName(series, series.flatMap { curve.key[$0] })].filter { !$0.isEmpty && $0 != "all points" }
                    ties.append("\(name.isEmpty ? "" : name.joined(separator: " · ") + ": ")\(NumberFormat.learningRate(lrOf(optimum.group))) ≈ \(NumberFormat.learningRate(lrOf(other)))")
                }
                let points = groups.map { (x: log2(lrOf($0)), y: $0.score ?? .nan) }
                let marked = best.flatMap { best in groups.firstIndex { lrOf($0) == lrOf(best) } }
                lines.append(SVGPlot.Series(name: seriesName(series, series.flatMap { curve.key[$0] }), points: points, marked: marked))
            }
            panels.append(SVGPlot.Panel(title: part.key.isEmpty ? "" : analysis.title(of: part.key), series: lines))
        }
        let metric = analysis.metric
        var plot = SVGPlot(xLabel: "learning rate η", yLabel: metricLabel(analysis), xScale: .log2Exponent, yScale: .linear,
                           panels: panels, description: "\(figureName(analysis)): \(metric.phrase) against learning rate")
        // The ceiling keeps an exploded loss from flattening the rest; accuracy is bounded anyway.
        plot.yCeiling = metric.higherIsBetter ? nil : lossCeiling(panels)
        let seeds = analysis.block.spec.train.seeds.count
        let how = metric == .finalLoss ? "mean of the last 10% of steps" : "on the test split at the end"
        var caption = "\(metric.phrase.prefix(1).uppercased() + metric.phrase.dropFirst()) (\(how)\(seeds > 1 ? ", averaged over \(seeds) seeds" : "")) against the learning rate $\\eta$; rings mark each curve's optimum\(metric == .finalLoss ? "" : " (its \(bestPhrase(metric)), the block's metric)"); diverged runs are left out."
        if !bounds.isEmpty {
            caption += " Rings on the edge of the η grid are only bounds (\(bounds.joined(separator: "; "))): extend optimizer.lr on that side."
        }
        caption += tieNote(ties)
        if plot.hasOffScalePoints, let top = plot.axisTop {
            caption += " Losses above y = \(NumberFormat.minus(NumberFormat.trimmed(top))) are drawn as ▲ on the top edge, one per curve, side by side; their values are in the CSV."
        }
        let (html, data) = figure(plot, caption: caption)
        return ViewOutput(html: html, tables: [data])
    }

    /// The top of a loss plot's y axis: 4 × the median of the curves' lowest losses, when some
    /// loss lies above it (a curve that exploded, e.g. sp at large depth); nil otherwise.
    static func lossCeiling(_ panels: [SVGPlot.Panel]) -> Double? {
        let series = panels.flatMap(\.series)
        let minima = series.compactMap { $0.points.map(\.y).filter(\.isFinite).min() }.sorted()
        guard !minima.isEmpty else { return nil }
        let median = minima.count % 2 == 1 ? minima[minima.count / 2] : (minima[minima.count / 2 - 1] + minima[minima.count / 2]) / 2
        let ceiling = 4 * median
        let highest = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 0
        return median > 0 && highest > ceiling ? ceiling : nil
    }

    // MARK: best-lr

    /// Best learning rate of every curve: rows per value of the series axis (depth, else width),
    /// one column per parametrization (``BlockAnalysis/tableLayout(of:)``), one table per
    /// combination of the other axes (block depth, width when depth is the series, …), each
    /// captioned with it; the last two rows give each column's spread and fitted drift.
    static func bestLRTables(_ analysis: BlockAnalysis) -> [TableView]? {
        guard analysis.hasAxis("lr") else { return nil }
        let series = analysis.seriesAxis
        let panelAxes = analysis.axisNames(excluding: ["lr", series].compactMap { $0 })
        let layout = analysis.tableLayout(of: panelAxes)
        let seriesValues = series.flatMap { name in analysis.axes.first { $0.name == name }?.values } ?? [""]
        let metric = analysis.metric
        var tables: [TableView] = []
        for slice in analysis.partition(by: layout.split) {
            let panels = analysis.partition(by: [layout.column].compactMap { $0 }, of: slice.groups)
            var columns = [TableView.Column(series ?? "", isNumber: true, heading: series.map(DisplayName.heading))]
            columns += panels.map { TableView.Column(analysis.csvTitle(of: $0.key), isNumber: true, heading: analysis.title(of: $0.key)) }
            var rows: [[TableView.Cell]] = seriesValues.map { [TableView.Cell(text: $0)] }
            var exponents: [[(exponent: Double, edge: BlockAnalysis.GridEdge?)?]] = Array(repeating: [], count: panels.count)
            var anyEdge = false
            var ties: [String] = []
            var losses: [[Double?]] = Array(repeating: [], count: panels.count)
            for (column, panel) in panels.enumerated() {
                for (row, value) in seriesValues.enumerated() {
                    let groups = panel.groups.filter { group in series.map { group.values[$0] == value } ?? true }
                    let optimum = BlockAnalysis.optimum(groups)
                    let best = optimum?.group
                    exponents[column].append(optimum.map { (log2(lrOf($0.group)), $0.edge) })
                    losses[column].append(best?.cost)
                    if let optimum, let best {
                        anyEdge = anyEdge || optimum.edge != nil
                        var cell = TableView.Cell.learningRate(lrOf(best), edge: optimum.edge)
                        if optimum.edge == nil, let other = BlockAnalysis.tie(groups) {
                            cell.text = "≈ " + cell.text
                            cell.shown = cell.shown.map { "~ " + $0 }
                            let key = slice.key.merging(panel.key) { first, _ in first }
                            let name = [analysis.title(of: key), seriesName(series, series.map { _ in value })].filter { !$0.isEmpty && $0 != "all points" && $0 != "all" }
                            ties.append("\(name.isEmpty ? "" : name.joined(separator: " · ") + ": ")\(NumberFormat.learningRate(lrOf(best))) ≈ \(NumberFormat.learningRate(lrOf(other)))")
                        }
                        rows[row].append(cell)
                    } else {
                        rows[row].append(TableView.Cell(text: groups.isEmpty ? "—" : "none (all diverged)", csv: ""))
                    }
                }
            }
            for column in panels.indices { TableView.markBest(&rows, column: column + 1, values: losses[column]) }
            var spreadRow = [TableView.Cell(text: "spread (octaves)")]  // of log₂ η*, in the caption
            for column in panels.indices {
                let spread = BlockAnalysis.spread(exponents[column].compactMap { $0 })
                spreadRow.append(spread.map { TableView.Cell(text: ($0.isLowerBound ? "≥ " : "") + NumberFormat.minus(NumberFormat.trimmed($0.octaves)),
                                                             csv: NumberFormat.exact($0.octaves)) }
                                 ?? TableView.Cell(text: "—", csv: ""))
            }
            var driftRow = [TableView.Cell(text: "octaves per doubling")]
            for panel in panels {
                let drift = series.flatMap { BlockAnalysis.octavesPerDoubling(panel.groups, series: $0) }
                driftRow.append(drift.map { TableView.Cell(text: driftText($0), csv: $0.bound == .unknown ? "" : NumberFormat.exact($0.slope)) } ?? TableView.Cell(text: "—", csv: ""))
            }
            if series != nil { rows.append(spreadRow); rows.append(driftRow) }
            let edgeNote = anyEdge ? " ≤ / ≥: the optimum is the lowest / highest rate of the grid, so only a bound (the spread then a lower bound); extend optimizer.lr on that side." : ""
            let title = layout.split.isEmpty ? "" : "\(analysis.title(of: slice.key)): "
            let caption = title + "Best learning rate $\\eta^*$ (\(bestPhrase(metric))) per \(axisPhrase(series)) and \(layout.column.map(DisplayName.axis) ?? "block"); ★: the \(series.map { $0.replacingOccurrences(of: "_", with: " ") } ?? "row") whose best run has the \(metric == .finalLoss ? "lowest loss" : bestPhrase(metric)) for its \(layout.column.map(DisplayName.axis) ?? "block")\(series != nil ? "; last rows: the spread of $\\log_2\\eta^*$ across \(axisPhrase(series)), in octaves, and the least-squares slope of $\\log_2\\eta^*$ against $\\log_2$ of \(axisPhrase(series)) in octaves per doubling, ± its 95% bootstrap interval over seeds" : "")." + edgeNote + tieNote(ties)
            tables.append(TableView(caption: caption, columns: columns, rows: rows,
                                    panel: layout.split.isEmpty ? nil : analysis.csvTitle(of: slice.key)))
        }
        return tables
    }

    /// A fitted drift as tables and prose show it: `−0.50 ± 0.12` (± the larger side of the interval).
    /// With an edge-of-grid optimum in the fit, the slope is a bound (`≥ 2.00 ± 0.00`), or `—`
    /// when edges pull it both ways (``BlockAnalysis/Drift/bound``).
    static func driftText(_ drift: BlockAnalysis.Drift) -> String {
        let value = NumberFormat.minus("\(NumberFormat.fixed(drift.slope)) ± \(NumberFormat.fixed(drift.halfWidth))")
        switch drift.bound {
        case nil: return value
        case .atLeast: return "≥ " + value
        case .atMost: return "≤ " + value
        case .unknown: return "—"
        }
    }

    static func bestLR(_ analysis: BlockAnalysis) -> ViewOutput {
        guard let tables = bestLRTables(analysis) else { return note("best-lr needs a list of learning rates (optimizer.lr).") }
        return ViewOutput(html: tables.map { $0.html() }.joined(), tables: tables)
    }

    // MARK: loss-table

    static func lossTable(_ analysis: BlockAnalysis) -> ViewOutput {
        let series = analysis.seriesAxis
        let rowAxis = analysis.hasAxis("lr") ? "lr" : nil
        let panelAxes = analysis.axisNames(excluding: [rowAxis, series].compactMap { $0 })
        let seriesValues = series.flatMap { name in analysis.axes.first { $0.name == name }?.values } ?? [""]
        var tables: [TableView] = []
        for panel in analysis.partition(by: panelAxes) {
            let rowGroups = analysis.partition(by: [rowAxis].compactMap { $0 }, of: panel.groups)
                .sorted { lrOf($0.groups[0]) < lrOf($1.groups[0]) }
            var columns = [TableView.Column(rowAxis == nil ? "" : "η", isNumber: true, heading: rowAxis == nil ? nil : "$\\eta$")]
            columns += seriesValues.map { TableView.Column(series == nil ? analysis.metric.phrase : seriesName(series, $0), isNumber: true) }  // `L = 4`: CSV and page alike
            var rows: [[TableView.Cell]] = []
            var columnLosses: [[Double?]] = Array(repeating: [], count: seriesValues.count)
            for row in rowGroups {
                let lr = lrOf(row.groups[0])
                var cells = [TableView.Cell.learningRate(lr)]
                for (column, value) in seriesValues.enumerated() {
                    let group = row.groups.first { group in series.map { group.values[$0] == value } ?? true }
                    cells.append(lossCell(group, metric: analysis.metric))
                    columnLosses[column].append(group?.cost)
                }
                rows.append(cells)
            }
            for column in seriesValues.indices { TableView.markBest(&rows, column: column + 1, values: columnLosses[column]) }
            let title = panelAxes.isEmpty ? "" : "\(analysis.title(of: panel.key)): "
            // Worded for both layouts: a grid on a wide screen, one card per η on a phone (no columns there).
            let lowest = analysis.metric == .finalLoss ? "lowest loss" : bestPhrase(analysis.metric)
            let best = series == nil ? "★: the \(lowest), i.e. the best $\\eta$." : "★: the \(lowest) at each \(axisPhrase(series)), i.e. its best $\\eta$."
            tables.append(TableView(caption: "\(title)\(analysis.metric.phrase) for each learning rate $\\eta$ and \(axisPhrase(series)); \(best)",
                                    columns: columns, rows: rows, panel: analysis.csvTitle(of: panel.key)))
        }
        return ViewOutput(html: tables.map { $0.html() }.joined(), tables: tables)
    }

    // MARK: loss-curves

    static func lossCurves(_ analysis: BlockAnalysis) -> ViewOutput {
        let series = analysis.seriesAxis
        let panelAxes = analysis.axisNames(excluding: ["lr", series].compactMap { $0 })
        var panels: [SVGPlot.Panel] = []
        for panel in analysis.partition(by: panelAxes) {
            var lines: [SVGPlot.Series] = []
            for curve in analysis.partition(by: [series].compactMap { $0 }, of: panel.groups) {
                // The curve at the best learning rate (the only one when lr does not vary).
                guard let group = BlockAnalysis.best(curve.groups) ?? curve.groups.first, !group.results.isEmpty else { continue }
                let length = group.results.map(\.lossPerStep.count).min() ?? 0
                guard length > 0 else { continue }
                var points: [(x: Double, y: Double)] = []
                for step in 0..<length {
                    let mean = group.results.map { $0.lossPerStep[step] }.reduce(0, +) / Double(group.results.count)
                    points.append((Double(step + 1), mean))
                }
                var name = seriesName(series, series.flatMap { curve.key[$0] })
                if analysis.hasAxis("lr") { name += " (η = \(NumberFormat.learningRate(lrOf(group))))" }
                lines.append(SVGPlot.Series(name: name, points: points))
            }
            panels.append(SVGPlot.Panel(title: panel.key.isEmpty ? "" : analysis.title(of: panel.key), series: lines))
        }
        guard panels.contains(where: { !$0.series.isEmpty }) else { return note("loss-curves: no finished run recorded its loss per step.") }
        let plot = SVGPlot(xLabel: "step", yLabel: "train loss (\(lossUnit(analysis)))", xScale: .linear, yScale: .log10, panels: panels,
                           description: "\(figureName(analysis)): train loss against step")
        let caption = "Train loss per step\(analysis.hasAxis("lr") ? " at each curve's best learning rate" : "")\(analysis.block.spec.train.seeds.count > 1 ? ", averaged over seeds" : ""); a diverged run's curve stops where it diverged."
        let (html, data) = figure(plot, caption: caption)
        return ViewOutput(html: html, tables: [data])
    }

    // MARK: coord-check

    static func coordCheck(_ analysis: BlockAnalysis) -> ViewOutput {
        let xAxis = analysis.seriesAxis ?? "depth"
        let panelAxes = analysis.axisNames(excluding: [xAxis])
        let steps = analysis.block.points.first?.spec.coordinateCheckSteps ?? []
        guard !steps.isEmpty else { return note("coord-check: no coordinate-check steps were recorded.") }
        func size(_ group: BlockAnalysis.Group) -> Double { Double(xAxis == "width" ? group.spec.width : group.spec.depth) }
        var streamPanels: [SVGPlot.Panel] = []
        var deltaPanels: [SVGPlot.Panel] = []
        var slopeRows: [[TableView.Cell]] = []
        for panel in analysis.partition(by: panelAxes) {
            let groups = panel.groups.sorted { size($0) < size($1) }
            func slopeCell(delta: Bool, step: Int) -> TableView.Cell {
                guard !(delta && step == 0) else { return TableView.Cell(text: "—", csv: "") }
                return BlockAnalysis.coordinateSlope(groups, series: xAxis, delta: delta, step: step)
                    .map { TableView.Cell(text: NumberFormat.minus(NumberFormat.fixed($0)), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: "")
            }
            for step in steps {
                slopeRows.append([TableView.Cell(text: panel.key.isEmpty ? "all" : analysis.title(of: panel.key), csv: panel.key.isEmpty ? "all" : analysis.csvTitle(of: panel.key)),
                                  TableView.Cell(text: String(step)), slopeCell(delta: false, step: step), slopeCell(delta: true, step: step)])
            }
            var stream: [SVGPlot.Series] = [], delta: [SVGPlot.Series] = []
            for step in steps {
                func value(_ group: BlockAnalysis.Group, _ pick: @escaping (CoordinateRecord) -> Double?) -> Double {
                    group.mean { result in result.coordinateCheck.first { $0.step == step }.flatMap(pick) } ?? .nan
                }
                stream.append(SVGPlot.Series(name: "t = \(step)", points: groups.map { (size($0), value($0) { $0.blockRMS.last }) }))
                if step > 0 {
                    delta.append(SVGPlot.Series(name: "t = \(step)", points: groups.map { (size($0), value($0) { $0.blockDeltaRMS.last }) }))
                }
            }
            let suffix = panel.key.isEmpty ? "" : " · " + analysis.title(of: panel.key)
            streamPanels.append(SVGPlot.Panel(title: "RMS(x_{L})" + suffix, series: stream))
            if !delta.isEmpty { deltaPanels.append(SVGPlot.Panel(title: "RMS(x_{L,t} − x_{L,0})" + suffix, series: delta)) }
        }
        let xLabel = xAxis == "width" ? "width n" : "depth L"
        let xPhrase = axisPhrase(xAxis)
        let colourOrder = steps.map { "t = \($0)" }
        var streamPlot = SVGPlot(xLabel: xLabel, yLabel: "RMS(x_{L})", xScale: .log2Size, yScale: .log10, panels: streamPanels,
                                 description: "\(figureName(analysis)): RMS of the last block's output against \(xLabel)")
        streamPlot.colourOrder = colourOrder
        let stream = figure(streamPlot,
                            caption: "Coordinate check: $\\mathrm{RMS}(x_L)$, the size of the residual stream after the last block, at steps \(steps.map(String.init).joined(separator: ", ")) ($t = 0$ is at init) against \(xPhrase). Flat lines mean the scale does not drift with \(xPhrase).")
        var html = stream.html
        var data = [stream.data]
        data[0].panel = "rms"
        if !deltaPanels.isEmpty {
            var deltaPlot = SVGPlot(xLabel: xLabel, yLabel: "RMS(x_{L,t} − x_{L,0})", xScale: .log2Size, yScale: .log10, panels: deltaPanels,
                                    description: "\(figureName(analysis)): RMS of the change of the last block's output against \(xLabel)")
            deltaPlot.colourOrder = colourOrder
            let change = figure(deltaPlot,
                                caption: "Change of the residual stream since init, $\\mathrm{RMS}(x_{L,t} - x_{L,0})$, against \(xPhrase): flat under depth-μP (TP6 §5), growing or shrinking otherwise.")
            html += change.html
            data.append(change.data)
            data[data.count - 1].panel = "change"
        }
        let symbol = xAxis == "width" ? "n" : "L"
        let table = TableView(caption: "Slopes against $\\log \(symbol)$ at each recorded step, seeds averaged: 0 means the size does not change with \(xPhrase). Depth-μP predicts 0 for both; $(\\tfrac12, 0)$ predicts ½ for the change after the first update (TP6 §5).",
                              columns: [TableView.Column("", isNumber: false), TableView.Column("step", isNumber: true, heading: "step $t$"),
                                        TableView.Column("slope of log RMS(x_L)", isNumber: true, heading: "slope of $\\log\\mathrm{RMS}(x_L)$", label: "slope, size of the stream"),
                                        TableView.Column("slope of log RMS(x_L,t − x_L,0)", isNumber: true, heading: "slope of $\\log\\mathrm{RMS}(x_{L,t} - x_{L,0})$", label: "slope, change since init")],
                              rows: slopeRows, panel: "slopes")
        html += table.html()
        return ViewOutput(html: html, tables: [table] + data)
    }

    // MARK: feature-update

    /// Relative weight update per block against depth (or width). With a learning-rate axis:
    /// one panel per combination of the other axes, one curve per rate, and a table of slopes
    /// with a row per rate, a column per parametrization and one table per combination of the
    /// rest (``BlockAnalysis/tableLayout(of:)``), so neither grows with the sweep. Without one:
    /// one panel, a curve and a slope row per combination.
    static func featureUpdate(_ analysis: BlockAnalysis) -> ViewOutput {
        let xAxis = analysis.seriesAxis ?? "depth"
        let others = analysis.axisNames(excluding: [xAxis, "lr"])
        let hasLR = analysis.hasAxis("lr")
        func size(_ group: BlockAnalysis.Group) -> Double { Double(xAxis == "width" ? group.spec.width : group.spec.depth) }
        func slopeCell(_ groups: [BlockAnalysis.Group]) -> TableView.Cell {
            BlockAnalysis.featureUpdateSlope(groups, series: xAxis)
                .map { TableView.Cell(text: NumberFormat.minus(NumberFormat.fixed($0)), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: "")
        }
        func curve(_ groups: [BlockAnalysis.Group], name: String) -> SVGPlot.Series {
            SVGPlot.Series(name: name, points: groups.sorted { size($0) < size($1) }.map { (size($0), BlockAnalysis.meanWeightUpdate($0) ?? .nan) })
        }
        func rate(_ part: (key: [String: String], groups: [BlockAnalysis.Group])) -> String { "η = " + NumberFormat.learningRate(lrOf(part.groups[0])) }
        let rates = hasLR ? analysis.partition(by: ["lr"]).sorted { lrOf($0.groups[0]) < lrOf($1.groups[0]) }.map(rate) : []
        var panels: [SVGPlot.Panel] = []
        if hasLR {
            for panel in analysis.partition(by: others) {
                let curves = analysis.partition(by: ["lr"], of: panel.groups).sorted { lrOf($0.groups[0]) < lrOf($1.groups[0]) }
                panels.append(SVGPlot.Panel(title: panel.key.isEmpty ? "" : analysis.title(of: panel.key), series: curves.map { curve($0.groups, name: rate($0)) }))
            }
        } else {
            let curves = analysis.partition(by: others).map { part -> SVGPlot.Series in
                let name = analysis.title(of: part.key)
                return curve(part.groups, name: name == "all points" ? "mean over blocks" : name)
            }
            panels.append(SVGPlot.Panel(title: "relative weight update per block", series: curves))
        }
        var tables: [TableView] = []
        let symbol = xAxis == "width" ? "n" : "L"
        let slopeCaption = "slope of $\\log(\\lVert\\Delta W_l\\rVert/\\lVert W_{l,0}\\rVert)$ against $\\log \(symbol)$ (depth-μP predicts −½ in depth)"
        if hasLR {
            let layout = analysis.tableLayout(of: others)
            for slice in analysis.partition(by: layout.split) {
                let columnParts = analysis.partition(by: [layout.column].compactMap { $0 }, of: slice.groups)
                var columns = [TableView.Column("η", isNumber: true, heading: "$\\eta$")]
                columns += columnParts.map { TableView.Column(layout.column == nil ? "slope" : analysis.csvTitle(of: $0.key), isNumber: true,
                                                              heading: layout.column == nil ? nil : analysis.title(of: $0.key)) }
                let rows = analysis.partition(by: ["lr"], of: slice.groups).sorted { lrOf($0.groups[0]) < lrOf($1.groups[0]) }.map { row -> [TableView.Cell] in
                    let lr = lrOf(row.groups[0])
                    return [TableView.Cell.learningRate(lr)]
                        + columnParts.map { part in slopeCell(part.groups.filter { lrOf($0) == lr }) }
                }
                let title = layout.split.isEmpty ? "" : "\(analysis.title(of: slice.key)): "
                tables.append(TableView(caption: title + "The " + slopeCaption + ", at each learning rate $\\eta$" + (layout.column.map { " and \(DisplayName.axis($0))" } ?? "") + ".",
                                        columns: columns, rows: rows,
                                        panel: layout.split.isEmpty ? "slopes" : "slopes." + analysis.csvTitle(of: slice.key)))
            }
        } else {
            let rows = analysis.partition(by: others).map { part in
                [TableView.Cell(text: analysis.title(of: part.key), csv: analysis.csvTitle(of: part.key)), slopeCell(part.groups)]
            }
            tables.append(TableView(caption: "Slope of $\\log(\\lVert\\Delta W_l\\rVert/\\lVert W_{l,0}\\rVert)$ against $\\log \(symbol)$ (depth-μP predicts −½ in depth).",
                                    columns: [TableView.Column("", isNumber: false), TableView.Column("slope", isNumber: true)], rows: rows,
                                    panel: "slopes"))
        }
        let xLabel = xAxis == "width" ? "width n" : "depth L"
        var plot = SVGPlot(xLabel: xLabel, yLabel: "‖ΔW_{l}‖ / ‖W_{l,0}‖", xScale: .log2Size, yScale: .log10, panels: panels,
                           description: "\(figureName(analysis)): relative weight update per block against \(xLabel)")
        if hasLR { plot.colourOrder = rates }
        let figure = figure(plot, caption: "Relative weight update $\\lVert\\Delta W_l\\rVert_F/\\lVert W_{l,0}\\rVert_F$ at the end of training, averaged over blocks and seeds, against \(axisPhrase(xAxis))\(hasLR ? ", one curve per learning rate" : "").")
        var plotData = figure.data
        plotData.panel = "plot"
        return ViewOutput(html: figure.html + tables.map { $0.html() }.joined(), tables: tables + [plotData])
    }

    // MARK: init-variance

    static func initVariance(_ analysis: BlockAnalysis) -> ViewOutput {
        let axisNames = analysis.axisNames(excluding: [])
        var columns = axisNames.map { TableView.Column($0, isNumber: $0 != "parametrization" && $0 != "activation",
                                                       heading: DisplayName.heading($0)) }
        if columns.isEmpty { columns = [TableView.Column("depth", isNumber: true, heading: "$L$")] }
        columns += [TableView.Column("b = a·m_L^−α", isNumber: true, heading: "$b$"),
                    TableView.Column("measured E|x_L|²/|x_0|²", isNumber: true, heading: "measured"),
                    TableView.Column("exact (1+c·b²)^L", isNumber: true, heading: "exact"), TableView.Column("rel. error", isNumber: true)]
        var rows: [[TableView.Cell]] = []
        for group in analysis.groups {
            var cells = axisNames.isEmpty ? [TableView.Cell(text: String(group.spec.depth))]
                : axisNames.map { TableView.Cell(text: DisplayName.cell(group.values[$0] ?? "", axis: $0), csv: group.values[$0] ?? "") }
            let measured = BlockAnalysis.measuredInitRatio(group)
            let exact = BlockAnalysis.exactInitRatio(group)
            func cell(_ value: Double?, digits: Int = 3) -> TableView.Cell {
                value.map { TableView.Cell(text: NumberFormat.prose($0, digits: digits), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: "")
            }
            cells.append(cell(group.results.first?.branchMultiplier))
            cells.append(cell(measured))
            cells.append(cell(exact))
            let error = BlockAnalysis.initRatioRelativeError(group)
            cells.append(error.map { TableView.Cell(text: NumberFormat.percent($0), csv: NumberFormat.exact($0)) }
                         ?? TableView.Cell(text: "—", csv: ""))
            rows.append(cells)
        }
        let table = TableView(caption: "Size of the residual stream at init: measured $\\mathbb E\\lVert x_L\\rVert^2/\\lVert x_0\\rVert^2$ against the exact $(1 + c\\,b^2)^L$, with branch multiplier $b = a\\,m_L^{-\\alpha}$ (TP6; $c = 1$ for identity blocks, $\\tfrac12 - \\tfrac1{2\\pi} \\approx 0.341$ for mean-subtracted ReLU, $1 - \\tfrac2\\pi \\approx 0.363$ for mean-subtracted $|\\cdot|$).",
                              columns: columns, rows: rows)
        // The trend the table teaches, drawn: measured ratio against depth, one curve per remaining combination.
        var html = ""
        var tables = [table]
        tables[0].panel = "ratios"
        if analysis.hasAxis("depth") {
            var lines: [SVGPlot.Series] = []
            for curve in analysis.partition(by: analysis.axisNames(excluding: ["depth"])) {
                let groups = curve.groups.sorted { $0.spec.depth < $1.spec.depth }
                lines.append(SVGPlot.Series(name: curve.key.isEmpty ? "measured" : analysis.title(of: curve.key),
                                            points: groups.map { (Double($0.spec.depth), BlockAnalysis.measuredInitRatio($0) ?? .nan) }))
            }
            let plot = SVGPlot(xLabel: "depth L", yLabel: "E‖x_{L}‖² / ‖x_{0}‖²", xScale: .log2Size, yScale: .log10,
                               panels: [SVGPlot.Panel(title: "", series: lines)],
                               description: "\(figureName(analysis)): measured size of the residual stream at init against depth")
            let figure = figure(plot, caption: "The measured ratios of the table against depth $L$ (log scales): a straight rising line is exponential growth; a flat one is a stream whose size does not depend on depth.")
            html += figure.html
            tables.append(figure.data)
            tables[tables.count - 1].panel = "plot"
        }
        return ViewOutput(html: html + table.html(), tables: tables)
    }

    // MARK: summary

    static func summary(_ analysis: BlockAnalysis) -> ViewOutput {
        let axisNames = analysis.axisNames(excluding: [])
        let hasTest = analysis.block.spec.data.testCount > 0
        var columns = axisNames.map { TableView.Column($0, isNumber: !["parametrization", "activation", "input", "readout", "pre_ln", "mean_subtraction"].contains($0),
                                                       heading: DisplayName.heading($0)) }
        if columns.isEmpty { columns = [TableView.Column("point", isNumber: false)] }
        columns.append(TableView.Column("final train loss", isNumber: true))
        if hasTest { columns += [TableView.Column("test loss", isNumber: true), TableView.Column("test accuracy", isNumber: true)] }
        var rows: [[TableView.Cell]] = []
        for group in analysis.groups {
            var cells = axisNames.isEmpty ? [TableView.Cell(text: "all")] : axisNames.map { name -> TableView.Cell in
                let value = group.values[name] ?? ""
                return name == "lr" ? TableView.Cell.learningRate(group.spec.learningRate)
                    : TableView.Cell(text: DisplayName.cell(value, axis: name), csv: value)
            }
            cells.append(lossCell(group))
            if hasTest {
                let usable = group.divergedAtStep == nil
                for (value, format) in [(group.mean { $0.testLoss }, { NumberFormat.prose($0, digits: 4) }),
                                        (group.mean { $0.testAccuracy }, NumberFormat.percent)] {
                    cells.append(value.flatMap { usable ? $0 : nil }.map { TableView.Cell(text: format($0), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: ""))
                }
            }
            rows.append(cells)
        }
        // ★ sits in the column of the block's metric.
        let starred = max(1, axisNames.count) + (hasTest ? [Metric.finalLoss, .testLoss, .testAccuracy].firstIndex(of: analysis.metric) ?? 0 : 0)
        TableView.markBest(&rows, column: starred, values: costs(analysis.groups))
        let seeds = analysis.block.spec.train.seeds.count
        let table = TableView(caption: "Every run\(seeds > 1 ? " (mean of \(seeds) seeds)" : ""): final train loss (mean of the last 10% of steps)\(hasTest ? ", test loss and accuracy" : ""); ★: the \(bestPhrase(analysis.metric)).",
                              columns: columns, rows: rows)
        return ViewOutput(html: table.html(), tables: [table])
    }
}
