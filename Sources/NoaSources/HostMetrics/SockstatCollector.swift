#if canImport(Glibc)
import Glibc
#endif
import NoaCore
import NoaProcfs

/// node_exporter's `sockstat` collector: `node_sockstat_sockets_used` and `node_sockstat_<PROTO>_<key>` gauges
/// from `/proc/net/sockstat` and `/proc/net/sockstat6`, plus `<PROTO>_mem_bytes` (pages × page size) for every
/// protocol that reports `mem`. Either file may be absent (IPv6 disabled); both absent means no data.
public final class SockstatCollector: HostCollector {
    public let name = "sockstat"
    private let paths: HostPaths
    private let pageSize: Double

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        let size = sysconf(Int32(_SC_PAGESIZE))
        self.pageSize = Double(size > 0 ? size : 4096)
    }

    public func collect(into batch: inout MetricBatch) throws {
        var found = false
        for (file, isIPv6) in [("net/sockstat", false), ("net/sockstat6", true)] {
            guard let text = try paths.files.readStringIfPresent(paths.proc(file), sizeHint: 1024) else { continue }
            found = true
            let stat = try Sockstat.parse(text, file: "/proc/" + file)
            for line in stat.lines {
                if line.proto == "sockets" {
                    if !isIPv6, let used = line.pairs.first(where: { $0.key == "used" }) {
                        batch.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", used.value)
                    }
                    continue
                }
                for pair in line.pairs {
                    add(line.proto, pair.key, pair.value, into: &batch)
                    if pair.key == "mem" { add(line.proto, "mem_bytes", pair.value * pageSize, into: &batch) }
                }
            }
        }
        if !found { throw HostCollectorError.unavailable("no sockstat files") }
    }

    private func add(_ proto: String, _ key: String, _ value: Double, into batch: inout MetricBatch) {
        batch.gauge(
            "node_sockstat_" + proto + "_" + key, "Number of " + proto + " sockets in state " + key + ".", value)
    }
}
