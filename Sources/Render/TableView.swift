/// A results table: rendered as `<figure class="table">` holding a `<figcaption>` and a scroll
/// wrapper around `<table class="results">`, and as CSV beside the page.
///
/// The caption sits outside the wrapper, so it stays put when a wide table scrolls; the first
/// column is sticky. Every cell carries its column's title as `data-label`, which the style
/// sheet shows when a phone stacks each row into a card (no column is ever off screen).
/// Number columns are right-aligned (`td.number`); the best value of a column carries
/// `class="best"` and a ★ marker. CSV keeps plain values (full precision, empty when missing);
/// the marker is HTML-only. Captions and column TeX go through ``MathText``.
public struct TableView: Sendable {
    public struct Column: Sendable {
        /// Plain text: the CSV header and the label of a stacked cell.
        public var title: String
        public var isNumber: Bool
        /// The heading as HTML shows it, with `$…$` math (``MathText``); nil: `title`.
        public var heading: String?
        /// Plain text a reader sees beside a stacked cell (phones); nil: the heading without
        /// its `$`s (`$L$` → `L`), else `title` (also for a heading with a TeX macro: `$\eta$`).
        public var readerLabel: String?

        public init(_ title: String, isNumber: Bool, heading: String? = nil, label: String? = nil) {
            self.title = title
            self.isNumber = isNumber
            self.heading = heading
            self.readerLabel = label
        }

        /// The `data-label` of this column's cells.
        var label: String { readerLabel ?? heading.flatMap { $0.contains("\\") ? nil : $0.replacingOccurrences(of: "$", with: "") } ?? title }
    }

    public struct Cell: Sendable {
        /// What the HTML shows (`0.512`, `diverged @ step 12`, `NaN`).
        public var text: String
        /// What the CSV holds (full precision number, empty for missing, or the text).
        public var csv: String
        /// An axis value as the page shows it, in the spec's ASCII (`2^-9`, `<= 2^-13`): the CSV
        /// then has two columns for this one, this text under the column's title and ``csv``
        /// (the number) under `TITLE (numeric)`.
        public var shown: String?
        public var isBest = false

        public init(text: String, csv: String? = nil, shown: String? = nil, isBest: Bool = false) {
            self.text = text
            self.csv = csv ?? text
            self.shown = shown
            self.isBest = isBest
        }

        /// A learning rate: `2⁻⁹` on the page; `2^-9` and its exact value in the CSV.
        public static func learningRate(_ rate: Double, edge: BlockAnalysis.GridEdge? = nil) -> Cell {
            let ascii = NumberFormat.learningRate(rate, ascii: true)
            let shown: String
            switch edge {
            case .low: shown = "<= " + ascii
            case .high: shown = ">= " + ascii
            case nil: shown = ascii
            }
            return Cell(text: NumberFormat.bound(NumberFormat.learningRate(rate), edge), csv: NumberFormat.exact(rate), shown: shown)
        }
    }

    public var caption: String
    public var columns: [Column]
    public var rows: [[Cell]]
    /// Which panel or part of its view this table holds, as a file-name part (`sp`,
    /// `depth-mup.width-64`, `slopes`): its CSV is `NAME.<block>.<view>.<panel>.csv` when the view
    /// has several tables. See ``fileNamePart(_:)``.
    public var panel: String?

    public init(caption: String, columns: [Column], rows: [[Cell]], panel: String? = nil) {
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.panel = panel.map(Self.fileNamePart)
    }

    /// `text` as a file-name part: letters, digits, `.`, `_` and `-` kept, ` · ` (between a
    /// partition's axes) becomes `.`, `=` and every other run of characters one `-`;
    /// `depth-mup · width=64` → `depth-mup.width-64`, `α=0.5 γ=0` → `0.5-0`.
    public static func fileNamePart(_ text: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in text.replacingOccurrences(of: " · ", with: ".").unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar) {
                if pendingDash, !out.isEmpty, out.last != "." { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? "all" : out
    }

    /// The first column is a row header (`<th scope="row">`).
    public func html() -> String {
        var out = "<figure class=\"table\">\n<figcaption>\(MathText.html(caption))</figcaption>\n"
        out += "<div class=\"table-scroll\">\n"
        out += "<table class=\"results\(fitsAPhone ? "" : " reflow")\">\n<thead><tr>"
        for column in columns {
            out += "<th scope=\"col\"\(column.isNumber ? " class=\"number\"" : "")>\(column.heading.map(MathText.html) ?? HTMLEscaping.escape(column.title))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                let isNumber = index < columns.count && columns[index].isNumber
                var classes: [String] = []
                if isNumber { classes.append("number") }
                if cell.isBest { classes.append("best") }
                var attributes = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                // A row header that is a value too: on a phone it heads the card, and a bare
                // `2⁻¹⁴` did not say it is η (fresh-user review); the style writes `η = 2⁻¹⁴`.
                // A row named in words (`spread (octaves)`) keeps its name alone.
                let isValue = cell.text.first.map { $0.isNumber || "≤≥≈−-".contains($0) } ?? false
                if index < columns.count, index > 0 || (isValue && !columns[index].label.isEmpty) {
                    attributes += " data-label=\"\(HTMLEscaping.escape(columns[index].label))\""
                }
                // Named by the column's label, not "its column": on a phone a row is a card.
                let best = index > 0 && index < columns.count && !columns[index].label.isEmpty ? "lowest for \(columns[index].label)" : "lowest"
                let text = HTMLEscaping.escape(cell.text) + (cell.isBest ? "<span class=\"marker\" title=\"\(HTMLEscaping.escape(best))\"> ★</span>" : "")
                out += index == 0 ? "<th scope=\"row\"\(attributes)>\(text)</th>" : "<td\(attributes)>\(text)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n</div>\n</figure>\n"
        return out
    }

    /// Whether the table fits a 390 px phone as a table: ``estimatedWidth`` ≤ 330 px (the column
    /// is about 345 px there). Tables that do not get class `reflow`, which the style sheet
    /// stacks into one card per row on narrow screens.
    var fitsAPhone: Bool { estimatedWidth <= 330 }

    /// The table's width in CSS px, estimated from its texts: about 8 px a character (the
    /// table's 0.9em font) for each column's widest heading or cell, at most 24 characters
    /// (longer texts wrap), plus 19 px of cell padding per column. Views keep it under the
    /// 710 px column a 1280 px screen gives a page (``ResultViewsTests``); BrowserTests measures
    /// the real width.
    var estimatedWidth: Int {
        var width = 0
        for (index, column) in columns.enumerated() {
            let header = (column.heading ?? column.title).filter { $0 != "$" && $0 != "\\" }.count
            let cells = rows.map { $0.indices.contains(index) ? $0[index].text.count + ($0[index].isBest ? 2 : 0) : 0 }.max() ?? 0
            width += 8 * min(max(header, cells), 24) + 19
        }
        return width
    }

    /// RFC 4180 CSV: a header row, then the rows; LF line ends. A column whose cells carry
    /// ``Cell/shown`` text is two: that text (`2^-9`) under its title, the number under
    /// `TITLE (numeric)`.
    public func csv() -> String {
        func quote(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let twin = columns.indices.map { index in rows.contains { $0.indices.contains(index) && $0[index].shown != nil } }
        var header: [String] = []
        for (index, column) in columns.enumerated() {
            header.append(quote(column.title))
            if twin[index] { header.append(quote("\(column.title) (numeric)")) }
        }
        var out = header.joined(separator: ",") + "\n"
        for row in rows {
            var fields: [String] = []
            for (index, cell) in row.enumerated() {
                let doubled = index < twin.count && twin[index]
                fields.append(quote(doubled ? cell.shown ?? cell.csv : cell.csv))
                if doubled { fields.append(quote(cell.csv)) }
            }
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Marks the lowest finite number in column `column` among `rows` (ties: the first).
    static func markBest(_ rows: inout [[Cell]], column: Int, values: [Double?]) {
        var best: (row: Int, value: Double)?
        for (row, value) in values.enumerated() {
            guard let value, value.isFinite else { continue }
            if let current = best, current.value <= value { continue }
            best = (row, value)
        }
        if let best { rows[best.row][column].isBest = true }
    }
}
