import NoaCore
import NoaProcfs

/// node_exporter's `netstat` collector: `node_netstat_<Proto>_<Field>` (untyped) from `/proc/net/netstat`,
/// `/proc/net/snmp` and `/proc/net/snmp6`, limited to node_exporter 1.9's default field pattern.
///
/// The pattern is evaluated once per distinct `Proto_Field` name and remembered (`NameFilter`), so a scrape
/// costs dictionary lookups, not regex matches. `/proc/net/snmp6` is absent when IPv6 is disabled; that only
/// drops the IPv6 fields.
public final class NetstatCollector: HostCollector {
    public let name = "netstat"
    /// node_exporter 1.9's `--collector.netstat.fields` default.
    public static let defaultFields =
        "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"

    private let paths: HostPaths
    /// Matches the fields to keep (a `NameFilter` "excludes" what the pattern matches, so it is read inverted).
    private let fields: NameFilter

    public init(context: HostCollectorContext, fields: String = NetstatCollector.defaultFields) {
        self.paths = context.paths
        self.fields = NameFilter(excluding: fields)
    }

    public func collect(into batch: inout MetricBatch) throws {
        try fields.validate()
        var counters = try Netstat.parsePaired(
            FileReader.readString(paths.proc("net/netstat"), sizeHint: 8192), file: "/proc/net/netstat")
        counters += try Netstat.parsePaired(
            FileReader.readString(paths.proc("net/snmp"), sizeHint: 8192), file: "/proc/net/snmp")
        // Absent when IPv6 is disabled: then there are no IPv6 fields.
        if let snmp6 = try FileReader.readStringIfPresent(paths.proc("net/snmp6"), sizeHint: 16384) {
            counters += try Netstat.parseSNMP6(snmp6)
        }
        var seen = Set<String>()
        for counter in counters {
            let key = counter.proto + "_" + counter.field
            guard fields.excludes(key), seen.insert(key).inserted else { continue }
            batch.untyped("node_netstat_" + key, "Statistic " + counter.proto + counter.field + ".", counter.value)
        }
    }
}
