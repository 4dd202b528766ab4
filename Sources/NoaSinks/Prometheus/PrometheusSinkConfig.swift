import NoaComponents
import NoaHTTP

/// `type: prometheus`: one HTTP endpoint serving every input's metrics, and the agent's own.
///
/// ```yaml
/// sinks:
///   prom:
///     type: prometheus
///     listen: 0.0.0.0:9464      # the default
///     path: /metrics
///     inputs: [host, statsd, otlp]
///     self_metrics: true        # process_* and noa_* beside the inputs
/// ```
public struct PrometheusSinkConfig: MetricSinkConfiguration {
    public static let typeName = "prometheus"
    public static let keys = ["listen", "path", "self_metrics"]

    public var listen: ListenAddress
    public var path: String
    public var inputs: [String]
    /// Whether the agent's own metrics (`process_*`, `noa_*`) are served beside the inputs.
    public var selfMetrics: Bool

    public static let defaultListen = ListenAddress(host: "0.0.0.0", port: 9464)

    public init(listen: ListenAddress = Self.defaultListen, path: String = "/metrics", inputs: [String], selfMetrics: Bool = true) {
        self.listen = listen
        self.path = path
        self.inputs = inputs
        self.selfMetrics = selfMetrics
    }

    public static func read(_ map: ConfigMap) -> PrometheusSinkConfig? {
        var config = PrometheusSinkConfig(inputs: map.inputs(missing: "name the sources this sink serves"))
        if let listen = map.listen() { config.listen = listen }
        if let path = map.string("path") {
            if path.hasPrefix("/") { config.path = path } else { map.error("path", "\(map.path("path")) must start with '/'") }
        }
        if let value = map.bool("self_metrics") { config.selfMetrics = value }
        return config
    }

    public var tcpListeners: [ListenAddress] { [listen] }

    public var servesSelfMetrics: Bool { selfMetrics }
}
