/// A pipe table's caption: a paragraph `Table: text {#tbl-label}` (or `: text {#tbl-label}`)
/// directly above or below the table, separated from it by a blank line.
///
/// The `Table:`/`:` forms are pandoc's `table_captions` extension; the trailing `{#label}` is
/// Quarto's. A labelled table is numbered in document order ("Table 2: text") and cited with
/// `@tbl-label` or `[@tbl-label]`; an unlabelled caption is shown without a number. Recognised
/// over the lines of one cmark paragraph, like `PipeTable`.
struct TableCaption: Equatable {
    /// The caption's Markdown after `Table:` (or `:`), label removed, lines joined by spaces.
    var text: [UInt8]
    /// The label without `{#` and `}`, if the caption ends with one.
    var label: String?

    /// The caption in `lines` (a paragraph's lines without container prefixes and line breaks),
    /// or `nil` when the paragraph does not start with `Table:` or `:` followed by a space.
    init?(_ lines: [ArraySlice<UInt8>]) {
        guard let first = lines.first else { return nil }
        let prefix: [UInt8]
        if first.starts(with: Array("Table: ".utf8)) || first.elementsEqual(Array("Table:".utf8)) {
            prefix = Array("Table:".utf8)
        } else if first.starts(with: Array(": ".utf8)) {
            prefix = Array(":".utf8)
        } else {
            return nil
        }
        var joined: [UInt8] = Array(first.dropFirst(prefix.count))
        for line in lines.dropFirst() { joined += [UInt8(ascii: " ")] + Array(line) }
        while let last = joined.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { joined.removeLast() }
        label = nil
        if joined.last == UInt8(ascii: "}"), let open = Self.labelStart(joined) {
            label = String(decoding: joined[(open + 2)..<(joined.count - 1)], as: UTF8.self)
            joined.removeSubrange(open...)
        }
        while let first = joined.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { joined.removeFirst() }
        while let last = joined.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { joined.removeLast() }
        text = joined
    }

    /// The index of the `{#` of a `{#id}` that ends `bytes`, preceded by a space or the start.
    private static func labelStart(_ bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0, isIDByte(bytes[index]) { index -= 1 }
        guard index >= 1, index < bytes.count - 2, bytes[index] == UInt8(ascii: "#"), bytes[index - 1] == UInt8(ascii: "{")
        else { return nil }
        let open = index - 1
        return open == 0 || bytes[open - 1] == UInt8(ascii: " ") || bytes[open - 1] == UInt8(ascii: "\t") ? open : nil
    }
}
