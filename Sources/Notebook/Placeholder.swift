/// The placeholder tokens: Unicode private-use characters that cmark passes through as plain
/// text, and the one codec that writes and reads them.
///
/// `U+E000 n U+E001` stands for `inlines[n]`; `U+E002 n U+E001` marks heading `n` right after
/// `<hN>`; `U+E003` fills lines that a multi-line span used to occupy (removed with the
/// preceding line break); `U+E004` + LF separates cells in cmark's HTML (never leaves the
/// Notebook module); `U+E005` and `U+E006` open and close a prose (pipe) table, just outside
/// its `<table>…</table>` (a page wraps it in its scroll box, a fragment drops them, so the
/// table's own bytes stay cmark-gfm's). These characters in a notebook file are read as
/// U+FFFD (`isReserved`).
///
/// Every writer (`MathProtection`, `CMarkDocument`) calls `encode`, every reader
/// (`CMarkDocument`, `HTMLRenderer`, `replacingTokens`) calls `decode`: the wire format lives
/// only here. In UTF-8 each character is `EE 80 xx` with `xx` = 80…86.
public enum Placeholder {
    /// One token of the wire format.
    public enum Token: Equatable, Sendable {
        /// `U+E000 n U+E001`: inline item `n` (math, reference, cross-reference).
        case inline(Int)
        /// `U+E002 n U+E001`: heading `n`'s marker, right after `<hN>`.
        case heading(Int)
        /// `U+E003`: a line that a multi-line span used to occupy.
        case filler
        /// `U+E004` + LF: a cell boundary in cmark's HTML.
        case separator
        /// `U+E005`: right before a prose (pipe) table's `<table`.
        case tableStart
        /// `U+E006`: right after that table's `</table>`.
        case tableEnd
    }

    public static let inlineStart: Unicode.Scalar = "\u{E000}"
    public static let end: Unicode.Scalar = "\u{E001}"
    public static let headingStart: Unicode.Scalar = "\u{E002}"
    public static let filler: Unicode.Scalar = "\u{E003}"
    public static let separator: Unicode.Scalar = "\u{E004}"
    public static let tableStart: Unicode.Scalar = "\u{E005}"
    public static let tableEnd: Unicode.Scalar = "\u{E006}"

    /// The UTF-8 lead bytes shared by U+E000…U+E006 (a reader skips to the next `lead.0`).
    public static let lead: (UInt8, UInt8) = (0xEE, 0x80)
    private static let inlineByte: UInt8 = 0x80, endByte: UInt8 = 0x81, headingByte: UInt8 = 0x82
    private static let fillerByte: UInt8 = 0x83, separatorByte: UInt8 = 0x84
    private static let tableStartByte: UInt8 = 0x85, tableEndByte: UInt8 = 0x86

    /// The UTF-8 bytes of `token`.
    public static func encode(_ token: Token) -> [UInt8] {
        var bytes: [UInt8] = []
        append(token, to: &bytes)
        return bytes
    }

    /// Appends the UTF-8 bytes of `token` to `output` (no temporary arrays: one per math span
    /// adds up).
    public static func append(_ token: Token, to output: inout [UInt8]) {
        // Decimal digits, most significant first, without a temporary string.
        func appendNumber(_ number: Int) {
            var divisor = 1
            while divisor <= number / 10 { divisor *= 10 }
            var rest = number
            while divisor > 0 {
                output.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        switch token {
        case .inline(let number), .heading(let number):
            output.append(lead.0)
            output.append(lead.1)
            output.append(token == .inline(number) ? inlineByte : headingByte)
            appendNumber(number)
            output.append(lead.0)
            output.append(lead.1)
            output.append(endByte)
        case .filler:
            output.append(lead.0)
            output.append(lead.1)
            output.append(fillerByte)
        case .separator:
            output.append(lead.0)
            output.append(lead.1)
            output.append(separatorByte)
            output.append(UInt8(ascii: "\n"))
        case .tableStart, .tableEnd:
            output.append(lead.0)
            output.append(lead.1)
            output.append(token == .tableStart ? tableStartByte : tableEndByte)
        }
    }

    /// `token` as a string (for cmark's custom nodes).
    public static func string(_ token: Token) -> String {
        String(decoding: encode(token), as: UTF8.self)
    }

    /// Whether `bytes[index...]` starts with one of the seven reserved characters (3 bytes).
    public static func isReserved(_ bytes: [UInt8], at index: Int) -> Bool {
        bytes.withUnsafeBufferPointer { isReserved($0, at: index) }
    }

    /// `isReserved` on a buffer (the readers that work on a string's UTF-8 in place).
    public static func isReserved(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        index + 2 < bytes.count && bytes[index] == lead.0 && bytes[index + 1] == lead.1
            && bytes[index + 2] >= inlineByte && bytes[index + 2] <= tableEndByte
    }

    /// The token starting at `bytes[index]` and the index just after it, or `nil` when no
    /// complete token starts there (plain text, or a stray `U+E001`).
    ///
    /// A numbered token needs its digits and its closing `U+E001`; a separator needs its LF.
    public static func decode(_ bytes: [UInt8], at index: Int) -> (token: Token, end: Int)? {
        bytes.withUnsafeBufferPointer { decode($0, at: index) }
    }

    /// `decode` on a buffer (the readers that work on a string's UTF-8 in place).
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (token: Token, end: Int)? {
        guard isReserved(bytes, at: index) else { return nil }
        let kind = bytes[index + 2]
        switch kind {
        case fillerByte:
            return (.filler, index + 3)
        case tableStartByte:
            return (.tableStart, index + 3)
        case tableEndByte:
            return (.tableEnd, index + 3)
        case separatorByte:
            guard index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: "\n") else { return nil }
            return (.separator, index + 4)
        case inlineByte, headingByte:
            var cursor = index + 3
            var number = 0
            while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57, number < Int.max / 20 {
                number = number * 10 + Int(bytes[cursor]) - 48
                cursor += 1
            }
            guard cursor > index + 3, cursor + 2 < bytes.count, bytes[cursor] == lead.0, bytes[cursor + 1] == lead.1,
                  bytes[cursor + 2] == endByte else { return nil }
            return (kind == inlineByte ? .inline(number) : .heading(number), cursor + 3)
        default:
            return nil
        }
    }

    /// `text` with each inline token replaced by `replacement(n)`; fillers are dropped, heading
    /// markers, separators and table marks kept.
    public static func replacingTokens(in text: String, _ replacement: (Int) -> String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(lead.0) else { return text }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard let (token, end) = decode(bytes, at: index) else {
                output.append(bytes[index])
                index += 1
                continue
            }
            switch token {
            case .inline(let number): output.append(contentsOf: replacement(number).utf8)
            case .filler: break
            case .heading, .separator, .tableStart, .tableEnd: output.append(contentsOf: bytes[index..<end])
            }
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }
}
