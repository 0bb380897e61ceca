import Foundation

/// A small inline-SVG line plot: panels side by side, shared axes, a legend, marked optima.
///
/// No JavaScript, no external files. Colours come from the page's CSS variables
/// (`--series-1` … `--series-8`, `--fg`, `--muted`, `--rule`) with fallbacks, so one SVG reads in
/// light and dark mode and in print. Non-finite points are left out (a curve breaks there).
/// Sizes are in px of the SVG's viewBox; coordinates are rounded to 0.1 px so output is stable.
public struct SVGPlot: Sendable {
    public enum Scale: Sendable {
        /// Linear axis with 1-2-5 ticks.
        case linear
        /// Values are log2 of something; ticks are integers shown as powers of two (`2⁻⁹`).
        case log2Exponent
        /// Logarithmic axis (values must be > 0); ticks at powers of ten or 1-2-5 steps.
        case log10
        /// Logarithmic axis base 2 for sizes (depth, width): ticks at powers of two, shown plain.
        case log2Size
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Index into `points` of the marked point (the optimum), if any.
        public var marked: Int?

        public init(name: String, points: [(x: Double, y: Double)], marked: Int? = nil) {
            self.name = name
            self.points = points
            self.marked = marked
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var series: [Series]

        public init(title: String, series: [Series]) {
            self.title = title
            self.series = series
        }
    }

    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale
    public var yScale: Scale
    public var panels: [Panel]
    /// Accessible description (`<title>` of the SVG).
    public var description: String
    /// Series names in colour order, so that figures shown together give the same series the
    /// same colour (`t = 5` is green in both coordinate-check plots); nil: order of appearance.
    public var colourOrder: [String]?
    /// Top of the y axis: larger values are drawn on the top edge as open triangles (▲) whose
    /// tooltip gives the value, so one exploding curve cannot flatten the others; nil: no limit.
    public var yCeiling: Double?

    public init(xLabel: String, yLabel: String, xScale: Scale, yScale: Scale, panels: [Panel], description: String) {
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.panels = panels
        self.description = description
    }

    static let panelWidth = 300.0, panelHeight = 230.0, legendColumnWidth = 140.0
    static let left = 58.0, right = 22.0, top = 26.0, bottom = 44.0

    /// The SVG element.
    public func svg() -> String {
        let names = uniqueSeriesNames()
        let plotWidth = Self.panelWidth - Self.left - Self.right
        let plotHeight = Self.panelHeight - Self.top - Self.bottom
        let legendColumns = max(1, Int(Self.panelWidth * Double(max(1, panels.count)) / Self.legendColumnWidth))
        let legendRows = (names.count + legendColumns - 1) / legendColumns
        let width = Self.panelWidth * Double(max(1, panels.count))
        let height = Self.panelHeight + 18 * Double(legendRows) + 8
        let finite = panels.flatMap { $0.series.flatMap(\.points) }
            .filter { isPlottable($0.x, xScale) && isPlottable($0.y, yScale) }
            .map { point in (x: point.x, y: yCeiling.map { min(point.y, $0) } ?? point.y) }
        let xTicks = Self.ticks(finite.map(\.x), scale: xScale)
        let yTicks = Self.ticks(finite.map(\.y), scale: yScale)
        var out = "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
        out += "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<title>\(HTMLEscaping.escape(description))</title>\n"
        for (panelIndex, panel) in panels.enumerated() {
            let originX = Self.panelWidth * Double(panelIndex) + Self.left
            let originY = Self.top
            func px(_ x: Double) -> Double { originX + plotWidth * xTicks.position(of: transform(x, xScale)) }
            func py(_ y: Double) -> Double { originY + plotHeight * (1 - yTicks.position(of: transform(y, yScale))) }
            out += "<g class=\"panel\">\n"
            out += "<text x=\"\(f(originX + plotWidth / 2))\" y=\"\(f(originY - 10))\" text-anchor=\"middle\" font-weight=\"bold\">\(HTMLEscaping.escape(panel.title))</text>\n"
            out += "<rect x=\"\(f(originX))\" y=\"\(f(originY))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" style=\"stroke:var(--rule,#ccc)\"/>\n"
            for tick in xTicks.values {
                let x = originX + plotWidth * xTicks.position(of: tick)
                out += "<line x1=\"\(f(x))\" y1=\"\(f(originY + plotHeight))\" x2=\"\(f(x))\" y2=\"\(f(originY + plotHeight + 4))\" style=\"stroke:var(--muted,#666)\"/>"
                out += "<text x=\"\(f(x))\" y=\"\(f(originY + plotHeight + 16))\" text-anchor=\"middle\">\(HTMLEscaping.escape(label(tick, xScale)))</text>\n"
            }
            for tick in yTicks.values {
                let y = originY + plotHeight * (1 - yTicks.position(of: tick))
                out += "<line x1=\"\(f(originX - 4))\" y1=\"\(f(y))\" x2=\"\(f(originX))\" y2=\"\(f(y))\" style=\"stroke:var(--muted,#666)\"/>"
                out += "<text x=\"\(f(originX - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTMLEscaping.escape(label(tick, yScale)))</text>\n"
            }
            out += "<text x=\"\(f(originX + plotWidth / 2))\" y=\"\(f(originY + plotHeight + 34))\" text-anchor=\"middle\">\(HTMLEscaping.escape(xLabel))</text>\n"
            let labelX = originX - 44, labelY = originY + plotHeight / 2
            out += "<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(labelX)) \(f(labelY)))\">\(HTMLEscaping.escape(yLabel))</text>\n"
            for series in panel.series {
                let colour = colourStyle(colourIndex(of: series.name, names: names))
                // Runs of plottable points; a non-finite point breaks the line.
                var runs: [[(Double, Double, Double?)]] = [[]]  // (px, py, value when above the ceiling)
                for point in series.points {
                    if isPlottable(point.x, xScale) && isPlottable(point.y, yScale) {
                        let above = yCeiling.map { point.y > $0 } ?? false
                        // An off-scale point stands alone: a line along the top edge would read as data.
                        if above, !(runs.last?.isEmpty ?? true) { runs.append([]) }
                        runs[runs.count - 1].append((px(point.x), py(above ? yCeiling ?? point.y : point.y), above ? point.y : nil))
                        if above { runs.append([]) }
                    } else if !(runs.last?.isEmpty ?? true) {
                        runs.append([])
                    }
                }
                out += "<g class=\"series\"><title>\(HTMLEscaping.escape(series.name))</title>\n"
                for run in runs where !run.isEmpty {
                    if run.count > 1 {
                        let path = run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                        out += "<polyline points=\"\(path)\" fill=\"none\" stroke-width=\"1.8\" style=\"stroke:\(colour)\"/>\n"
                    }
                    for point in run {
                        if let value = point.2 {
                            let triangle = "\(f(point.0)),\(f(point.1 - 1)) \(f(point.0 - 4)),\(f(point.1 + 6)) \(f(point.0 + 4)),\(f(point.1 + 6))"
                            out += "<polygon class=\"off-scale\" points=\"\(triangle)\" fill=\"none\" stroke-width=\"1.2\" style=\"stroke:\(colour)\">"
                            out += "<title>off scale: \(HTMLEscaping.escape(NumberFormat.significant(value, digits: 4)))</title></polygon>"
                        } else {
                            out += "<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"2.2\" style=\"fill:\(colour)\"/>"
                        }
                    }
                    out += "\n"
                }
                if let marked = series.marked, marked < series.points.count {
                    let point = series.points[marked]
                    let offScale = yCeiling.map { point.y > $0 } ?? false
                    if !offScale, isPlottable(point.x, xScale) && isPlottable(point.y, yScale) {
                        out += "<circle class=\"optimum\" cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"5\" fill=\"none\" stroke-width=\"1.8\" style=\"stroke:\(colour)\"><title>optimum</title></circle>\n"
                    }
                }
                out += "</g>\n"
            }
            out += "</g>\n"
        }
        // Legend under the panels, as many entries per row as fit the plot's width.
        for (index, name) in names.enumerated() {
            let x = 12 + Double(index % legendColumns) * Self.legendColumnWidth
            let y = Self.panelHeight + 6 + 18 * Double(index / legendColumns)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 18))\" y2=\"\(f(y))\" stroke-width=\"2\" style=\"stroke:\(colourStyle(colourIndex(of: name, names: names)))\"/>"
            out += "<text x=\"\(f(x + 24))\" y=\"\(f(y + 4))\">\(HTMLEscaping.escape(name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    func uniqueSeriesNames() -> [String] {
        var names: [String] = []
        for panel in panels { for series in panel.series where !names.contains(series.name) { names.append(series.name) } }
        return names
    }

    func colourIndex(of name: String, names: [String]) -> Int {
        colourOrder?.firstIndex(of: name) ?? names.firstIndex(of: name) ?? 0
    }

    func colourStyle(_ index: Int) -> String {
        let fallbacks = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
        return "var(--series-\(index % 8 + 1),\(fallbacks[index % 8]))"
    }

    func isPlottable(_ value: Double, _ scale: Scale) -> Bool {
        guard value.isFinite else { return false }
        switch scale {
        case .log10, .log2Size: return value > 0
        case .linear, .log2Exponent: return true
        }
    }

    func transform(_ value: Double, _ scale: Scale) -> Double {
        switch scale {
        case .linear, .log2Exponent: return value
        case .log10: return log10(value)
        case .log2Size: return log2(value)
        }
    }

    func label(_ tick: Double, _ scale: Scale) -> String {
        switch scale {
        case .linear: return NumberFormat.trimmed(tick, digits: 3)
        case .log2Exponent: return NumberFormat.powerOfTwo(tick)
        case .log2Size: return NumberFormat.exact(pow(2, tick))
        case .log10:
            let value = pow(10, tick)
            if tick == tick.rounded() { return tick >= -3 && tick <= 4 ? NumberFormat.exact(value) : "1e\(Int(tick))" }
            return NumberFormat.trimmed(value, digits: 2)
        }
    }

    /// Tick positions (in transformed units) and the axis range they span.
    struct Ticks {
        var values: [Double]
        var low: Double
        var high: Double

        func position(of value: Double) -> Double { high > low ? (value - low) / (high - low) : 0.5 }
    }

    static func ticks(_ raw: [Double], scale: Scale) -> Ticks {
        let plot = SVGPlot(xLabel: "", yLabel: "", xScale: scale, yScale: scale, panels: [], description: "")
        let values = raw.filter { plot.isPlottable($0, scale) }.map { plot.transform($0, scale) }
        guard var low = values.min(), var high = values.max() else { return Ticks(values: [0, 1], low: 0, high: 1) }
        if high - low < 1e-12 {
            let pad = scale == .linear ? max(abs(low) * 0.1, 0.5) : 0.5
            low -= pad; high += pad
        }
        switch scale {
        case .log2Exponent, .log2Size:
            low = floor(low); high = ceil(high)
            let step = max(1, ceil((high - low) / 8))
            let ticks = stride(from: low, through: high, by: step).map { $0 }
            return Ticks(values: ticks, low: low, high: max(high, ticks.last ?? high))
        case .log10 where high - low >= 1:
            low = floor(low); high = ceil(high)
            let step = max(1, ceil((high - low) / 6))
            return Ticks(values: stride(from: low, through: high, by: step).map { $0 }, low: low, high: high)
        case .log10:
            // Less than a decade: 1-2-5 values inside the range, else plain 1-2-5 linear ticks.
            let decade = floor(low)
            var candidates: [Double] = []
            for power in [decade - 1, decade, decade + 1] {
                for mantissa in [1.0, 2, 5] { candidates.append(log10(mantissa) + power) }
            }
            var ticks = candidates.filter { $0 >= low - 1e-9 && $0 <= high + 1e-9 }
            if ticks.count < 3 {
                ticks = niceTicks(pow(10, low), pow(10, high)).filter { $0 > 0 }.map(log10)
                    .filter { $0 >= low - 1e-9 && $0 <= high + 1e-9 }
            }
            let pad = (high - low) * 0.05
            return Ticks(values: ticks, low: low - pad, high: high + pad)
        case .linear:
            let ticks = niceTicks(low, high)
            return Ticks(values: ticks, low: ticks.first ?? low, high: ticks.last ?? high)
        }
    }

    /// 1-2-5 ticks covering [low, high], about five of them.
    static func niceTicks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        let rough = span / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        let first = floor(low / step) * step
        var ticks: [Double] = []
        var index = 0.0
        while first + index * step <= high + step * 0.999, ticks.count < 20 {
            // NOTE: computed from the index, not accumulated, so ticks are exact multiples.
            let value = ((first + index * step) / step).rounded() * step
            ticks.append(value == 0 ? 0 : value)
            index += 1
        }
        return ticks
    }
}

/// A coordinate with one decimal: stable text, small files.
func f(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(format: "%.1f", rounded)
}
