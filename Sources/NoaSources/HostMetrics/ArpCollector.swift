import NoaCore
import NoaProcfs

/// node_exporter's `arp` collector: `node_arp_entries{device}` from `/proc/net/arp`. node_exporter 1.9 asks
/// netlink for non-NOARP IPv4 neighbours by default; `/proc/net/arp` lists the same set.
public final class ArpCollector: HostCollector {
    public let name = "arp"
    private let paths: HostPaths
    private let filter: NameFilter

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        self.filter = NameFilter(excluding: context.options.netDeviceExclude)
    }

    public func collect(into batch: inout MetricBatch) throws {
        try filter.validate()
        let entries = try Arp.read(paths)
        for (device, count) in entries.sorted(by: { $0.key < $1.key }) where !filter.excludes(device) {
            batch.gauge("node_arp_entries", "ARP entries by device", Double(count), [Label("device", device)])
        }
    }
}
