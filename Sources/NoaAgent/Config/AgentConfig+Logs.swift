import NoaHTTP
import Logging
import NIOPosix
import NoaCore
import NoaPipeline
import NoaSinks

/// `type: logstash`: Lumberjack v2 (Beats) or JSON lines over TCP to Logstash (see `LogstashSink`).
public struct LogstashSinkConfig: Sendable, Equatable {
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

    public func makeSink(id: String, agentVersion: String, logger: Logger) -> LogstashSink {
        LogstashSink(id: id, options: LogstashSinkOptions(
            hosts: hosts, mode: mode, compressionLevel: compressionLevel, windowSize: windowSize, timeout: timeout,
            agentVersion: agentVersion), logger: logger)
    }

    /// One window per runner batch.
    public var batchPolicy: BatchPolicy { BatchPolicy(maxItems: windowSize) }
}

/// `type: file`: NDJSON files under a directory (see `FileSink`).
public struct FileSinkConfig: Sendable, Equatable {
    public var inputs: [String]
    /// nil: `<data_dir>/logs`.
    public var directory: String?
    public var prefix: String
    public var maxFileBytes: Int?
    public var maxFiles: Int?
    public var maxAge: Duration?
    public var sync: FileSyncPolicy

    public init(
        inputs: [String], directory: String? = nil, prefix: String = "noa", maxFileBytes: Int? = nil,
        maxFiles: Int? = nil, maxAge: Duration? = nil, sync: FileSyncPolicy = .batch
    ) {
        self.inputs = inputs
        self.directory = directory
        self.prefix = prefix
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
        self.maxAge = maxAge
        self.sync = sync
    }

    public func resolvedDirectory(dataDir: String) -> String { directory ?? dataDir + "/logs" }

    public func makeSink(id: String, dataDir: String, logger: Logger) -> FileSink {
        FileSink(id: id, options: FileSinkOptions(
            directory: resolvedDirectory(dataDir: dataDir), prefix: prefix, maxFileBytes: maxFileBytes,
            maxFiles: maxFiles, maxAge: maxAge, sync: sync), logger: logger)
    }
}

/// `type: console`: records on standard output (see `ConsoleSink`).
public struct ConsoleSinkConfig: Sendable, Equatable {
    public var inputs: [String]
    public var format: ConsoleFormat
    public var colour: ConsoleColour

    public init(inputs: [String], format: ConsoleFormat = .human, colour: ConsoleColour = .auto) {
        self.inputs = inputs
        self.format = format
        self.colour = colour
    }

    public func makeSink(id: String, logger: Logger) -> ConsoleSink {
        ConsoleSink(id: id, format: format, colour: colour, logger: logger)
    }
}

/// `type: http_logs`: JSON log lines pushed by applications over HTTP (see `HTTPLogsReceiver`).
public struct HTTPLogsSourceConfig: Sendable, Equatable {
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

    /// The receiver over `channel` (make it with `queueCapacity`); bind it with `receiver.bind(listen, maxBodyBytes:…)`.
    public func makeReceiver(
        id: String, channel: BoundedChannel<Envelope<LogRecord>>, threadPool: NIOThreadPool?, logger: Logger
    ) -> HTTPLogsReceiver {
        HTTPLogsReceiver(
            id: id, path: path, channel: channel, maxDecodedBytes: maxDecodedBytes, threadPool: threadPool,
            logger: logger)
    }
}

extension FileSinkConfig {
    /// Where the sink writes spans when it lists a trace source: one OTLP/JSON `TracesData` line per batch in
    /// `<directory>/<prefix>-spans.ndjson`, renamed to `….ndjson.1` when it would pass `max_size` (100 MiB by
    /// default). Apart from the log files, so log tooling reading `<prefix>-YYYY-MM-DD.ndjson` never meets a span.
    public func spanFilePath(dataDir: String) -> String {
        resolvedDirectory(dataDir: dataDir) + "/" + prefix + "-spans" + FileSinkNaming.suffix
    }
}
