import DepthMuP
import Foundation
import Notebook
import Runner

/// The HTML of one `show:` view, and the tables it contributes as CSV files.
public struct ViewOutput {
    public var html: String
    /// Tables written as `NAME.<block>.<view>.csv`; a view with several tables (one per panel)
    /// writes `NAME.<block>.<view>-2.csv` and so on for the second and later ones.
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

    static func figure(_ svg: String, caption: String) -> String {
        "<figure class=\"plot\">\n\(svg)<figcaption>\(HTMLEscaping.escape(caption))</figcaption>\n</figure>\n"
    }

    /// The table text of a group's loss: the mean, `diverged @ step k`, `NaN`, `failed`, ….
    static func lossCell(_ group: BlockAnalysis.Group?, isBest: Bool = false) -> TableView.Cell {
        guard let group else { return TableView.Cell(text: "—", csv: "") }
        if let outcome = group.unfinished.first {
            switch outcome {
            case .failed: return TableView.Cell(text: "failed", csv: "failed")
            case .timedOut: return TableView.Cell(text: "timed out", csv: "timed out")
            default: return TableView.Cell(text: "not run", csv: "not run")
            }
        }
        if let step = group.divergedAtStep { return TableView.Cell(text: "diverged @ step \(step)") }
        guard let loss = group.finalLoss else { return TableView.Cell(text: "—", csv: "") }
        if let special = NumberFormat.nonFinite(loss) { return TableView.Cell(text: special) }
        return TableView.Cell(text: NumberFormat.significant(loss, digits: 4), csv: NumberFormat.exact(loss), isBest: isBest)
    }

    static func lrOf(_ group: BlockAnalysis.Group) -> Double { group.spec.learningRate }

    /// The loss's unit for axis labels: nats for cross-entropy, squared error for mse.
    static func lossUnit(_ analysis: BlockAnalysis) -> String {
        analysis.block.spec.train.loss == .mse ? "MSE" : "nats"
    }

    static func seriesName(_ axis: String?, _ value: String?) -> String {
        guard let axis, let value else { return "all" }
        return axis == "depth" ? "L = \(value)" : axis == "width" ? "n = \(value)" : "\(axis)=\(value)"
    }

    // MARK: loss-vs-lr

    static func lossVsLR(_ analysis: BlockAnalysis) -> ViewOutput {
        guard analysis.hasAxis("lr") else { return note("loss-vs-lr needs a list of learning rates (optimizer.lr).") }
        let series = analysis.seriesAxis
        let panelAxes = analysis.axisNames(excluding: ["lr", series].compactMap { $0 })
        var panels: [SVGPlot.Panel] = []
        for part in analysis.partition(by: panelAxes) {
            var lines: [SVGPlot.Series] = []
            for curve in analysis.partition(by: [series].compactMap { $0 }, of: part.groups) {
                let groups = curve.groups.sorted { lrOf($0) < lrOf($1) }
                let best = BlockAnalysis.best(groups)
                let points = groups.map { (x: log2(lrOf($0)), y: $0.usableLoss ?? .nan) }
                let marked = best.flatMap { best in groups.firstIndex { lrOf($0) == lrOf(best) } }
                lines.append(SVGPlot.Series(name: seriesName(series, series.flatMap { curve.key[$0] }), points: points, marked: marked))
            }
            panels.append(SVGPlot.Panel(title: part.key.isEmpty ? "" : analysis.title(of: part.key), series: lines))
        }
        var plot = SVGPlot(xLabel: "learning rate η", yLabel: "final train loss (\(lossUnit(analysis)))", xScale: .log2Exponent, yScale: .linear,
                           panels: panels, description: "Final train loss against learning rate")
        plot.yCeiling = lossCeiling(panels)
        var caption = "Final train loss (mean of the last 10% of steps\(analysis.block.spec.train.seeds.count > 1 ? ", averaged over \(analysis.block.spec.train.seeds.count) seeds" : "")) against the learning rate; circles mark each curve's optimum; diverged runs are left out."
        if let ceiling = plot.yCeiling {
            caption += " Losses above \(NumberFormat.significant(ceiling)) are drawn as ▲ on the top edge (hover for the value)."
        }
        return ViewOutput(html: figure(plot.svg(), caption: caption), tables: [])
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

    /// Best learning rate of every curve; key: panel (all axes but lr and series) and series value.
    static func bestLRTable(_ analysis: BlockAnalysis) -> (table: TableView, spreads: [Double?])? {
        guard analysis.hasAxis("lr") else { return nil }
        let series = analysis.seriesAxis
        let panelAxes = analysis.axisNames(excluding: ["lr", series].compactMap { $0 })
        let panels = analysis.partition(by: panelAxes)
        let seriesValues = series.flatMap { name in analysis.axes.first { $0.name == name }?.values } ?? [""]
        var columns = [TableView.Column(series ?? "", isNumber: true)]
        columns += panels.map { TableView.Column(analysis.title(of: $0.key), isNumber: true) }
        var rows: [[TableView.Cell]] = seriesValues.map { [TableView.Cell(text: $0)] }
        var exponents: [[Double?]] = Array(repeating: [], count: panels.count)
        var losses: [[Double?]] = Array(repeating: [], count: panels.count)
        for (column, panel) in panels.enumerated() {
            for (row, value) in seriesValues.enumerated() {
                let groups = panel.groups.filter { group in series.map { group.values[$0] == value } ?? true }
                let best = BlockAnalysis.best(groups)
                exponents[column].append(best.map { log2(lrOf($0)) })
                losses[column].append(best?.usableLoss)
                if let best {
                    rows[row].append(TableView.Cell(text: NumberFormat.learningRate(lrOf(best)), csv: NumberFormat.exact(lrOf(best))))
                } else {
                    rows[row].append(TableView.Cell(text: groups.isEmpty ? "—" : "none (all diverged)", csv: ""))
                }
            }
        }
        for column in panels.indices { TableView.markBest(&rows, column: column + 1, values: losses[column]) }
        var spreads: [Double?] = []
        var spreadRow = [TableView.Cell(text: "spread (octaves)")]
        for column in panels.indices {
            let known = exponents[column].compactMap { $0 }
            let spread = known.count >= 2 ? known.max().flatMap { high in known.min().map { high - $0 } } : nil
            spreads.append(spread)
            spreadRow.append(spread.map { TableView.Cell(text: NumberFormat.trimmed($0), csv: NumberFormat.exact($0)) }
                             ?? TableView.Cell(text: "—", csv: ""))
        }
        var driftRow = [TableView.Cell(text: "octaves per doubling")]
        for panel in panels {
            let drift = series.flatMap { BlockAnalysis.octavesPerDoubling(panel.groups, series: $0) }
            driftRow.append(drift.map { TableView.Cell(text: "\(NumberFormat.fixed($0.slope)) ± \(NumberFormat.fixed($0.halfWidth))",
                                                       csv: NumberFormat.exact($0.slope)) } ?? TableView.Cell(text: "—", csv: ""))
        }
        if series != nil { rows.append(spreadRow); rows.append(driftRow) }
        let caption = "Best learning rate (argmin of final train loss) per \(series ?? "curve") and \(panelAxes.isEmpty ? "block" : panelAxes.joined(separator: ", ")); ★ marks the lowest loss in each column; last rows: spread of log₂ η* in octaves, and its least-squares slope against log₂ \(series ?? "depth") in octaves per doubling (± the 95% bootstrap interval over seeds)."
        return (TableView(caption: caption, columns: columns, rows: rows), spreads)
    }

    static func bestLR(_ analysis: BlockAnalysis) -> ViewOutput {
        guard let (table, _) = bestLRTable(analysis) else { return note("best-lr needs a list of learning rates (optimizer.lr).") }
        return ViewOutput(html: table.html(), tables: [table])
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
            var columns = [TableView.Column(rowAxis == nil ? "" : "η", isNumber: true)]
            columns += seriesValues.map { TableView.Column(series == nil ? "final train loss" : seriesName(series, $0), isNumber: true) }
            var rows: [[TableView.Cell]] = []
            var columnLosses: [[Double?]] = Array(repeating: [], count: seriesValues.count)
            for row in rowGroups {
                let lr = lrOf(row.groups[0])
                var cells = [TableView.Cell(text: NumberFormat.learningRate(lr), csv: NumberFormat.exact(lr))]
                for (column, value) in seriesValues.enumerated() {
                    let group = row.groups.first { group in series.map { group.values[$0] == value } ?? true }
                    cells.append(lossCell(group))
                    columnLosses[column].append(group?.usableLoss)
                }
                rows.append(cells)
            }
            for column in seriesValues.indices { TableView.markBest(&rows, column: column + 1, values: columnLosses[column]) }
            let title = panelAxes.isEmpty ? "" : "\(analysis.title(of: panel.key)): "
            tables.append(TableView(caption: "\(title)final train loss by learning rate (rows) and \(series ?? "point") (columns); ★ marks each column's best.",
                                    columns: columns, rows: rows))
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
                           description: "Train loss against step")
        let caption = "Train loss per step\(analysis.hasAxis("lr") ? " at each curve's best learning rate" : "")\(analysis.block.spec.train.seeds.count > 1 ? ", averaged over seeds" : ""); a diverged run's curve stops where it diverged."
        return ViewOutput(html: figure(plot.svg(), caption: caption), tables: [])
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
                    .map { TableView.Cell(text: NumberFormat.fixed($0), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: "")
            }
            for step in steps {
                slopeRows.append([TableView.Cell(text: panel.key.isEmpty ? "all" : analysis.title(of: panel.key)),
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
            streamPanels.append(SVGPlot.Panel(title: "RMS(x_L)" + suffix, series: stream))
            if !delta.isEmpty { deltaPanels.append(SVGPlot.Panel(title: "RMS(x_L,t − x_L,0)" + suffix, series: delta)) }
        }
        let xLabel = xAxis == "width" ? "width n" : "depth L"
        let colourOrder = steps.map { "t = \($0)" }
        var streamPlot = SVGPlot(xLabel: xLabel, yLabel: "RMS(x_L)", xScale: .log2Size, yScale: .log10, panels: streamPanels,
                                 description: "RMS of the last block's output against \(xLabel)")
        streamPlot.colourOrder = colourOrder
        var html = figure(streamPlot.svg(),
                          caption: "Coordinate check: RMS of the residual stream after the last block at steps \(steps.map(String.init).joined(separator: ", ")) (t = 0 is at init) against \(xLabel). Flat lines mean the scale does not drift with \(xLabel).")
        if !deltaPanels.isEmpty {
            var deltaPlot = SVGPlot(xLabel: xLabel, yLabel: "RMS(x_L,t − x_L,0)", xScale: .log2Size, yScale: .log10, panels: deltaPanels,
                                    description: "RMS of the change of the last block's output against \(xLabel)")
            deltaPlot.colourOrder = colourOrder
            html += figure(deltaPlot.svg(),
                           caption: "Change of the residual stream since init, RMS(x_L,t − x_L,0), against \(xLabel): flat under Depth-μP (TP6 §5), growing or shrinking otherwise.")
        }
        let symbol = xAxis == "width" ? "n" : "L"
        let table = TableView(caption: "Slopes against log \(symbol) at each recorded step, seeds averaged: 0 means the size does not change with \(xLabel). Depth-μP predicts 0 for both; (½, 0) predicts ½ for the change after the first update (TP6 §5; depth-mup.md C3).",
                              columns: [TableView.Column("", isNumber: false), TableView.Column("step", isNumber: true),
                                        TableView.Column("slope of log RMS(x_L)", isNumber: true),
                                        TableView.Column("slope of log RMS(x_L,t − x_L,0)", isNumber: true)],
                              rows: slopeRows)
        html += table.html()
        return ViewOutput(html: html, tables: [table])
    }

    // MARK: feature-update

    static func featureUpdate(_ analysis: BlockAnalysis) -> ViewOutput {
        let xAxis = analysis.seriesAxis ?? "depth"
        let panelAxes = analysis.axisNames(excluding: [xAxis])
        func size(_ group: BlockAnalysis.Group) -> Double { Double(xAxis == "width" ? group.spec.width : group.spec.depth) }
        var lines: [SVGPlot.Series] = []
        var rows: [[TableView.Cell]] = []
        for panel in analysis.partition(by: panelAxes) {
            let groups = panel.groups.sorted { size($0) < size($1) }
            let points = groups.map { group -> (x: Double, y: Double) in
                let ratio = group.mean { result in
                    result.weightUpdateRatio.isEmpty ? nil : result.weightUpdateRatio.reduce(0, +) / Double(result.weightUpdateRatio.count)
                }
                return (size(group), group.divergedAtStep == nil ? ratio ?? .nan : .nan)
            }
            let slope = BlockAnalysis.logSlope(points)
            let name = analysis.title(of: panel.key)
            lines.append(SVGPlot.Series(name: name == "all points" ? "mean over blocks" : name, points: points))
            rows.append([TableView.Cell(text: name),
                         slope.map { TableView.Cell(text: NumberFormat.fixed($0), csv: NumberFormat.exact($0)) }
                            ?? TableView.Cell(text: "—", csv: "")])
        }
        let xLabel = xAxis == "width" ? "width n" : "depth L"
        let plot = SVGPlot(xLabel: xLabel, yLabel: "‖ΔW_l‖/‖W_l,0‖", xScale: .log2Size, yScale: .log10,
                           panels: [SVGPlot.Panel(title: "relative weight update per block", series: lines)],
                           description: "Relative weight update per block against \(xLabel)")
        let table = TableView(caption: "Slope of log(‖ΔW_l‖/‖W_l,0‖) against log \(xAxis == "width" ? "n" : "L") (Depth-μP predicts −0.5 in depth).",
                              columns: [TableView.Column("", isNumber: false), TableView.Column("slope", isNumber: true)], rows: rows)
        let html = figure(plot.svg(), caption: "Relative weight update ‖ΔW_l‖_F/‖W_l,0‖_F at the end of training, averaged over blocks and seeds, against \(xLabel).") + table.html()
        return ViewOutput(html: html, tables: [table])
    }

    // MARK: init-variance

    static func initVariance(_ analysis: BlockAnalysis) -> ViewOutput {
        let axisNames = analysis.axisNames(excluding: [])
        var columns = axisNames.map { TableView.Column($0, isNumber: $0 != "parametrization" && $0 != "activation") }
        if columns.isEmpty { columns = [TableView.Column("depth", isNumber: true)] }
        columns += [TableView.Column("b = a·m_L^−α", isNumber: true), TableView.Column("measured E|x_L|²/|x_0|²", isNumber: true),
                    TableView.Column("exact (1+c·b²)^L", isNumber: true), TableView.Column("rel. error", isNumber: true)]
        var rows: [[TableView.Cell]] = []
        for group in analysis.groups {
            var cells = axisNames.isEmpty ? [TableView.Cell(text: String(group.spec.depth))]
                : axisNames.map { TableView.Cell(text: group.values[$0] ?? "") }
            let measured = BlockAnalysis.measuredInitRatio(group)
            let exact = BlockAnalysis.exactInitRatio(group)
            func cell(_ value: Double?, digits: Int = 4) -> TableView.Cell {
                value.map { TableView.Cell(text: NumberFormat.significant($0, digits: digits), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: "")
            }
            cells.append(cell(group.results.first?.branchMultiplier))
            cells.append(cell(measured))
            cells.append(cell(exact))
            let error = BlockAnalysis.initRatioRelativeError(group)
            cells.append(error.map { TableView.Cell(text: String(format: "%.1f%%", $0 * 100), csv: NumberFormat.exact($0)) }
                         ?? TableView.Cell(text: "—", csv: ""))
            rows.append(cells)
        }
        let table = TableView(caption: "Variance of the residual stream at init: measured E|x_L|²/|x_0|² against the exact (1 + c·b²)^L (TP6; c = 1 linear, ½ − 1/(2π) ≈ 0.341 MS-relu, 1 − 2/π ≈ 0.363 MS-abs).",
                              columns: columns, rows: rows)
        return ViewOutput(html: table.html(), tables: [table])
    }

    // MARK: summary

    static func summary(_ analysis: BlockAnalysis) -> ViewOutput {
        let axisNames = analysis.axisNames(excluding: [])
        let hasTest = analysis.block.spec.data.testCount > 0
        var columns = axisNames.map { TableView.Column($0, isNumber: !["parametrization", "activation", "input", "readout", "pre_ln", "mean_subtraction"].contains($0)) }
        if columns.isEmpty { columns = [TableView.Column("point", isNumber: false)] }
        columns.append(TableView.Column("final train loss", isNumber: true))
        if hasTest { columns += [TableView.Column("test loss", isNumber: true), TableView.Column("test accuracy", isNumber: true)] }
        var rows: [[TableView.Cell]] = []
        for group in analysis.groups {
            var cells = axisNames.isEmpty ? [TableView.Cell(text: "all")] : axisNames.map { name -> TableView.Cell in
                let value = group.values[name] ?? ""
                return name == "lr" ? TableView.Cell(text: NumberFormat.learningRate(group.spec.learningRate), csv: NumberFormat.exact(group.spec.learningRate)) : TableView.Cell(text: value)
            }
            cells.append(lossCell(group))
            if hasTest {
                let usable = group.divergedAtStep == nil
                for value in [group.mean { $0.testLoss }, group.mean { $0.testAccuracy }] {
                    cells.append(value.flatMap { usable ? $0 : nil }.map { TableView.Cell(text: NumberFormat.significant($0, digits: 4), csv: NumberFormat.exact($0)) } ?? TableView.Cell(text: "—", csv: ""))
                }
            }
            rows.append(cells)
        }
        TableView.markBest(&rows, column: max(1, axisNames.count), values: analysis.groups.map(\.usableLoss))
        let seeds = analysis.block.spec.train.seeds.count
        let table = TableView(caption: "Every run\(seeds > 1 ? " (mean of \(seeds) seeds)" : ""): final train loss (mean of the last 10% of steps)\(hasTest ? ", test loss and accuracy" : ""); ★ marks the lowest loss.",
                              columns: columns, rows: rows)
        return ViewOutput(html: table.html(), tables: [table])
    }
}
