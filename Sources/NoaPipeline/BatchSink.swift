/// How one write to a sink failed, which decides what the runner does next.
public enum SinkError: Error, Sendable {
    /// Nothing was taken, try the whole batch again (connection refused, 429, 5xx), after `after` if the server said.
    case retryable(after: Duration?, reason: String)
    /// Nothing was taken and retrying can't help (a 400 for the whole batch): dead-letter or drop, and count.
    case permanent(String)
    /// Some items were taken. `retry`: indexes (into the written items) to send again; `rejected`: indexes the
    /// server refused for good, with its reason. Every index not listed was delivered.
    case partial(retry: [Int], rejected: [(index: Int, reason: String)], after: Duration?)
}

/// A destination that takes a batch in one attempt: no retry and no queue inside (the `SinkRunner` does those),
/// so each sink is small and tested against one exchange.
public protocol BatchSink<Item>: Sendable {
    associatedtype Item: Sendable
    func write(_ items: [Item]) async throws(SinkError)
}
