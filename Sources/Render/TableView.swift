/// A results table: rendered as `<table class="results">` with `<caption>` and `<thead>`, and as
/// CSV beside the page.
///
/// Number columns are right-aligned (`td.number`); the best value of a column carries
/// `class="best"` and a ★ marker. CSV keeps plain values (full precision, empty when missing);
/// the marker is HTML-only.
public struct TableView: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var isNumber: Bool

        public init(_ title: String, isNumber: Bool) {
            self.title = title
            self.isNumber = isNumber
        }
    }

    public struct Cell: Sendable {
        /// What the HTML shows (`0.512`, `diverged @ step 12`, `NaN`).
        public var text: String
        /// What the CSV holds (full precision number, empty for missing, or the text).
        public var csv: String
        public var isBest = false

        public init(text: String, csv: String? = nil, isBest: Bool = false) {
            self.text = text
            self.csv = csv ?? text
            self.isBest = isBest
        }
    }

    public var caption: String
    public var columns: [Column]
    public var rows: [[Cell]]

    public init(caption: String, columns: [Column], rows: [[Cell]]) {
        self.caption = caption
        self.columns = columns
        self.rows = rows
    }

    /// The first column is a row header (`<th scope="row">`).
    public func html() -> String {
        var out = "<table class=\"results\">\n<caption>\(HTMLEscaping.escape(caption))</caption>\n<thead><tr>"
        for column in columns {
            out += "<th scope=\"col\"\(column.isNumber ? " class=\"number\"" : "")>\(HTMLEscaping.escape(column.title))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                let isNumber = index < columns.count && columns[index].isNumber
                var classes: [String] = []
                if isNumber { classes.append("number") }
                if cell.isBest { classes.append("best") }
                let attributes = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                let text = HTMLEscaping.escape(cell.text) + (cell.isBest ? "<span class=\"marker\" title=\"best\"> ★</span>" : "")
                out += index == 0 ? "<th scope=\"row\"\(attributes)>\(text)</th>" : "<td\(attributes)>\(text)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out
    }

    /// RFC 4180 CSV: a header row, then the rows; LF line ends.
    public func csv() -> String {
        func quote(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = columns.map { quote($0.title) }.joined(separator: ",") + "\n"
        for row in rows { out += row.map { quote($0.csv) }.joined(separator: ",") + "\n" }
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
