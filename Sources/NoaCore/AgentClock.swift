/// The time source of everything whose behaviour depends on time passing: batch delays, retry backoff, tail
/// sampling's decision windows, summary windows, checkpoint flushes. Injected (ARCHITECTURE.md principle 6), so
/// tests drive a manual clock (`NoaTestSupport.ManualClock`) instead of sleeping and polling.
///
/// Instants are `ContinuousClock.Instant`s: the live clock is the system's monotonic clock, and a manual clock
/// moves its own `now` from a fixed origin, so both compare and subtract the same way.
public protocol AgentClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Suspends until `deadline`; throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension AgentClock {
    /// Suspends for `duration` from now.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

/// The system's monotonic clock: the one the agent runs with.
public struct SystemClock: AgentClock {
    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await ContinuousClock().sleep(until: deadline, tolerance: nil)
    }
}
