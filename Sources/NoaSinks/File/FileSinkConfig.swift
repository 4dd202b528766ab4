import Logging
import NoaComponents
import NoaCore
import NoaPipeline

/// `type: file`: log records as NDJSON files under a directory (see `FileSink`), and spans, when a trace source
/// is listed, as OTLP/JSON lines in a file of their own.
///
/// ```yaml
/// sinks:
///   files:
///     type: file
///     inputs: [journal, otlp]
///     directory: /var/log/noa         # default <data_dir>/logs
///     prefix: noa                     # noa-YYYY-MM-DD.ndjson, noa-spans.ndjson
///     max_size: 100MiB                # rotate within a day past this size
///     retention: {max_files: 14, max_age: 14d}
///     fsync: batch                    # or never
/// ```
public struct FileSinkConfig: LogSinkConfiguration, TraceSinkConfiguration {
    public static let typeName = "file"
    public static let keys = ["directory", "prefix", "rotate", "max_size", "retention", "fsync"]

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

    public static func read(_ map: ConfigMap) -> FileSinkConfig? {
        var config = FileSinkConfig(inputs: map.inputs(missing: nil))
        if let directory = map.absolutePath("directory") { config.directory = directory }
        if let prefix = map.string("prefix") {
            let valid = !prefix.isEmpty && prefix.allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".")
            } && !prefix.hasPrefix(".")
            if valid { config.prefix = prefix } else {
                map.error("prefix", "\(map.path("prefix")) may only have letters, digits, '_', '-' and '.', and not start with '.'")
            }
        }
        if let rotate = map.string("rotate"), rotate != "daily" {
            map.error("rotate", "\(map.path("rotate")): files rotate 'daily' (add max_size for size rotation), not '\(rotate)'")
        }
        if let size = map.size("max_size", minimum: 4096) { config.maxFileBytes = size }
        if let retention = map.block("retention", allowed: ["max_files", "max_age"]) {
            if let files = retention.integer("max_files", in: 1...Int.max) { config.maxFiles = files }
            if let age = retention.duration("max_age") { config.maxAge = age }
        }
        if let sync = map.choice("fsync", as: FileSyncPolicy.self) { config.sync = sync }
        return config
    }

    public func resolvedDirectory(dataDir: String) -> String { directory ?? dataDir + "/logs" }

    /// Where the sink writes spans when it lists a trace source: one OTLP/JSON `TracesData` line per batch in
    /// `<directory>/<prefix>-spans.ndjson`, renamed to `….ndjson.1` when it would pass `max_size` (100 MiB by
    /// default). Apart from the log files, so log tooling reading `<prefix>-YYYY-MM-DD.ndjson` never meets a span.
    public func spanFilePath(dataDir: String) -> String {
        resolvedDirectory(dataDir: dataDir) + "/" + prefix + "-spans" + FileSinkNaming.suffix
    }

    public func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        let sink = FileSink(id: context.id, options: FileSinkOptions(
            directory: resolvedDirectory(dataDir: context.dataDir), prefix: prefix, maxFileBytes: maxFileBytes,
            maxFiles: maxFiles, maxAge: maxAge, sync: sync), logger: context.logger)
        return .running(
            sink, context, inlet: .logSink, batch: BatchPolicy(maxItems: 2000, maxDelay: .milliseconds(200)),
            itemBytes: { $0[$1].estimatedBytes }, metrics: [sink.selfMetrics])
    }

    public func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans> {
        TraceQueueConfig().pushSink(
            TraceFileSink(path: spanFilePath(dataDir: context.dataDir), maxBytes: maxFileBytes ?? (100 << 20)), context)
    }
}
