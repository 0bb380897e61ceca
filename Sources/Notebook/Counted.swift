/// `1 point`, `2 points`, `0 points`: a count with its noun in agreement, for every message,
/// progress line and `check` listing.
///
/// - Parameter plural: the plural when it is not `noun + "s"`.
public func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}
