import NoaCore

/// A running StatsD socket: it delivers payloads to a `StatsDIngest` on its own thread and reports its counters
/// as self-metrics.
public protocol StatsDListener: MetricProducer, AnyObject {
    var address: StatsDListenAddress { get }
    /// The UDP or TCP port actually bound (the kernel's choice for port 0); nil before start and for Unix sockets.
    var boundPort: Int? { get }
    /// The listener's own counters (`noa_statsd_datagrams_total`...).
    var selfMetrics: SelfMetrics { get }
    /// Opens the socket and starts the receive thread. Throws when the socket cannot be opened.
    func start() throws(StatsDListenerError)
    /// Stops the receive thread, closes the socket (and removes a Unix socket file). Returns once the thread has
    /// exited; safe to call more than once or before `start`.
    func stop()
}

/// Tunables of the StatsD listeners; the defaults suit a busy host.
public struct StatsDListenerOptions: Sendable {
    /// Receive buffer to ask for (SO_RCVBUFFORCE as root, else SO_RCVBUF capped by net.core.rmem_max).
    public var receiveBufferBytes: Int = 32 << 20
    /// Datagrams per recvmmsg call.
    public var batchSize: Int = 64
    /// The longest pause of a datagram listener after it has emptied its socket, before it reads again, so that
    /// one wake-up drains a whole burst: on loopback the wake-ups (a timer or a wake-up IPI, each a VM exit on a
    /// virtual machine) cost more CPU than the copies. The bare recvmmsg loop of bench/udp_count.c spends about
    /// half as much per line with a 3 ms pause at 20 lines per datagram, and a quarter at 1 line per datagram.
    /// The pause is halved while the datagrams taken per cycle would fill more than a quarter of the receive
    /// buffer, so a flood shortens it before the socket could overflow. StatsD is aggregated over scrape intervals
    /// of seconds, so the added delay is invisible. Used only when the kernel grants a receive buffer of at least
    /// `batchWaitMinimumBuffer` bytes; zero turns it off.
    public var batchWait: Duration = .milliseconds(10)
    /// The smallest granted receive buffer (as getsockopt reports it) with which `batchWait` is used.
    public var batchWaitMinimumBuffer: Int = 4 << 20
    /// Buffer per datagram; larger datagrams are dropped and counted as truncated (UDP's maximum fits).
    public var maxDatagramBytes: Int = 65536
    /// Mode of the Unix datagram socket file.
    public var socketFileMode: UInt32 = 0o666
    /// TCP: longest accepted line (without its newline); longer lines are skipped and counted.
    public var maxLineBytes: Int = 65536
    /// TCP: open connections beyond this are closed at once and counted.
    public var maxConnections: Int = 4096
    /// Where /proc is (kernel drop counters).
    public var procRoot: String = "/proc"

    public init() {}
}

/// A listener socket that could not be opened.
public struct StatsDListenerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var address: String
    public var operation: String
    public var errno: Int32

    public init(address: String, operation: String, errno: Int32) {
        self.address = address
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "StatsD listener \(address): \(operation) failed: \(Errno.describe(errno))"
    }
}

/// Builds the listener for an address.
public enum StatsDListeners {
    public static func make(
        id: String, address: StatsDListenAddress, ingest: any StatsDIngest, options: StatsDListenerOptions = .init()
    ) -> any StatsDListener {
        switch address {
        case .udp, .unixgram:
            return StatsDDatagramListener(id: id, address: address, ingest: ingest, options: options)
        case .tcp:
            return StatsDTCPListener(id: id, address: address, ingest: ingest, options: options)
        }
    }
}
