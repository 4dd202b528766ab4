import NoaComponents
import NoaCore
import NoaHTTP
import NoaPipeline

/// `type: journal_remote`: log records into another host's journal, through `systemd-journal-remote`'s HTTP
/// upload (the receiving end of `systemd-journal-upload`), so a central journal gathers the logs of many hosts
/// and of the applications that push to the agent.
///
/// ```yaml
/// sinks:
///   central:
///     type: journal_remote
///     inputs: [journal, applogs]
///     endpoint: http://logs.example:19532      # journal-remote --listen-http; https:// with tls: for --listen-https
///     batch_size: 500
///     timeout: 30s
/// ```
public struct JournalRemoteSinkConfig: LogSinkConfiguration {
    public static let typeName = "journal_remote"
    public static let keys = ["endpoint", "batch_size", "timeout", "tls"]

    public var inputs: [String]
    public var endpoint: String
    public var batchSize: Int
    public var timeout: Duration
    public var tls: TLSConfig?

    public init(
        inputs: [String], endpoint: String, batchSize: Int = 500, timeout: Duration = .seconds(30), tls: TLSConfig? = nil
    ) {
        self.inputs = inputs
        self.endpoint = endpoint
        self.batchSize = batchSize
        self.timeout = timeout
        self.tls = tls
    }

    public static func read(_ map: ConfigMap) -> JournalRemoteSinkConfig? {
        var config = JournalRemoteSinkConfig(
            inputs: map.inputs(missing: "name the sources this sink ships"),
            endpoint: map.url("endpoint", example: "http://127.0.0.1:19532") ?? "")
        if let size = map.integer("batch_size", in: 1...100_000) { config.batchSize = size }
        if let timeout = map.duration("timeout") { config.timeout = timeout }
        if map["tls"] != nil { config.tls = map.tls() }
        return config
    }

    /// One runner, so entries reach the remote journal in the order they were read; refused ones dead-lettered.
    public func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        tls.warnIfInsecure(context.logger)
        let client = context.services.http.client(NIOHTTPTransport.Configuration(
            connectTimeout: min(.seconds(5), timeout), requestTimeout: timeout, tls: tls ?? TLSConfig()))
        let sink = JournalRemoteSink(
            endpoint: endpoint, transport: client.transport, logger: RateLimitedLogger(logger: context.logger))
        let deadLetter = DeadLetterFile(
            directory: context.deadLetterDirectory, sinkID: context.id, logger: RateLimitedLogger(logger: context.logger))
        return .running(
            sink, context, inlet: .logSink, batch: BatchPolicy(maxItems: batchSize, maxDelay: .milliseconds(200)),
            itemBytes: { $0[$1].estimatedBytes }, deadLetter: deadLetter, onStop: client.release)
    }
}
