#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in seconds, for durations and expiry that must not jump with the wall clock.
public enum MonotonicClock {
    /// CLOCK_MONOTONIC: for measuring durations (collector scrape times).
    @inline(__always)
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// CLOCK_MONOTONIC_COARSE: a few milliseconds of resolution for a fraction of the cost, for bookkeeping read on
    /// every sample (StatsD series' last-update times for TTL expiry).
    @inline(__always)
    public static func coarseSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
