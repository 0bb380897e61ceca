/// Engine identity for result caches.
public enum Engine {
    /// Bumped whenever results for the same configuration could change; part of cache keys.
    public static let version = "1.2.0"
}
