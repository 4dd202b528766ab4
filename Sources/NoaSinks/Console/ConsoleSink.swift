import Logging
import NoaCore
import NoaPipeline

#if canImport(Glibc)
import Glibc
#endif

/// The console sink's layout.
public enum ConsoleFormat: String, Sendable, Equatable, CaseIterable {
    /// One readable line per record (see `ConsoleFormatter.human`).
    case human
    /// The ECS document per line, as the file sink writes it.
    case json
}

/// When the human layout colours the level.
public enum ConsoleColour: String, Sendable, Equatable, CaseIterable {
    /// Only when the output is a terminal (`isatty`): a pipe or a file gets no escape codes.
    case auto
    case always
    case never
}

/// Writes log records to standard output (or another descriptor, for tests), for a first look at what a source
/// produces and for containers whose runtime collects stdout.
///
/// A batch is written with one `write` loop on the sink's own queue. A write that fails with a closed pipe or a bad
/// descriptor is permanent (nobody reads any more: retrying would only stall the pipeline), anything else is
/// retryable; both are counted.
public final class ConsoleSink: BatchSink {
    public typealias Item = LogRecord

    public let format: ConsoleFormat
    /// `written`, `write_error`.
    public let counters: CounterVector
    /// The sink's own metrics: `counters` as `noa_console_sink_events_total{outcome}`.
    public let selfMetrics: SelfMetrics
    private let fd: Int32
    private let colour: Bool
    private let failures: RateLimitedLogger
    private let queue: BlockingQueue

    /// - Parameter fileDescriptor: where to write; standard output by default. The sink does not close it.
    public init(
        id: String, format: ConsoleFormat = .human, colour: ConsoleColour = .auto, fileDescriptor: Int32 = 1,
        logger: Logger
    ) {
        self.format = format
        self.fd = fileDescriptor
        switch colour {
        case .auto: self.colour = isatty(fileDescriptor) == 1
        case .always: self.colour = true
        case .never: self.colour = false
        }
        self.selfMetrics = SelfMetrics(component: id)
        self.counters = selfMetrics.counters("noa_console_sink_events_total", "Console sink writes and failures.", labels: ["outcome"])
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        self.queue = BlockingQueue(label: "noa.console-sink.\(id)")
    }

    public func write(_ items: [LogRecord]) async throws(SinkError) {
        guard !items.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 * items.count)
        for record in items {
            switch format {
            case .human: ConsoleFormatter.human(record, colour: colour, into: &bytes)
            case .json: ConsoleFormatter.json(record, into: &bytes)
            }
        }
        let fd = self.fd
        let output = bytes
        let failure: Int32? = await queue.run { FileSink.writeAll(fd, output) }
        guard let failure else {
            counters.add("written", n: items.count)
            return
        }
        counters.add("write_error")
        failures.log(.error, key: "write", "Writing log records to the console failed.",
                     metadata: ["errno": "\(failure)", "fd": "\(fd)"])
        if failure == EPIPE || failure == EBADF {
            throw .permanent("console fd \(fd): errno \(failure)")
        }
        throw .retryable(after: nil, reason: "console fd \(fd): errno \(failure)")
    }
}
