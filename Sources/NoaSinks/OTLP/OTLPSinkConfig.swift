import NoaComponents
import NoaCore
import NoaHTTP

/// `type: otlp` as a sink: OTLP/HTTP protobuf to `endpoint` + `/v1/traces` (Jaeger, Tempo, a Collector).
///
/// ```yaml
/// sinks:
///   jaeger:
///     type: otlp
///     inputs: [otlp, zipkin]
///     endpoint: http://jaeger.example:4318
///     headers: {Authorization: "Bearer ${TOKEN}"}
///     compression: gzip          # or none
///     queue_spans: 50000         # and queue_size, max_in_flight, batch_size, batch_timeout, max_retry_time
///     tls: {ca_file: /etc/noa-agent/ca.pem}
/// ```
public struct OTLPSinkConfig: TraceExporterConfiguration {
    public static let typeName = "otlp"
    public static let keys = ["headers"] + exporterKeys
    public static let exampleEndpoint = "http://127.0.0.1:4318"

    public var endpoint: String
    public var inputs: [String]
    public var headers: [String: String]
    public var compression: Bool
    public var queue: TraceQueueConfig
    /// How an `https://` endpoint is verified (`tls:`); nil: the system trust store, full verification.
    public var tls: TLSConfig?

    public init(endpoint: String, inputs: [String]) {
        self.init(endpoint: endpoint, inputs: inputs, headers: [:])
    }

    public init(endpoint: String, inputs: [String], headers: [String: String], compression: Bool = true,
                queue: TraceQueueConfig = TraceQueueConfig(), tls: TLSConfig? = nil) {
        self.endpoint = endpoint
        self.inputs = inputs
        self.headers = headers
        self.compression = compression
        self.queue = queue
        self.tls = tls
    }

    public static func read(_ map: ConfigMap) -> OTLPSinkConfig? {
        var config = readExporter(map)
        for (name, value) in map.stringMap("headers") ?? [] { config.headers[name] = value }
        return config
    }

    public func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans> {
        let client = client(context)
        let metrics = OTLPExporterMetrics(context.selfMetrics())
        let exporter = OTLPTraceExporter(
            endpoint: endpoint, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            compression: compression, transport: client.transport, logger: RateLimitedLogger(logger: context.logger),
            rejectedSpans: metrics.rejectedSpans)
        return queue.pushSink(exporter, context, metrics: [metrics.registry], onStop: client.release)
    }
}

/// The OTLP exporter's own metrics.
struct OTLPExporterMetrics {
    let registry: SelfMetrics
    /// Spans the endpoint answered rejected in a `partial_success` (not retried: OTLP doesn't say which).
    let rejectedSpans: Counter

    init(_ registry: SelfMetrics) {
        self.registry = registry
        rejectedSpans = registry.counter(
            "noa_otlp_exporter_rejected_spans_total",
            "Spans an OTLP endpoint reported rejected in a partial_success (not retried: OTLP does not say which).")
    }
}
