import NoaCore
import NoaProcfs
import Synchronization

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
    /// What to emit for each header line seen: the kept field indices with their metric names and help texts.
    /// Header lines do not change while the kernel runs, so after the first scrape a section costs one lookup.
    private let selections = Mutex<[String: [Kept]]>([:])
    /// The same for each snmp6 name: the metric to emit, or nil when the field is not kept.
    private let snmp6Names = Mutex<[String: Kept?]>([:])

    struct Kept: Sendable {
        var index: Int
        var name: String
        var help: String
    }

    public init(context: HostCollectorContext, fields: String = NetstatCollector.defaultFields) {
        self.paths = context.paths
        self.fields = NameFilter(excluding: fields)
    }

    public func collect(into batch: inout MetricBatch) throws {
        try fields.validate()
        var seen = Set<String>()
        for (file, path) in [("/proc/net/netstat", "net/netstat"), ("/proc/net/snmp", "net/snmp")] {
            let text = try paths.files.readString(paths.proc(path), sizeHint: 8192)
            for section in try Netstat.sections(text, file: file) {
                for kept in selection(section) where seen.insert(kept.name).inserted {
                    batch.untyped(kept.name, kept.help, try section.value(kept.index))
                }
            }
        }
        // Absent when IPv6 is disabled: then there are no IPv6 fields.
        if let snmp6 = try paths.files.readStringIfPresent(paths.proc("net/snmp6"), sizeHint: 16384) {
            for counter in try Netstat.parseSNMP6(snmp6) {
                guard let kept = keptSNMP6(counter), seen.insert(kept.name).inserted else { continue }
                batch.untyped(kept.name, kept.help, counter.value)
            }
        }
    }

    private func selection(_ section: Netstat.Section) -> [Kept] {
        let key = String(section.headerLine)
        if let known = selections.withLock({ $0[key] }) { return known }
        let proto = String(section.proto)
        var kept: [Kept] = []
        for (index, field) in section.names.enumerated() {
            let name = proto + "_" + field
            if fields.excludes(name) {
                kept.append(Kept(index: index, name: "node_netstat_" + name, help: "Statistic " + proto + field + "."))
            }
        }
        selections.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[key] = kept
        }
        return kept
    }

    private func keptSNMP6(_ counter: NetstatCounter) -> Kept? {
        let key = counter.proto + counter.field
        if let known = snmp6Names.withLock({ $0[key] }) { return known }
        let name = counter.proto + "_" + counter.field
        let kept = fields.excludes(name)
            ? Kept(index: 0, name: "node_netstat_" + name, help: "Statistic " + key + ".") : nil
        snmp6Names.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[key] = .some(kept)
        }
        return kept
    }
}
