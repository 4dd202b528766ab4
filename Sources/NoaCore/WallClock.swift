#if canImport(Glibc)
import Glibc
#endif

/// The realtime clock in nanoseconds since the Unix epoch, for timestamps on records (`event.created`). Components
/// take it as an injected `() -> Int64` so tests pass a fixed time.
public enum WallClock {
    public static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
