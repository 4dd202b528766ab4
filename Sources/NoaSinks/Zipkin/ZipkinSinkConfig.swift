import NoaComponents
import NoaCore
import NoaHTTP

/// `type: zipkin` as a sink: Zipkin v2 JSON to `endpoint` (`http://host:9411/api/v2/spans`).
public struct ZipkinSinkConfig: TraceExporterConfiguration {
    public static let typeName = "zipkin"
    public static let keys = exporterKeys
    public static let exampleEndpoint = "http://127.0.0.1:9411/api/v2/spans"

    public var endpoint: String
    public var inputs: [String]
    public var compression: Bool
    public var queue: TraceQueueConfig
    /// How an `https://` endpoint is verified (`tls:`); nil: the system trust store, full verification.
    public var tls: TLSConfig?

    public init(endpoint: String, inputs: [String]) {
        self.init(endpoint: endpoint, inputs: inputs, compression: true)
    }

    public init(endpoint: String, inputs: [String], compression: Bool, queue: TraceQueueConfig = TraceQueueConfig(),
                tls: TLSConfig? = nil) {
        self.endpoint = endpoint
        self.inputs = inputs
        self.compression = compression
        self.queue = queue
        self.tls = tls
    }

    public static func read(_ map: ConfigMap) -> ZipkinSinkConfig? { readExporter(map) }

    public func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans> {
        let client = client(context)
        let exporter = ZipkinExporter(
            endpoint: endpoint, compression: compression, transport: client.transport,
            logger: RateLimitedLogger(logger: context.logger))
        return queue.pushSink(exporter, context, onStop: client.release)
    }
}
