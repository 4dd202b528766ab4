import Synchronization
import NoaCore

/// What every push sink's runner counts (ARCHITECTURE.md principle 7): what its destination took, the requests
/// and retries, what was refused for good and what was given up on, and what waits in its inlet. The names of
/// these families are written here only; a sink's own counters (Elasticsearch's per-item statuses, a file sink's
/// write errors) are declared beside it, in its own folder.
public struct SinkMetrics: Sendable {
    /// The registry to serve: `noa_sink_*` with the sink's `component_id` and the pipeline's `signal`.
    public let registry: SelfMetrics
    /// Items the destination took (including 409 "already there").
    public let sentItems: Counter
    /// Requests sent (successful or not).
    public let requests: Counter
    /// Requests that failed as a whole and were retried.
    public let retries: Counter
    /// Items the destination refused for good, written to the dead-letter file when there is one.
    public let rejectedItems: Counter
    /// Items given up on (retry time exhausted, or refused with no dead-letter file).
    public let droppedItems: Counter
    /// Items a runner has taken from the inlet and not yet acknowledged (batched, on the wire, or waiting to
    /// retry): with the queue depth, where a sink's backlog is while its destination is slow or down.
    public let inFlightItems: InFlightCount

    /// `signal`: the pipeline the sink runs in (`logs`, `traces`): a `file` or `console` sink may run in both,
    /// with one set of counters in each. `queueDepth`: the batches waiting in its inlet.
    public init(registry: SelfMetrics, signal: String?, queueDepth: @escaping @Sendable () -> Int = { 0 }) {
        self.registry = registry
        let labels = signal.map { [Label("signal", $0)] } ?? []
        sentItems = registry.counter(
            "noa_sink_sent_items_total", "Items the sink's destination accepted.", labels: labels)
        requests = registry.counter("noa_sink_requests_total", "Requests the sink sent.", labels: labels)
        retries = registry.counter("noa_sink_retries_total", "Failed requests the sink will retry.", labels: labels)
        rejectedItems = registry.counter(
            "noa_sink_rejected_items_total", "Items the destination refused for good (dead-lettered).", labels: labels)
        droppedItems = registry.counter("noa_sink_dropped_items_total", "Items the sink gave up on.", labels: labels)
        registry.gauge(
            "noa_sink_queue_batches", "Batches waiting in the sink's inlet.", labels: labels,
            read: { Double(queueDepth()) })
        let inFlight = InFlightCount()
        inFlightItems = inFlight
        registry.gauge(
            "noa_sink_in_flight_items", "Items taken from the inlet and not yet acknowledged (sending or retrying).",
            labels: labels, read: { Double(inFlight.value) })
    }

    /// Counters of their own, for a runner tested alone.
    public init(id: String, signal: String? = nil) {
        self.init(registry: SelfMetrics(component: id), signal: signal)
    }
}

/// A count that goes up when a runner takes items and down when it acknowledges them.
public final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public func add(_ n: Int) { count.wrappingAdd(n, ordering: .relaxed) }
    public func remove(_ n: Int) { count.wrappingSubtract(n, ordering: .relaxed) }
    public var value: Int { count.load(ordering: .relaxed) }
}
