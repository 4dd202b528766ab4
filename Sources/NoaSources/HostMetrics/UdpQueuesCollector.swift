import NoaCore
import NoaProcfs

/// node_exporter's `udp_queues` collector: `node_udp_queues{ip,queue}`, the bytes queued in all UDP sockets, from
/// `/proc/net/udp` and `/proc/net/udp6`. A missing file (IPv6 disabled) drops its two series; both missing is no data.
public struct UdpQueuesCollector: HostCollector {
    public let name = "udp_queues"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        var found = false
        for (file, ip) in [("net/udp", "v4"), ("net/udp6", "v6")] {
            guard let text = try paths.files.readStringIfPresent(paths.proc(file), sizeHint: 16384) else { continue }
            found = true
            let queues = try UdpQueues.parse(text, file: "/proc/" + file)
            let help = "Number of allocated memory in the kernel for UDP datagrams in bytes."
            batch.gauge("node_udp_queues", help, Double(queues.txQueue), [Label("ip", ip), Label("queue", "tx")])
            batch.gauge("node_udp_queues", help, Double(queues.rxQueue), [Label("ip", ip), Label("queue", "rx")])
        }
        if !found { throw HostCollectorError.unavailable("no /proc/net/udp or /proc/net/udp6") }
    }
}
