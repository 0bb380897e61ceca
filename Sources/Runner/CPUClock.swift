import Foundation

/// The calling thread's CPU time (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), in seconds: on a
/// machine shared with other builds the wall clock measures the load as much as the code, so
/// `bench-render` and the fuzzer's one-second limit count CPU time instead.
public enum CPUClock {
    /// CPU seconds the calling thread has used since it started.
    public static func threadSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
