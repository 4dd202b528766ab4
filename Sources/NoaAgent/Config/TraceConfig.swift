import NoaHTTP
import NoaSinks
import NoaTraces

/// `type: otlp` as a source: OTLP/HTTP on `listen` (`/v1/traces`, `/v1/metrics`, `/v1/logs`).
public struct OTLPSourceConfig: Sendable, Equatable {
    public var listen: ListenAddress
    public var maxBodyBytes: Int
    public var traces: TraceProcessingConfig

    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 4318), maxBodyBytes: Int = 16 << 20,
        traces: TraceProcessingConfig = TraceProcessingConfig()
    ) {
        self.listen = listen
        self.maxBodyBytes = maxBodyBytes
        self.traces = traces
    }
}

/// `type: zipkin` as a source: Zipkin v2 JSON on `listen` (`/api/v2/spans`).
public struct ZipkinSourceConfig: Sendable, Equatable {
    public var listen: ListenAddress
    public var maxBodyBytes: Int
    public var traces: TraceProcessingConfig

    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9411), maxBodyBytes: Int = 16 << 20,
        traces: TraceProcessingConfig = TraceProcessingConfig()
    ) {
        self.listen = listen
        self.maxBodyBytes = maxBodyBytes
        self.traces = traces
    }
}

/// What a trace source does to its spans before the sinks: span metrics, then head or tail sampling.
public struct TraceProcessingConfig: Sendable, Equatable {
    /// Head sampling ratio (consistent by trace id); nil keeps every span.
    public var headSamplingRatio: Double?
    /// Tail sampling; nil: off.
    public var tailSampling: TailSampler.Configuration?
    /// Span metrics; nil: off.
    public var spanMetrics: SpanMetrics.Configuration?

    public init(
        headSamplingRatio: Double? = nil, tailSampling: TailSampler.Configuration? = nil,
        spanMetrics: SpanMetrics.Configuration? = SpanMetrics.Configuration()
    ) {
        self.headSamplingRatio = headSamplingRatio
        self.tailSampling = tailSampling
        self.spanMetrics = spanMetrics
    }
}

/// `type: otlp` as a sink: OTLP/HTTP protobuf to `endpoint` + `/v1/traces` (Jaeger, Tempo, a Collector).
public struct OTLPSinkConfig: Sendable, Equatable {
    public var endpoint: String
    public var inputs: [String]
    public var headers: [String: String]
    public var compression: Bool
    public var queue: TraceQueueConfig
    /// How an `https://` endpoint is verified (`tls:`); nil: the system trust store, full verification.
    public var tls: TLSConfig?

    public init(endpoint: String, inputs: [String], headers: [String: String] = [:], compression: Bool = true,
                queue: TraceQueueConfig = TraceQueueConfig(), tls: TLSConfig? = nil) {
        self.endpoint = endpoint
        self.inputs = inputs
        self.headers = headers
        self.compression = compression
        self.queue = queue
        self.tls = tls
    }

    /// The settings of the `NIOHTTPTransport` this sink sends through.
    public var transportConfiguration: NIOHTTPTransport.Configuration {
        NIOHTTPTransport.Configuration(tls: tls ?? TLSConfig())
    }
}

/// `type: zipkin` as a sink: Zipkin v2 JSON to `endpoint` (`http://host:9411/api/v2/spans`).
public struct ZipkinSinkConfig: Sendable, Equatable {
    public var endpoint: String
    public var inputs: [String]
    public var compression: Bool
    public var queue: TraceQueueConfig
    /// How an `https://` endpoint is verified (`tls:`); nil: the system trust store, full verification.
    public var tls: TLSConfig?

    public init(endpoint: String, inputs: [String], compression: Bool = true, queue: TraceQueueConfig = TraceQueueConfig(),
                tls: TLSConfig? = nil) {
        self.endpoint = endpoint
        self.inputs = inputs
        self.compression = compression
        self.queue = queue
        self.tls = tls
    }

    /// The settings of the `NIOHTTPTransport` this sink sends through.
    public var transportConfiguration: NIOHTTPTransport.Configuration {
        NIOHTTPTransport.Configuration(tls: tls ?? TLSConfig())
    }
}

/// A trace sink's inlet and batching: the inlet holds up to `queueSize` requests and `queueSpans` spans, whichever
/// comes first (requests vary from one span to thousands, so the span bound is what bounds memory: about 1 KiB a
/// span); receivers answer 429 when it is full. Batches go out at `batchSize` groups or after `batchTimeout`;
/// retries give up after `maxElapsedRetry` (nil: never, while the agent runs); up to `maxInFlight` exports are
/// sent at once.
public struct TraceQueueConfig: Sendable, Equatable {
    public var queueSize: Int
    public var queueSpans: Int
    public var maxInFlight: Int
    public var batchSize: Int
    public var batchTimeout: Duration
    public var maxElapsedRetry: Duration?

    public init(queueSize: Int = 1000, queueSpans: Int = 50_000, batchSize: Int = 64,
                batchTimeout: Duration = .milliseconds(200), maxElapsedRetry: Duration? = nil, maxInFlight: Int = 2) {
        self.queueSize = queueSize
        self.queueSpans = queueSpans
        self.maxInFlight = max(1, maxInFlight)
        self.batchSize = batchSize
        self.batchTimeout = batchTimeout
        self.maxElapsedRetry = maxElapsedRetry
    }
}
