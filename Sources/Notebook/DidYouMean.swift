/// "Did you mean" hints: the one closeness rule for every name an author can mistype (block
/// keys, front matter keys, views, quantities, blocks, parametrizations).
public enum DidYouMean {
    /// The candidate closest to `word` within edit distance max(2, a third of its length),
    /// comparing case-insensitively with `_` and `-` alike; nil when none is that close.
    ///
    /// ```swift
    /// DidYouMean.suggestion(for: "best_lrr", among: ["best_lr", "best_loss"])  // "best_lr"
    /// ```
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased().replacingOccurrences(of: "_", with: "-")
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let normalized = candidate.lowercased().replacingOccurrences(of: "_", with: "-")
            let distance = editDistance(lowered, normalized)
            // Not a whole replacement: `b` → `id` or `x` → `lr` is no near miss.
            if distance <= max(2, normalized.count / 3), distance < max(lowered.count, normalized.count),
               distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Edit distance over Unicode scalars: insertions, deletions, substitutions and swaps of two
    /// adjacent scalars cost 1 (the optimal string alignment distance, Damerau's restricted
    /// form). NOTE: plain Levenshtein counted a swap as 2, so `@bda` for `bad` (2 of 3) was not
    /// a near miss, though a swap is among the commonest typos.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1,
                                       previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = Swift.min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            beforePrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
