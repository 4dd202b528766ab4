import NoaComponents
import NoaCore
import NoaHTTP

/// What the HTTP trace sinks (`otlp`, `zipkin`) share: the endpoint, compression, the queue and TLS, read from the
/// same keys; each adds its own (OTLP its headers) and its exporter.
public protocol TraceExporterConfiguration: TraceSinkConfiguration {
    var endpoint: String { get set }
    var compression: Bool { get set }
    var queue: TraceQueueConfig { get set }
    var tls: TLSConfig? { get set }
    /// A URL for the error message when `endpoint` is missing.
    static var exampleEndpoint: String { get }
    init(endpoint: String, inputs: [String])
}

extension TraceExporterConfiguration {
    /// The keys every trace exporter reads.
    public static var exporterKeys: [String] { ["endpoint", "compression", "tls"] + TraceQueueConfig.keys }

    /// The shared keys.
    public static func readExporter(_ map: ConfigMap) -> Self {
        var config = Self(
            endpoint: map.url("endpoint", example: exampleEndpoint) ?? "",
            inputs: map.inputs(missing: "name the sources this sink takes spans from"))
        if let compression = map.compression() { config.compression = compression }
        config.queue = TraceQueueConfig.read(map)
        if map["tls"] != nil { config.tls = map.tls() }
        return config
    }

    /// The HTTP client to send through: with a `tls:` block, one of its own with those settings (a CA bundle, a
    /// client certificate), released when the sink stops; else the agent's shared one.
    func client(_ context: SinkContext) -> HTTPClients.Lease {
        tls.warnIfInsecure(context.logger)
        return context.services.http.client(tls.map { NIOHTTPTransport.Configuration(tls: $0) })
    }
}
