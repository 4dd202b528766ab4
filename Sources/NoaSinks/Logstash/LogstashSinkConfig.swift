import Logging
import NoaComponents
import NoaCore
import NoaPipeline

/// `type: logstash`: Lumberjack v2 (Beats) or JSON lines over TCP to Logstash (see `LogstashSink`).
///
/// ```yaml
/// sinks:
///   logstash:
///     type: logstash
///     inputs: [journal]
///     hosts: [logstash-1:5044, logstash-2:5044]
///     mode: beats              # or json_lines
///     compression_level: 3     # 0 (off) to 9, Beats only
///     window_size: 2048
///     timeout: 30s
/// ```
public struct LogstashSinkConfig: LogSinkConfiguration {
    public static let typeName = "logstash"
    public static let keys = ["hosts", "mode", "compression_level", "window_size", "timeout"]

    public var inputs: [String]
    public var hosts: [LogstashHost]
    public var mode: LogstashMode
    public var compressionLevel: Int
    /// Events per window, and the runner's batch size.
    public var windowSize: Int
    public var timeout: Duration

    public init(
        inputs: [String], hosts: [LogstashHost] = [LogstashHost(host: "127.0.0.1")], mode: LogstashMode = .beats,
        compressionLevel: Int = 3, windowSize: Int = 2048, timeout: Duration = .seconds(30)
    ) {
        self.inputs = inputs
        self.hosts = hosts
        self.mode = mode
        self.compressionLevel = compressionLevel
        self.windowSize = windowSize
        self.timeout = timeout
    }

    public static func read(_ map: ConfigMap) -> LogstashSinkConfig? {
        var config = LogstashSinkConfig(inputs: map.inputs(missing: nil))
        if let items = map.items("hosts") {
            var hosts: [LogstashHost] = []
            for item in items {
                if let host = LogstashHost.parse(item.value) { hosts.append(host) } else {
                    map.reader.error(item.node, "\(map.path("hosts")): '\(item.value)' is not host or host:port")
                }
            }
            if items.isEmpty { map.error("hosts", "\(map.path("hosts")) is empty: give at least one Logstash address") }
            config.hosts = hosts
        } else if map["hosts"] == nil {
            map.error(nil, "\(map.path("hosts")) is missing: give the Logstash addresses (host:5044)")
        }
        if let mode = map.choice("mode", as: LogstashMode.self) { config.mode = mode }
        if let level = map.integer("compression_level", in: 0...9) { config.compressionLevel = level }
        if let size = map.integer("window_size", in: 1...(1 << 20)) { config.windowSize = size }
        if let timeout = map.duration("timeout") { config.timeout = timeout }
        return config
    }

    /// One window per runner batch, one runner (Lumberjack's windows are in order on one connection), refused
    /// events dead-lettered.
    public func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        let sink = LogstashSink(id: context.id, options: LogstashSinkOptions(
            hosts: hosts, mode: mode, compressionLevel: compressionLevel, windowSize: windowSize, timeout: timeout,
            agentVersion: context.services.agentVersion), logger: context.logger)
        let deadLetter = DeadLetterFile(
            directory: context.deadLetterDirectory, sinkID: context.id, logger: RateLimitedLogger(logger: context.logger))
        return .running(
            sink, context, inlet: .logSink, batch: BatchPolicy(maxItems: windowSize),
            itemBytes: { $0[$1].estimatedBytes }, deadLetter: deadLetter, metrics: [sink.selfMetrics])
    }
}
