import Logging
import Synchronization

/// Logs the first occurrence of a failure and then every `every`-th one, never one line per event
/// (ARCHITECTURE.md principle 7). Keys separate independent failures (a collector name, a reason).
public final class RateLimitedLogger: Sendable {
    public let logger: Logger
    public let every: Int
    private let counts = Mutex<[String: Int]>([:])

    public init(logger: Logger, every: Int = 100) {
        self.logger = logger
        self.every = max(1, every)
    }

    /// Counts one occurrence of `key` and logs it if it is the first or an `every`-th one.
    /// Returns whether a line was written.
    @discardableResult
    public func log(
        _ level: Logger.Level, key: String, _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:]
    ) -> Bool {
        let count = counts.withLock { counts -> Int in
            let next = (counts[key] ?? 0) + 1
            counts[key] = next
            return next
        }
        guard count == 1 || count % every == 0 else { return false }
        var meta = metadata()
        meta["occurrences"] = "\(count)"
        logger.log(level: level, message(), metadata: meta)
        return true
    }

    /// Forgets `key`, so its next failure is logged again (call when the failure has cleared).
    public func reset(key: String) {
        _ = counts.withLock { $0.removeValue(forKey: key) }
    }
}
