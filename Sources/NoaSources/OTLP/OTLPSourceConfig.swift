import NoaComponents
import NoaCore
import NoaHTTP
import NoaOTLP

/// `type: otlp` as a source: OTLP/HTTP on `listen` (`/v1/traces`, `/v1/metrics`, `/v1/logs`). Spans go to the
/// trace sinks that list the source (through span metrics and sampling, see `TraceProcessingConfig`), log records
/// to its log sinks, and metric points are merged into series its metrics sinks serve.
///
/// ```yaml
/// sources:
///   otlp:
///     type: otlp
///     listen: 127.0.0.1:4318
///     max_body: 16MiB
///     span_metrics: {enabled: true}
/// ```
public struct OTLPSourceConfig: TraceReceiverConfiguration {
    public static let typeName = "otlp"
    public static let emits: Set<SignalKind> = [.traces, .metrics, .logs]

    /// Loopback only: a receiver of pushed data listens beyond the host only when the config says so.
    public var listen = ListenAddress(host: "127.0.0.1", port: 4318)
    public var maxBodyBytes = 16 << 20
    public var traces = TraceProcessingConfig()

    public init() {}

    public var receiving: [String] { Self.urls("\(listen)") }

    static func urls(_ address: String) -> [String] { ["http://\(address)/v1/traces, /v1/metrics, /v1/logs"] }

    public func start(_ context: SourceContext) async throws -> RunningSource {
        let received = ReceiverMetrics(id: context.id)
        let path = traces.makePath(context, received: received)
        let logs: ReceiverOutlet<LogRecord> = context.logs.isWired
            ? .fanout(context.logs) : .unwired { received.items("logs", "dropped_no_sink", $0) }
        // Metric points are merged only when a metrics sink serves them (else they are answered rejected); the
        // series survive a reload that rebuilds the source.
        let store = context.wired.contains(.metrics)
            ? context.services.retained.value(for: context.id, "otlp_metrics", settings: 0) { OTLPMetricsStore(id: context.id) }
            : nil
        let receiver = OTLPHTTPReceiver(
            id: context.id, traces: path.outlet, logs: logs, metrics: store, maxBodyBytes: maxBodyBytes,
            statistics: received, logger: context.logger)
        var data: [any MetricProducer] = []
        if let spanMetrics = path.spanMetrics { data.append(spanMetrics) }
        if let store { data.append(store) }
        var running = try await ReceiverServer.start(
            context, listen: listen, maxBodyBytes: maxBodyBytes, responder: receiver, path: path, received: received,
            data: data, urls: Self.urls)
        if let store { running.selfMetrics.append(store.selfMetrics) }
        return running
    }
}
