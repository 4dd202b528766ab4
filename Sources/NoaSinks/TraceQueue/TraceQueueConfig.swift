import NoaComponents
import NoaCore
import NoaPipeline

/// A trace sink's inlet and batching (`otlp`, `zipkin`, and `file`/`console` given spans): the inlet holds up to
/// `queueSize` requests and `queueSpans` spans, whichever comes first (requests vary from one span to thousands, so
/// the span bound is what bounds memory: about 1 KiB a span); receivers answer 429 when it is full. Batches go out
/// at `batchSize` groups or after `batchTimeout`; retries give up after `maxElapsedRetry` (nil: never, while the
/// agent runs); up to `maxInFlight` exports are sent at once.
public struct TraceQueueConfig: Sendable, Equatable {
    public var queueSize: Int
    public var queueSpans: Int
    public var maxInFlight: Int
    public var batchSize: Int
    public var batchTimeout: Duration
    public var maxElapsedRetry: Duration?

    /// The keys this reads, for a sink's `keys`.
    public static let keys = ["queue_size", "queue_spans", "max_in_flight", "batch_size", "batch_timeout", "max_retry_time"]

    public init(queueSize: Int = 1000, queueSpans: Int = 50_000, batchSize: Int = 64,
                batchTimeout: Duration = .milliseconds(200), maxElapsedRetry: Duration? = nil, maxInFlight: Int = 2) {
        self.queueSize = queueSize
        self.queueSpans = queueSpans
        self.maxInFlight = max(1, maxInFlight)
        self.batchSize = batchSize
        self.batchTimeout = batchTimeout
        self.maxElapsedRetry = maxElapsedRetry
    }

    public static func read(_ map: ConfigMap) -> TraceQueueConfig {
        var queue = TraceQueueConfig()
        if let v = map.integer("queue_size", in: 1...1_000_000) { queue.queueSize = v }
        if let v = map.integer("queue_spans", in: 1...100_000_000) { queue.queueSpans = v }
        if let v = map.integer("max_in_flight", in: 1...64) { queue.maxInFlight = v }
        if let v = map.integer("batch_size", in: 1...100_000) { queue.batchSize = v }
        if let d = map.duration("batch_timeout") { queue.batchTimeout = d }
        if let d = map.duration("max_retry_time") { queue.maxElapsedRetry = d }
        return queue
    }

    /// `sink` behind this queue: the inlet bounded in requests and spans, `maxInFlight` runners sharing it (spans
    /// have no order to keep, and several exports on the wire at once keep a slow round trip from capping the rate).
    public func pushSink<Sink: BatchSink>(
        _ sink: Sink, _ context: SinkContext, metrics: [any MetricProducer] = [], onStop: @escaping @Sendable () -> Void = {}
    ) -> PushSink<ResourceSpans> where Sink.Item == ResourceSpans {
        var retry = RetryPolicy()
        retry.maxElapsed = maxElapsedRetry
        return .running(
            sink, context,
            inlet: InletLimits(batches: queueSize, maxWeight: queueSpans, weigh: { $0.items.spanCount }),
            batch: BatchPolicy(maxItems: batchSize, maxBytes: 4 << 20, maxDelay: batchTimeout), retry: retry,
            runners: maxInFlight, itemBytes: { $0[$1].estimatedBytes }, metrics: metrics, onStop: onStop)
    }
}
