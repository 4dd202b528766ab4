import NoaCore
import NoaProcfs

/// node_exporter's `netclass` collector: `node_network_info`, `node_network_up` and one gauge or counter per
/// numeric attribute of `/sys/class/net/<iface>/`.
///
/// An attribute the kernel will not give (EINVAL for `speed`, `duplex`, `carrier` on virtual or down interfaces)
/// is left out rather than failing the collector. A `speed` of -1 (unknown, as virtio NICs report) is exposed as
/// node_exporter 1.x does by default (-125000 bytes/s), so a dashboard sees the same series on both; with
/// `netclass_ignore_invalid_speed` it is left out, which is node_exporter's
/// `--collector.netclass.ignore-invalid-speed` and its announced 2.x default.
public final class NetclassCollector: HostCollector {
    public let name = "netclass"
    private let paths: HostPaths
    private let filter: NameFilter
    private let ignoreInvalidSpeed: Bool

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        self.filter = NameFilter(excluding: context.options.netDeviceExclude)
        self.ignoreInvalidSpeed = context.options.netclassIgnoreInvalidSpeed
    }

    private static let gauges: [(String, MetricType, @Sendable (NetClassInterface) -> Int64?)] = [
        ("address_assign_type", .gauge, { $0.addrAssignType }),
        ("carrier", .gauge, { $0.carrier }),
        ("carrier_changes_total", .counter, { $0.carrierChanges }),
        ("carrier_up_changes_total", .counter, { $0.carrierUpCount }),
        ("carrier_down_changes_total", .counter, { $0.carrierDownCount }),
        ("device_id", .gauge, { $0.devID }),
        ("dormant", .gauge, { $0.dormant }),
        ("flags", .gauge, { $0.flags }),
        ("iface_id", .gauge, { $0.ifIndex }),
        ("iface_link", .gauge, { $0.ifLink }),
        ("iface_link_mode", .gauge, { $0.linkMode }),
        ("mtu_bytes", .gauge, { $0.mtu }),
        ("name_assign_type", .gauge, { $0.nameAssignType }),
        ("net_dev_group", .gauge, { $0.netDevGroup }),
        ("transmit_queue_length", .gauge, { $0.txQueueLen }),
        ("protocol_type", .gauge, { $0.type }),
    ]

    public func collect(into batch: inout MetricBatch) throws {
        try filter.validate()
        for name in try interfaceNames() where !filter.excludes(name) {
            // Not an interface (`bonding_masters`), or removed between listing and reading: not reported.
            guard let iface = try? NetClass.read(paths, interface: name) else { continue }
            let device = Label("device", name)
            batch.gauge(
                "node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
                iface.operState == "up" ? 1 : 0, [device])
            batch.gauge(
                "node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.", 1,
                [device, Label("address", iface.address ?? ""), Label("broadcast", iface.broadcast ?? ""),
                 Label("duplex", iface.duplex ?? ""), Label("operstate", iface.operState ?? ""),
                 Label("adminstate", Self.adminState(iface.flags)), Label("ifalias", iface.ifAlias ?? "")])
            for (field, type, read) in Self.gauges {
                guard let value = read(iface) else { continue }
                batch.add(
                    "node_network_" + field, type, "Network device property: " + field, value: Double(value),
                    labels: [device])
            }
            if let speed = iface.speed, speed >= 0 || !ignoreInvalidSpeed {
                batch.gauge(
                    "node_network_speed_bytes", "Network device property: speed_bytes",
                    Double(speed) * 1000 * 1000 / 8, [device])
            }
        }
    }

    /// The entries of `/sys/class/net`; without it (no sysfs mounted) the collector has no data, as in
    /// node_exporter.
    private func interfaceNames() throws(HostCollectorError) -> [String] {
        do {
            return try NetClass.interfaceNames(paths)
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// "up" when IFF_UP (bit 0) is set in `flags`, as node_exporter 1.9 derives it.
    static func adminState(_ flags: Int64?) -> String {
        guard let flags else { return "unknown" }
        return flags & 1 == 1 ? "up" : "down"
    }
}
