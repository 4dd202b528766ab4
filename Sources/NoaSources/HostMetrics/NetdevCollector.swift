import NoaCore
import NoaProcfs

/// node_exporter's `netdev` collector: `node_network_{receive,transmit}_*_total{device}` from `/proc/net/dev`.
///
/// node_exporter 1.9 reads the same counters over netlink by default and folds them into the `/proc/net/dev`
/// names (its `legacy` mapping), which adds `receive_nohandler`; that one is read from
/// `/sys/class/net/<dev>/statistics/rx_nohandler` here, so the families match.
public final class NetdevCollector: HostCollector {
    public let name = "netdev"
    private let paths: HostPaths
    private let filter: NameFilter
    private let receiveNames: [(String, String)]
    private let transmitNames: [(String, String)]

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        self.filter = NameFilter(excluding: context.options.netDeviceExclude)
        self.receiveNames = NetDevLine.receiveNames.map {
            ("node_network_receive_\($0)_total", "Network device statistic receive_\($0).")
        }
        self.transmitNames = NetDevLine.transmitNames.map {
            ("node_network_transmit_\($0)_total", "Network device statistic transmit_\($0).")
        }
    }

    public func collect(into batch: inout MetricBatch) throws {
        try filter.validate()
        let lines = try NetDev.read(paths)
        for line in lines where !filter.excludes(line.device) {
            let labels = [Label("device", line.device)]
            for (index, (name, help)) in receiveNames.enumerated() {
                batch.counter(name, help, Double(line.receive[index]), labels)
            }
            for (index, (name, help)) in transmitNames.enumerated() {
                batch.counter(name, help, Double(line.transmit[index]), labels)
            }
            if let text = try? paths.files.readTrimmed(paths.sys("class/net/" + line.device + "/statistics/rx_nohandler")),
               let value = UInt64(text) {
                batch.counter(
                    "node_network_receive_nohandler_total", "Network device statistic receive_nohandler.",
                    Double(value), labels)
            }
        }
    }
}
