import Synchronization

/// A bound on what a queue holds measured in items rather than envelopes: a trace sink's inlet counts requests,
/// and one request may carry 10 spans or 5000, so the inlet's capacity alone does not bound memory. Producers
/// reserve before sending and the consumer's acknowledgement releases.
public final class QueueBudget: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public var inUse: Int { used.load(ordering: .relaxed) }

    /// Whether `n` more would fit now. An empty queue takes anything, so a request larger than the whole budget
    /// is delayed, never refused forever.
    public func hasRoom(for n: Int) -> Bool {
        let current = used.load(ordering: .relaxed)
        return current == 0 || current + n <= limit
    }

    /// Takes `n` if they fit (see `hasRoom`); false leaves the budget as it was.
    public func reserve(_ n: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while current == 0 || current + n <= limit {
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + n, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    public func release(_ n: Int) {
        used.subtract(n, ordering: .acquiringAndReleasing)
    }
}
