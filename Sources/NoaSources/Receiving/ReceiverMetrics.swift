import NoaCore

/// Counters of one push receiver (OTLP, Zipkin), served on `/metrics`: items accepted, rejected as invalid,
/// refused because the pipeline was full, and dropped for want of a sink, per signal; requests by path and status.
public final class ReceiverMetrics: Sendable {
    public let id: String
    public let registry: SelfMetrics
    private let itemCounts: CounterVector
    private let requestCounts: CounterVector

    public init(id: String) {
        self.id = id
        registry = SelfMetrics(component: id)
        itemCounts = registry.counters(
            "noa_receiver_items_total",
            "Spans, metric points and log records a push receiver accepted, rejected as invalid, or refused because the pipeline was full.",
            labels: ["signal", "outcome"])
        requestCounts = registry.counters(
            "noa_receiver_requests_total", "HTTP requests a push receiver answered, by path and status code.",
            labels: ["path", "code"])
    }

    public func items(_ signal: String, _ outcome: String, _ n: Int) {
        guard n > 0 else { return }
        itemCounts.child([signal, outcome]).add(n)
    }

    public func request(_ path: String, code: Int) {
        requestCounts.child([path, String(code)]).add()
    }

    public func count(_ signal: String, _ outcome: String) -> Int {
        itemCounts.value(signal, outcome)
    }
}
