import NoaCodecs
import NoaCore
import NoaPipeline

#if canImport(Glibc)
import Glibc
#endif

/// Log records a destination refused for good (Elasticsearch mapping errors, a 400 for a whole batch), appended as
/// NDJSON to `<data_dir>/dead-letter/<sink id>.ndjson`: each line holds when and why it was refused and the whole
/// ECS document, so it can be fixed and replayed by hand. The file is capped; past the cap, records are only
/// counted (`noa_sink_dropped_items_total` by the runner is not enough to find them, so the first line says so).
public final class DeadLetterFile: DeadLetterQueue {
    public typealias Item = LogRecord

    public let path: String
    private let sinkID: String
    private let maxBytes: Int
    private let clock: @Sendable () -> Int64
    private let logger: RateLimitedLogger

    public init(
        directory: String, sinkID: String, maxBytes: Int = 100 << 20, logger: RateLimitedLogger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }
    ) {
        self.path = directory + "/" + sinkID + ".ndjson"
        self.sinkID = sinkID
        self.maxBytes = maxBytes
        self.clock = clock
        self.logger = logger
        mkdir(directory, 0o750)
    }

    public func write(_ rejected: [(item: LogRecord, reason: String)]) {
        var writer = JSONWriter(capacity: 1024 * rejected.count)
        let now = clock()
        for (record, reason) in rejected {
            writer.beginObject()
            writer.key("@timestamp")
            writer.string(RFC3339.format(nanoseconds: now))
            writer.key("sink")
            writer.string(sinkID)
            writer.key("reason")
            writer.string(reason)
            writer.key("document")
            ECSDocument.write(record, to: &writer)
            writer.endObject()
            writer.bytes.append(0x0A)
            writer = JSONWriter(appendingTo: writer.bytes)
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            logger.log(.error, key: "dead-letter-open", "The dead-letter file cannot be opened; refused records are lost.",
                       metadata: ["path": "\(path)", "errno": "\(errno)"])
            return
        }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, Int(status.st_size) + writer.bytes.count > maxBytes {
            logger.log(.error, key: "dead-letter-full", "The dead-letter file is full; refused records are only counted.",
                       metadata: ["path": "\(path)", "max_bytes": "\(maxBytes)"])
            return
        }
        let written = writer.bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written != writer.bytes.count {
            logger.log(.error, key: "dead-letter-write", "A dead-letter write failed.",
                       metadata: ["path": "\(path)", "errno": "\(errno)"])
        }
    }
}
