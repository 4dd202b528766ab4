/// Where a StatsD payload came from, as far as the listener knows.
public struct StatsDOrigin: Sendable, Equatable {
    public enum Transport: String, Sendable {
        case udp, tcp, unixgram
    }

    public var transport: Transport
    /// The sender's pid, from `SO_PASSCRED` credentials on the Unix datagram socket; nil on UDP and TCP.
    public var pid: Int32?

    public init(transport: Transport, pid: Int32? = nil) {
        self.transport = transport
        self.pid = pid
    }
}

/// What a StatsD listener hands its payloads to: one call per datagram (UDP, Unix datagram) or per complete
/// newline-terminated chunk (TCP). Payloads hold one or more lines separated by `\n`. Called on the listener's
/// own thread, possibly from several listeners at once; it must not block for long (UDP can only drop while it
/// waits).
public protocol StatsDIngest: Sendable {
    func ingest(_ payload: UnsafeRawBufferPointer, origin: StatsDOrigin)
    /// The datagrams of one receive batch, in the order they arrived, all from `origin`. The default hands them
    /// to `ingest(_:origin:)` one by one; the pipeline takes a batch of plain lines under one lock and one clock
    /// read (on a busy socket those were a tenth of the work per datagram of one line).
    func ingest(datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>, origin: StatsDOrigin)
}

extension StatsDIngest {
    public func ingest(datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>, origin: StatsDOrigin) {
        for payload in datagrams { ingest(payload, origin: origin) }
    }
}
