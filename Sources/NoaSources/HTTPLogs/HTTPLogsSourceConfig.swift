import NoaComponents
import NoaCore
import NoaHTTP
import NoaPipeline

/// `type: http_logs`: JSON log lines pushed by applications over HTTP (see `HTTPLogsReceiver`).
///
/// ```yaml
/// sources:
///   applogs:
///     type: http_logs
///     listen: 127.0.0.1:9880     # Fluentd's in_http port
///     path: /v1/logs/json
///     max_body: 4MiB
///     queue_capacity: 64         # requests held before 429
/// ```
public struct HTTPLogsSourceConfig: SourceConfiguration {
    public static let typeName = "http_logs"
    public static let emits: Set<SignalKind> = [.logs]
    public static let keys = ["listen", "path", "max_body", "max_decoded_body", "queue_capacity"]

    /// Default `127.0.0.1:9880`, Fluentd's `in_http` port, so applications set up for it can point here; it is
    /// clear of OTLP (4317/4318), Zipkin (9411) and Prometheus (9464).
    public var listen: ListenAddress
    public var path: String
    /// The request body as sent (413 above it).
    public var maxBodyBytes: Int
    /// The body after gzip decompression (413 above it).
    public var maxDecodedBytes: Int
    /// Requests (one envelope each) the source's queue holds before it answers 429.
    public var queueCapacity: Int

    public static let defaultListen = ListenAddress(host: "127.0.0.1", port: 9880)

    public init(
        listen: ListenAddress = HTTPLogsSourceConfig.defaultListen, path: String = HTTPLogsReceiver.defaultPath,
        maxBodyBytes: Int = 4 << 20, maxDecodedBytes: Int = 32 << 20, queueCapacity: Int = 64
    ) {
        self.listen = listen
        self.path = path
        self.maxBodyBytes = maxBodyBytes
        self.maxDecodedBytes = maxDecodedBytes
        self.queueCapacity = queueCapacity
    }

    public static func read(_ map: ConfigMap) -> HTTPLogsSourceConfig? {
        var config = HTTPLogsSourceConfig()
        if let listen = map.listen() { config.listen = listen }
        if let path = map.string("path") {
            if path.hasPrefix("/") && !path.contains("?") { config.path = path } else {
                map.error("path", "\(map.path("path")) must start with '/' and have no query")
            }
        }
        if let size = map.size("max_body") { config.maxBodyBytes = size }
        if let size = map.size("max_decoded_body") { config.maxDecodedBytes = size }
        if let capacity = map.integer("queue_capacity", in: 1...(1 << 20)) { config.queueCapacity = capacity }
        if config.maxDecodedBytes < config.maxBodyBytes {
            map.error(
                map["max_decoded_body"] == nil ? nil : "max_decoded_body",
                "\(map.path("max_decoded_body")) (\(config.maxDecodedBytes)) must be at least max_body (\(config.maxBodyBytes))")
        }
        return config
    }

    public var tcpListeners: [ListenAddress] { [listen] }
    public var receiving: [String] { ["http://\(listen)\(path)"] }

    /// The receiver answers from its own bounded queue (429 when it is full), and a forwarder moves what it
    /// accepted into the sinks' fan-out, waiting while they are full.
    public func start(_ context: SourceContext) async throws -> RunningSource {
        let queue = BoundedChannel<Envelope<LogRecord>>(capacity: queueCapacity)
        let receiver = HTTPLogsReceiver(
            id: context.id, path: path, channel: queue, maxDecodedBytes: maxDecodedBytes,
            threadPool: context.services.threadPool, logger: context.logger)
        let server: HTTPServer
        do {
            server = try await receiver.bind(listen, maxBodyBytes: maxBodyBytes, group: context.services.group)
        } catch {
            throw ComponentStartError.cannotListen(on: listen, error)
        }
        context.logger.info("The http_logs source is listening.", metadata: ["address": "\(listen)", "path": "\(path)"])
        let forwarded = StopSignal()
        let outlet = context.logs
        context.services.tasks.spawn {
            while let envelope = await queue.receive() {
                guard await outlet.send(envelope.items) else {
                    receiver.metrics.records.add("dropped_shutdown", n: envelope.items.count)
                    continue
                }
            }
            forwarded.fire()
        }
        let clock = context.services.clock
        return RunningSource(
            selfMetrics: [receiver.metrics.registry], receiving: ["http://\(listen.host):\(server.port)\(path)"],
            stopAccepting: { deadline in
                await server.close()
                queue.close()
                // What was accepted goes on to the sinks, unless they stay full past the deadline.
                await forwarded.wait(until: deadline, clock: clock)
            },
            stop: { await forwarded.wait() })
    }
}
