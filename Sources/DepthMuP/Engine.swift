/// Engine identity for result caches.
public enum Engine {
    /// Bumped whenever results for the same configuration could change; part of cache keys.
    ///
    /// 1.3.0: a frozen input layer projects row by row (sgemv), so x_0 no longer depends on a
    /// row's place in an sgemm batch (last-bit changes on OpenBLAS's Haswell/Zen kernels).
    public static let version = "1.3.0"
}
