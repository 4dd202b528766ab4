import NoaCore
/// Exponential backoff with jitter (the OpenTelemetry Collector's exporterhelper defaults), honouring a server's
/// `Retry-After` when it gives one.
public struct RetryPolicy: Sendable, Equatable {
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double
    /// The fraction of each delay that is randomised (0.2: ±20%), so many agents don't retry in step.
    public var jitter: Double
    /// Give up on a batch after this long (counted as dropped); nil retries until the sink recovers, which is
    /// what a journal source wants (the journal is the buffer; its checkpoint does not move meanwhile).
    public var maxElapsed: Duration?

    public init(
        initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 0.2, maxElapsed: Duration? = nil
    ) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxElapsed = maxElapsed
    }

    /// The wait before retry number `attempt` (1 for the first retry). A server's `Retry-After` wins, capped at
    /// ten times `maxBackoff` so a bogus header can't park a sink for a day.
    public func delay(attempt: Int, retryAfter: Duration?, random: inout some RandomNumberGenerator) -> Duration {
        if let retryAfter { return min(retryAfter, maxBackoff * 10) }
        let base = Double(initialBackoff.nanoseconds) * pow(multiplier, Double(max(0, attempt - 1)))
        let capped = min(base, Double(maxBackoff.nanoseconds))
        let spread = capped * jitter
        let value = spread > 0 ? Double.random(in: (capped - spread)...(capped + spread), using: &random) : capped
        return .nanoseconds(Int64(max(0, value)))
    }
}

/// When a sink runner sends what it has gathered: `maxItems` items, `maxBytes` estimated bytes, or `maxDelay`
/// after the first item arrived, whichever comes first.
public struct BatchPolicy: Sendable, Equatable {
    public var maxItems: Int
    public var maxBytes: Int
    public var maxDelay: Duration

    public init(maxItems: Int = 1000, maxBytes: Int = 5 << 20, maxDelay: Duration = .seconds(1)) {
        self.maxItems = max(1, maxItems)
        self.maxBytes = max(1, maxBytes)
        self.maxDelay = maxDelay
    }
}


private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var i = 0.0
    while i < exponent {
        result *= base
        i += 1
        if result > 1e30 { break }
    }
    return result
}
