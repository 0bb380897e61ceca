/// Finding and replacing placeholder tokens (`U+E000 n U+E001`) in text.
public enum PlaceholderText {
    /// `text` with each inline token replaced by `replacement(n)`; fillers are dropped.
    public static func replacingTokens(in text: String, _ replacement: (Int) -> String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0xE000 && $0.value <= 0xE003 }) else { return text }
        var result = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case Placeholder.inlineStart:
                var number = 0
                while let digit = scalars.next(), digit != Placeholder.end {
                    number = number * 10 + Int(digit.value) - 48
                }
                result.append(contentsOf: replacement(number).unicodeScalars)
            case Placeholder.filler:
                continue
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }
}
