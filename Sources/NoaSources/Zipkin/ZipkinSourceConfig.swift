import NoaComponents
import NoaCore
import NoaHTTP

/// `type: zipkin` as a source: Zipkin v2 JSON on `listen` (`/api/v2/spans`), with the same span metrics and
/// sampling as `otlp` (see `TraceProcessingConfig`).
public struct ZipkinSourceConfig: TraceReceiverConfiguration {
    public static let typeName = "zipkin"
    /// Span metrics make a Zipkin source a metrics producer too.
    public static let emits: Set<SignalKind> = [.traces, .metrics]

    /// Loopback only: a receiver of pushed data listens beyond the host only when the config says so.
    public var listen = ListenAddress(host: "127.0.0.1", port: 9411)
    public var maxBodyBytes = 16 << 20
    public var traces = TraceProcessingConfig()

    public init() {}

    public var receiving: [String] { Self.urls("\(listen)") }

    static func urls(_ address: String) -> [String] { ["http://\(address)/api/v2/spans"] }

    public func start(_ context: SourceContext) async throws -> RunningSource {
        let received = ReceiverMetrics(id: context.id)
        let path = traces.makePath(context, received: received)
        let receiver = ZipkinHTTPReceiver(
            id: context.id, traces: path.outlet, maxBodyBytes: maxBodyBytes, statistics: received, logger: context.logger)
        return try await ReceiverServer.start(
            context, listen: listen, maxBodyBytes: maxBodyBytes, responder: receiver, path: path, received: received,
            data: path.spanMetrics.map { [$0] } ?? [], urls: Self.urls)
    }
}
