import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How the Logstash sink talks to Logstash.
public enum LogstashMode: String, Sendable, Equatable, CaseIterable {
    /// Lumberjack v2 to Logstash's `beats` input (port 5044): windows, compression, acknowledgements.
    case beats
    /// One ECS document per line over plain TCP, for Logstash's `tcp` input with `codec => json_lines`.
    /// That protocol has no acknowledgements: a batch counts as delivered once the kernel took all of it, so
    /// records in flight when the connection drops can be lost (at most a socket buffer's worth); a failed batch
    /// is resent whole, so records the server did get may arrive twice. Use `beats` when every record matters.
    case jsonLines = "json_lines"
}

/// One Logstash address.
public struct LogstashHost: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 5044) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `host`, `host:port` or `[v6]:port`; the port defaults to 5044 (the beats input's).
    public static func parse(_ text: String) -> LogstashHost? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return host.isEmpty ? nil : LogstashHost(host: host) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port), !host.isEmpty
            else { return nil }
            return LogstashHost(host: host, port: port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 2, !parts[0].isEmpty else { return nil }
        if parts.count == 1 { return LogstashHost(host: text) }
        guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
        return LogstashHost(host: String(parts[0]), port: port)
    }
}

/// Where and how the Logstash sink sends.
public struct LogstashSinkOptions: Sendable, Equatable {
    /// Tried in order; after a failure the next write starts with the next host (failover, not load balancing).
    public var hosts: [LogstashHost]
    public var mode: LogstashMode
    /// zlib level of `C` frames, 0 (off) to 9; Filebeat's default is 3.
    public var compressionLevel: Int
    /// Events per Lumberjack window; a larger batch is sent as several windows in a row.
    public var windowSize: Int
    /// Connect timeout, and the longest silence allowed while sending or waiting for an ack (an ack, even a
    /// keep-alive repeating an earlier sequence, restarts it).
    public var timeout: Duration
    /// `@metadata.version` of the events (the agent's version).
    public var agentVersion: String

    public init(
        hosts: [LogstashHost], mode: LogstashMode = .beats, compressionLevel: Int = 3, windowSize: Int = 2048,
        timeout: Duration = .seconds(30), agentVersion: String = "0.1.0"
    ) {
        self.hosts = hosts
        self.mode = mode
        self.compressionLevel = compressionLevel
        self.windowSize = windowSize
        self.timeout = timeout
        self.agentVersion = agentVersion
    }
}

/// Sends log records to Logstash: Lumberjack v2 (the Beats protocol) with windowed acknowledgements, or
/// JSON lines over TCP (see `LogstashMode`).
///
/// One `write` sends the batch as one window (several when it is larger than `windowSize`) and returns when the
/// last sequence is acked: delivered. Acks of earlier sequences are progress and keep-alives. If the connection
/// fails, times out or breaks the protocol after part of the batch was acked, the write throws `.partial` with the
/// unacked indexes, so the runner resends only those (at least once, never a gap); with nothing acked it throws
/// `.retryable`. The connection is kept between writes, checked for a peer close before reuse, and dropped on any
/// error; the next connect starts at the next host.
///
/// All socket work runs on the sink's own serial queue (see `TCPConnection` for why blocking sockets).
public final class LogstashSink: BatchSink {
    public typealias Item = LogRecord

    public let options: LogstashSinkOptions
    /// `events_acked`, `windows`, `partial_acks`, `keepalive_acks`, `connected`, `connect_error`, `send_error`,
    /// `ack_error`, `protocol_error`, `lines_written`.
    public let counters: CounterVector
    /// The sink's own metrics: `counters` as `noa_logstash_sink_events_total{outcome}`.
    public let selfMetrics: SelfMetrics
    private let failures: RateLimitedLogger
    private let queue: BlockingQueue
    private let state = Mutex(ConnectionState())

    private struct ConnectionState {
        var connection: TCPConnection?
        var nextHost = 0
    }

    private enum Failure: Error {
        case connect(String)
        case io(String)
        case protocolViolation(String)
    }

    public init(id: String, options: LogstashSinkOptions, logger: Logger) {
        self.options = options
        self.selfMetrics = SelfMetrics(component: id)
        self.counters = selfMetrics.counters("noa_logstash_sink_events_total", "Logstash sink windows, acks and failures.", labels: ["outcome"])
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        self.queue = BlockingQueue(label: "noa.logstash-sink.\(id)")
    }

    public func write(_ items: [LogRecord]) async throws(SinkError) {
        guard !items.isEmpty else { return }
        guard !options.hosts.isEmpty else { throw .permanent("no Logstash hosts configured") }
        let result: Result<Void, SinkError>
        switch options.mode {
        case .beats:
            let payloads = items.map { LogstashEvent.encode($0, version: options.agentVersion) }
            result = await queue.run { [self] in state.withLock { sendWindows(payloads, &$0) } }
        case .jsonLines:
            // One writer for the whole batch: a writer made per record from the growing array copied all of it
            // each time (the array was still referenced), quadratic in the batch.
            var writer = JSONWriter(capacity: items.count * 400)
            var scratch = ECSDocument.Scratch()
            for record in items {
                ECSDocument.write(record, to: &writer, scratch: &scratch)
                writer.endLine()
            }
            let lines = writer.bytes
            result = await queue.run { [self] in state.withLock { sendLines(lines, count: items.count, &$0) } }
        }
        try result.get()
    }

    /// Closes the connection (the next write reconnects).
    public func close() async {
        await queue.run { [self] in state.withLock { $0.connection = nil } }
    }

    // MARK: - On the queue

    private func sendWindows(_ payloads: [[UInt8]], _ state: inout ConnectionState) -> Result<Void, SinkError> {
        var delivered = 0
        let size = max(1, options.windowSize)
        while delivered < payloads.count {
            let window = Array(payloads[delivered..<min(payloads.count, delivered + size)])
            var acked = 0
            do {
                let connection = try connected(&state)
                let bytes: [UInt8]
                do {
                    bytes = try Lumberjack.window(payloads: window, compressionLevel: Int32(options.compressionLevel))
                } catch {
                    throw Failure.io("encoding a window: \(error)")
                }
                do {
                    try connection.send(bytes)
                } catch {
                    counters.add("send_error")
                    throw Failure.io("\(error)")
                }
                try awaitAck(connection, count: UInt32(window.count), acked: &acked)
                counters.add("windows")
                counters.add("events_acked", n: window.count)
                delivered += window.count
                failures.reset(key: "window")
            } catch {
                state.connection = nil
                state.nextHost = (state.nextHost + 1) % options.hosts.count
                delivered += acked
                counters.add("events_acked", n: acked)
                let reason = Self.describe(error)
                failures.log(.warning, key: "window", "A Logstash window failed; the unacknowledged events will be resent.",
                             metadata: ["reason": "\(reason)", "acked": "\(delivered)", "events": "\(payloads.count)"])
                if delivered == 0 { return .failure(.retryable(after: nil, reason: reason)) }
                counters.add("partial_acks")
                return .failure(.partial(retry: Array(delivered..<payloads.count), rejected: [], after: nil))
            }
        }
        return .success(())
    }

    /// Reads acks until `count` is acked. `acked` is the highest sequence acked so far, kept when this throws.
    private func awaitAck(_ connection: TCPConnection, count: UInt32, acked: inout Int) throws(Failure) {
        var buffer: [UInt8] = []
        while true {
            let decoded: Lumberjack.Decoded
            do {
                decoded = try Lumberjack.decode(buffer[...])
            } catch {
                counters.add("protocol_error")
                throw .protocolViolation("\(error)")
            }
            switch decoded {
            case .frame(.ack(let sequence), let consumed):
                buffer.removeFirst(consumed)
                guard sequence <= count else {
                    counters.add("protocol_error")
                    throw .protocolViolation("ack of sequence \(sequence) in a window of \(count)")
                }
                if Int(sequence) <= acked { counters.add("keepalive_acks") }
                acked = max(acked, Int(sequence))
                if sequence == count { return }
            case .frame(let other, _):
                counters.add("protocol_error")
                throw .protocolViolation("unexpected frame from the server: \(other)")
            case .needMore:
                let before = buffer.count
                do {
                    try connection.receive(into: &buffer)
                } catch {
                    counters.add("ack_error")
                    throw .io("\(error) while waiting for ack \(count) (acked \(acked))")
                }
                if buffer.count == before {
                    counters.add("ack_error")
                    throw .io("\(connection.peer) closed the connection before acking \(count) (acked \(acked))")
                }
            }
        }
    }

    private func sendLines(_ bytes: [UInt8], count: Int, _ state: inout ConnectionState) -> Result<Void, SinkError> {
        do {
            let connection = try connected(&state)
            do {
                try connection.send(bytes)
            } catch {
                counters.add("send_error")
                throw Failure.io("\(error)")
            }
            counters.add("lines_written", n: count)
            failures.reset(key: "lines")
            return .success(())
        } catch {
            state.connection = nil
            state.nextHost = (state.nextHost + 1) % options.hosts.count
            let reason = Self.describe(error)
            failures.log(.warning, key: "lines", "Writing JSON lines to Logstash failed; the batch will be resent.",
                         metadata: ["reason": "\(reason)"])
            return .failure(.retryable(after: nil, reason: reason))
        }
    }

    /// The open connection, or a new one to the first host that answers, starting at `nextHost`.
    private func connected(_ state: inout ConnectionState) throws(Failure) -> TCPConnection {
        if let connection = state.connection {
            if !connection.isClosedByPeer { return connection }
            state.connection = nil
        }
        var reasons: [String] = []
        for attempt in 0..<options.hosts.count {
            let index = (state.nextHost + attempt) % options.hosts.count
            let host = options.hosts[index]
            do {
                let connection = try TCPConnection.connect(host: host.host, port: host.port, timeout: options.timeout)
                state.connection = connection
                state.nextHost = index
                counters.add("connected")
                failures.reset(key: "connect")
                return connection
            } catch {
                counters.add("connect_error")
                reasons.append("\(error)")
            }
        }
        let reason = reasons.joined(separator: "; ")
        failures.log(.warning, key: "connect", "No Logstash host accepted a connection.", metadata: ["reason": "\(reason)"])
        throw .connect(reason)
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? Failure {
        case .connect(let reason)?: return "connect: \(reason)"
        case .io(let reason)?: return reason
        case .protocolViolation(let reason)?: return "protocol: \(reason)"
        case nil: return "\(error)"
        }
    }
}
