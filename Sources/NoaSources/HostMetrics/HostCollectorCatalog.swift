import NoaCore

/// Every host collector the agent knows, by node_exporter name, in the order their families are exposed.
/// Adding a collector means adding one line here and one file beside this one.
public enum HostCollectorCatalog {
    public typealias Factory = @Sendable (HostCollectorContext) -> any HostCollector

    public static let all: [(name: String, make: Factory)] = [
        ("arp", { ArpCollector(context: $0) }),
        ("conntrack", { ConntrackCollector(context: $0) }),
        ("cpu", { CPUCollector(context: $0) }),
        ("diskstats", { DiskstatsCollector(context: $0) }),
        ("entropy", { EntropyCollector(context: $0) }),
        ("filefd", { FilefdCollector(context: $0) }),
        ("filesystem", { FilesystemCollector(context: $0) }),
        ("loadavg", { LoadavgCollector(context: $0) }),
        ("meminfo", { MeminfoCollector(context: $0) }),
        ("netclass", { NetclassCollector(context: $0) }),
        ("netdev", { NetdevCollector(context: $0) }),
        ("netstat", { NetstatCollector(context: $0) }),
        ("os", { OSCollector(context: $0) }),
        ("pressure", { PressureCollector(context: $0) }),
        ("sockstat", { SockstatCollector(context: $0) }),
        ("softnet", { SoftnetCollector(context: $0) }),
        ("stat", { StatCollector(context: $0) }),
        ("time", { TimeCollector(context: $0) }),
        ("timex", { TimexCollector(context: $0) }),
        ("udp_queues", { UdpQueuesCollector(context: $0) }),
        ("uname", { UnameCollector(context: $0) }),
        ("vmstat", { VmstatCollector(context: $0) }),
    ]

    /// The names of every known collector.
    public static var names: [String] { all.map(\.name) }

    /// Builds the named collectors (all when `names` is nil), in catalog order.
    public static func make(_ names: [String]?, context: HostCollectorContext) -> [any HostCollector] {
        let wanted = names.map(Set.init)
        return all.filter { wanted?.contains($0.name) ?? true }.map { $0.make(context) }
    }
}
