/// Something a metrics sink can gather from at scrape time: a pull source (host metrics), the aggregated state of a
/// push source (StatsD, OTLP metrics), or the agent's own telemetry.
///
/// `gather` may block on file I/O, so sinks call it off their event loops (the Prometheus sink uses a thread pool).
public protocol MetricProducer: Sendable {
    /// The component id, for logs and self-metrics.
    var id: String { get }
    func gather() -> MetricBatch
}
