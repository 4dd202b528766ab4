import NoaComponents
import NoaHTTP

/// What the HTTP trace receivers (`otlp`, `zipkin`) share: where they listen, the largest body they take, and what
/// they do to spans before the sinks (`TraceProcessingConfig`), read from the same keys.
public protocol TraceReceiverConfiguration: SourceConfiguration {
    var listen: ListenAddress { get set }
    var maxBodyBytes: Int { get set }
    var traces: TraceProcessingConfig { get set }
    /// The defaults.
    init()
}

extension TraceReceiverConfiguration {
    public init(listen: ListenAddress, maxBodyBytes: Int = 16 << 20, traces: TraceProcessingConfig = TraceProcessingConfig()) {
        self.init()
        self.listen = listen
        self.maxBodyBytes = maxBodyBytes
        self.traces = traces
    }

    public static var keys: [String] { ["listen", "max_body"] + TraceProcessingConfig.keys }

    public static func read(_ map: ConfigMap) -> Self? {
        var config = Self()
        if let listen = map.listen() { config.listen = listen }
        if let size = map.size("max_body") { config.maxBodyBytes = size }
        config.traces = TraceProcessingConfig.read(map)
        return config
    }

    public var tcpListeners: [ListenAddress] { [listen] }
}
