import Foundation

/// A small inline-SVG line plot: one SVG per panel in a CSS grid, shared axes, an HTML legend,
/// marked optima.
///
/// No JavaScript, no external files. Each panel is its own `<svg>` (300 × 230 viewBox units) so
/// the page's grid (`.plot-panels`) sets them side by side when there is room and stacks them on a
/// phone; at the grid's smallest column (280 CSS px) a 13-unit font is still ≥ 12 CSS px, and
/// strokes and markers scale with it. Colours come from the page's CSS variables
/// (`--series-1` … `--series-8`, `--fg`, `--muted`, `--rule`) with fallbacks, so one SVG reads in
/// light and dark mode and in print. Non-finite points are left out (a curve breaks there).
/// Coordinates are rounded to 0.1 unit so output is stable. Labels may carry `_{…}` and `^{…}`
/// (see ``SVGText``).
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
    /// What the figure shows; each panel's `<title>` and `aria-label` is this plus the panel's title.
    public var description: String
    /// Series names in colour order, so that figures shown together give the same series the
    /// same colour (`t = 5` is green in both coordinate-check plots); nil: order of appearance.
    public var colourOrder: [String]?
    /// Largest value the y axis must show; the axis ends at the first tick at or above it
    /// (``axisTop``), and larger values are drawn as filled triangles (▲) on the top edge, each
    /// series shifted a little sideways so none hides another, and the legend says "above y = …";
    /// so one exploding curve cannot flatten the others. nil: no limit.
    public var yCeiling: Double?

    public init(xLabel: String, yLabel: String, xScale: Scale, yScale: Scale, panels: [Panel], description: String) {
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.panels = panels
        self.description = description
    }

    /// Panel size and margins, viewBox units; `fontSize` for every label (sub/superscripts 12).
    static let panelWidth = 300.0, panelHeight = 236.0, fontSize = 13.0
    static let left = 62.0, right = 14.0, top = 26.0, bottom = 48.0

    /// The top of the y axis when ``yCeiling`` is set: the first tick at or above the ceiling
    /// (so what is drawn on the top edge is exactly what lies above the axis); nil otherwise.
    public var axisTop: Double? {
        guard yCeiling != nil else { return nil }
        let high = yAxisTicks().high
        switch yScale {
        case .linear, .log2Exponent: return high
        case .log10: return pow(10, high)
        case .log2Size: return pow(2, high)
        }
    }

    /// Whether any plotted point lies above ``axisTop`` (then the legend and caption say so).
    public var hasOffScalePoints: Bool {
        guard let top = axisTop else { return false }
        return panels.contains { $0.series.contains { $0.points.contains { $0.y.isFinite && $0.y > top } } }
    }

    func plottablePoints() -> [(x: Double, y: Double)] {
        panels.flatMap { $0.series.flatMap(\.points) }
            .filter { isPlottable($0.x, xScale) && isPlottable($0.y, yScale) }
            .map { point in (x: point.x, y: yCeiling.map { min(point.y, $0) } ?? point.y) }
    }

    func yAxisTicks() -> Ticks { Self.ticks(plottablePoints().map(\.y), scale: yScale) }

    /// The panels (`<div class="plot-panels">` holding one `<svg>` each) and the legend
    /// (`<ul class="legend">`), as HTML.
    public func html() -> String {
        let names = uniqueSeriesNames()
        let plotWidth = Self.panelWidth - Self.left - Self.right
        let plotHeight = Self.panelHeight - Self.top - Self.bottom
        let xTicks = Self.ticks(plottablePoints().map(\.x), scale: xScale)
        let yTicks = yAxisTicks()
        let top = axisTop
        var out = "<div class=\"plot-panels\">\n"
        for panel in panels {
            let name = panel.title.isEmpty ? description : "\(description): \(SVGText.plain(panel.title))"
            out += "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(Self.panelWidth)) \(f(Self.panelHeight))\" "
            out += "role=\"img\" aria-label=\"\(HTMLEscaping.escape(name))\" font-family=\"sans-serif\" font-size=\"\(f(Self.fontSize))\">\n"
            out += "<title>\(HTMLEscaping.escape(name))</title>\n"
            let originX = Self.left, originY = Self.top
            func px(_ x: Double) -> Double { originX + plotWidth * xTicks.position(of: transform(x, xScale)) }
            func py(_ y: Double) -> Double { originY + plotHeight * (1 - yTicks.position(of: transform(y, yScale))) }
            out += "<g class=\"panel\">\n"
            if !panel.title.isEmpty {
                out += "<text x=\"\(f(originX + plotWidth / 2))\" y=\"\(f(originY - 10))\" text-anchor=\"middle\" font-weight=\"bold\">\(SVGText.tspans(panel.title))</text>\n"
            }
            out += "<rect x=\"\(f(originX))\" y=\"\(f(originY))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" style=\"stroke:var(--rule,#ccc)\"/>\n"
            for (tick, text) in zip(xTicks.values, labels(xTicks, xScale)) {
                let x = originX + plotWidth * xTicks.position(of: tick)
                out += "<line x1=\"\(f(x))\" y1=\"\(f(originY + plotHeight))\" x2=\"\(f(x))\" y2=\"\(f(originY + plotHeight + 4))\" style=\"stroke:var(--muted,#666)\"/>"
                out += "<text x=\"\(f(x))\" y=\"\(f(originY + plotHeight + 17))\" text-anchor=\"middle\">\(HTMLEscaping.escape(text))</text>\n"
            }
            for (tick, text) in zip(yTicks.values, labels(yTicks, yScale)) {
                let y = originY + plotHeight * (1 - yTicks.position(of: tick))
                out += "<line x1=\"\(f(originX - 4))\" y1=\"\(f(y))\" x2=\"\(f(originX))\" y2=\"\(f(y))\" style=\"stroke:var(--muted,#666)\"/>"
                out += "<text x=\"\(f(originX - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTMLEscaping.escape(text))</text>\n"
            }
            out += "<text x=\"\(f(originX + plotWidth / 2))\" y=\"\(f(originY + plotHeight + 38))\" text-anchor=\"middle\">\(SVGText.tspans(xLabel))</text>\n"
            let labelX = originX - 48, labelY = originY + plotHeight / 2
            out += "<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(labelX)) \(f(labelY)))\">\(SVGText.tspans(yLabel))</text>\n"
            for series in panel.series {
                let index = colourIndex(of: series.name, names: names)
                let colour = colourStyle(index)
                // Off-scale markers of different series side by side, not on top of each other.
                let shift = (Double(index) - Double(names.count - 1) / 2) * 4.5
                // Runs of plottable points; a non-finite point breaks the line.
                var runs: [[(Double, Double, Double?)]] = [[]]  // (px, py, value when above the ceiling)
                for point in series.points {
                    if isPlottable(point.x, xScale) && isPlottable(point.y, yScale) {
                        let above = top.map { point.y > $0 } ?? false
                        // An off-scale point stands alone: a line along the top edge would read as data.
                        if above, !(runs.last?.isEmpty ?? true) { runs.append([]) }
                        runs[runs.count - 1].append((px(point.x), above ? originY : py(point.y), above ? point.y : nil))
                        if above { runs.append([]) }
                    } else if !(runs.last?.isEmpty ?? true) {
                        runs.append([])
                    }
                }
                out += "<g class=\"series\"><title>\(HTMLEscaping.escape(SVGText.plain(series.name)))</title>\n"
                for run in runs where !run.isEmpty {
                    if run.count > 1 {
                        let path = run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                        out += "<polyline points=\"\(path)\" fill=\"none\" stroke-width=\"2\" style=\"stroke:\(colour)\"/>\n"
                    }
                    for point in run {
                        if let value = point.2 {
                            // The group of markers inside the frame: at the left edge a triangle
                            // would sit on the top y tick label (at the right, past the frame).
                            let spread = Double(names.count - 1) / 2 * 4.5 + 5
                            let x = min(max(point.0, originX + spread), originX + plotWidth - spread) + shift, y = point.1
                            let triangle = "\(f(x)),\(f(y)) \(f(x - 4)),\(f(y + 7)) \(f(x + 4)),\(f(y + 7))"
                            out += "<polygon class=\"off-scale\" points=\"\(triangle)\" style=\"fill:\(colour)\">"
                            out += "<title>above the axis: \(HTMLEscaping.escape(NumberFormat.prose(value, digits: 4)))</title></polygon>"
                        } else {
                            out += "<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"2.6\" style=\"fill:\(colour)\"/>"
                        }
                    }
                    out += "\n"
                }
                if let marked = series.marked, marked < series.points.count {
                    let point = series.points[marked]
                    let offScale = top.map { point.y > $0 } ?? false
                    if !offScale, isPlottable(point.x, xScale) && isPlottable(point.y, yScale) {
                        out += "<circle class=\"optimum\" cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"5.5\" fill=\"none\" stroke-width=\"2\" style=\"stroke:\(colour)\"><title>optimum</title></circle>\n"
                    }
                }
                out += "</g>\n"
            }
            out += "</g>\n</svg>\n"
        }
        out += "</div>\n"
        // The legend is HTML under the panels: it wraps to the width and stays legible.
        out += "<ul class=\"legend\">"
        for name in names {
            out += "<li><span class=\"swatch\" style=\"border-top-color:\(colourStyle(colourIndex(of: name, names: names)))\"></span>\(HTMLEscaping.escape(name))</li>"
        }
        if hasOffScalePoints, let top {
            out += "<li><span class=\"off-scale-key\" aria-hidden=\"true\">▲</span> above y = \(HTMLEscaping.escape(label(transform(top, yScale), yScale)))</li>"
        }
        out += "</ul>\n"
        return out
    }

    /// The plotted values as a table for the CSV beside the page (one row per point: panel,
    /// series, x, y), so every value is reachable without hovering. Off-scale values are given
    /// as measured; x on a `log2Exponent` axis as the rate itself (`2^x`).
    public func dataTable(caption: String) -> TableView {
        var rows: [[TableView.Cell]] = []
        for panel in panels {
            for series in panel.series {
                for point in series.points {
                    let x = xScale == .log2Exponent ? TableView.Cell.learningRate(pow(2, point.x))
                        : TableView.Cell(text: NumberFormat.exact(point.x))
                    rows.append([TableView.Cell(text: SVGText.plain(panel.title)), TableView.Cell(text: series.name),
                                 x, TableView.Cell(text: NumberFormat.exact(point.y))])
                }
            }
        }
        return TableView(caption: caption, columns: [TableView.Column("panel", isNumber: false), TableView.Column("series", isNumber: false),
                                                     TableView.Column(SVGText.plain(xLabel), isNumber: true),
                                                     TableView.Column(SVGText.plain(yLabel), isNumber: true)], rows: rows)
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
        // Okabe–Ito hues, darkened where needed for ≥ 3:1 on white (style.css has the dark set).
        let fallbacks = ["#0072B2", "#A86F00", "#00845F", "#B8588E", "#C44E00", "#8A7A00", "#1D1F23", "#5E4FA2"]
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

    /// The text of one value in transformed units (`tick`), alone (the off-scale key).
    func label(_ tick: Double, _ scale: Scale) -> String { label(tick, scale, powersOfTen: nil) }

    /// The tick labels of one axis, in one notation: on a log10 axis whose decades reach past
    /// 10⁻³…10⁴, every decade is written as a power (`10⁰ 10⁴ 10⁸`), never `1 10000 10⁸`.
    func labels(_ ticks: Ticks, _ scale: Scale) -> [String] {
        let powers = ticks.values.contains { $0 == $0.rounded() && ($0 < -3 || $0 > 4) }
        return ticks.values.map { label($0, scale, powersOfTen: powers) }
    }

    /// - Parameter powersOfTen: on a log10 axis, whether a decade is written `10ⁿ`; nil: only
    ///   outside 10⁻³…10⁴ (`0.001`, `10000`, `10⁵`).
    private func label(_ tick: Double, _ scale: Scale, powersOfTen: Bool?) -> String {
        switch scale {
        case .linear: return NumberFormat.minus(NumberFormat.trimmed(tick, digits: 3))
        case .log2Exponent: return NumberFormat.powerOfTwo(tick)
        case .log2Size: return NumberFormat.exact(pow(2, tick))
        case .log10:
            let value = pow(10, tick)
            guard tick == tick.rounded() else { return NumberFormat.trimmed(value, digits: 2) }
            let power = powersOfTen ?? (tick < -3 || tick > 4)
            return power ? "10" + NumberFormat.superscript(String(Int(tick))) : NumberFormat.exact(value)
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
