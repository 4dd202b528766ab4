import NoaCore
import NoaProcfs
import Synchronization

/// node_exporter's `netstat` collector: `node_netstat_<Proto>_<Field>` (untyped) from `/proc/net/netstat`,
/// `/proc/net/snmp` and `/proc/net/snmp6`, limited to node_exporter 1.9's default field pattern.
///
/// The pattern is evaluated when a file's layout is first seen (or changes), not per scrape (see `layouts`).
/// `/proc/net/snmp6` is absent when IPv6 is disabled; that only drops the IPv6 fields.
public final class NetstatCollector: HostCollector {
    public let name = "netstat"
    /// node_exporter 1.9's `--collector.netstat.fields` default.
    public static let defaultFields =
        "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"

    private let paths: HostPaths
    /// Matches the fields to keep (a `NameFilter` "excludes" what the pattern matches, so it is read inverted).
    private let fields: NameFilter
    /// Per file, what the last scrape found: each section's header line and the fields kept from it. The kernel
    /// prints the same headers until it is replaced, so a scrape compares each header with the one remembered and
    /// converts only the kept values (about 30 of 400) without splitting the rest; a different header (or another
    /// number of sections) makes that file's layout be parsed and decided again.
    private let layouts = Mutex<[String: [Section]]>([:])
    /// The same for `/proc/net/snmp6`, by non-blank line: the counter's name and the metric it gives, if kept.
    private let snmp6Layout = Mutex<[(name: [UInt8], kept: Kept?)]>([])

    struct Kept: Sendable {
        var index: Int
        var name: String
        var help: String
    }

    struct Section: Sendable {
        var header: [UInt8]
        /// Fields after the `Proto:` one.
        var fieldCount: Int
        /// Ascending by index.
        var kept: [Kept]
    }

    public init(context: HostCollectorContext, fields: String = NetstatCollector.defaultFields) {
        self.paths = context.paths
        self.fields = NameFilter(excluding: fields)
    }

    public func collect(into batch: inout MetricBatch) throws {
        try fields.validate()
        var seen = Set<String>(minimumCapacity: 64)
        for (file, path) in [("/proc/net/netstat", "net/netstat"), ("/proc/net/snmp", "net/snmp")] {
            let bytes = try paths.files.readBytes(paths.proc(path), sizeHint: 8192)
            try collectPaired(bytes, file: file, into: &batch, seen: &seen)
        }
        // Absent when IPv6 is disabled: then there are no IPv6 fields.
        let snmp6: [UInt8]
        do {
            snmp6 = try paths.files.readBytes(paths.proc("net/snmp6"), sizeHint: 16384)
        } catch .notFound {
            return
        }
        try collectSNMP6(snmp6, into: &batch, seen: &seen)
    }

    /// The kept counters of `/proc/net/netstat` or `/proc/net/snmp` (header and value line pairs).
    private func collectPaired(
        _ bytes: [UInt8], file: String, into batch: inout MetricBatch, seen: inout Set<String>
    ) throws {
        let pairs = Netstat.linePairs(bytes)
        var layout = layouts.withLock { $0[file] } ?? []
        if layout.count != pairs.count || zip(layout, pairs).contains(where: { section, pair in
            !section.header.elementsEqual(bytes[pair.header])
        }) {
            let text = String(decoding: bytes, as: UTF8.self)
            layout = try Netstat.sections(text, file: file).map(decide)
            layouts.withLock { $0[file] = layout }
        }
        for (section, pair) in zip(layout, pairs) where !section.kept.isEmpty {
            let values = try Netstat.values(
                bytes, line: pair.values, at: section.kept.map(\.index), fieldCount: section.fieldCount + 1,
                file: file, lineNumber: pair.valueLine)
            for (kept, value) in zip(section.kept, values) where seen.insert(kept.name).inserted {
                batch.untyped(kept.name, kept.help, value)
            }
        }
    }

    private func collectSNMP6(
        _ bytes: [UInt8], into batch: inout MetricBatch, seen: inout Set<String>
    ) throws {
        let lines = Netstat.lines(bytes)
        var layout = snmp6Layout.withLock { $0 }
        func nameEnd(_ line: Range<Int>) -> Int {
            var i = line.lowerBound
            while i < line.upperBound && bytes[i] != 0x20 && bytes[i] != 0x09 { i += 1 }
            return i
        }
        if layout.count != lines.count || zip(layout, lines).contains(where: { entry, line in
            !entry.name.elementsEqual(bytes[line.range.lowerBound..<nameEnd(line.range)])
        }) {
            // Parsed and validated whole, then decided field by field.
            let counters = try Netstat.parseSNMP6(String(decoding: bytes, as: UTF8.self))
            layout = counters.map { counter in
                let metric = counter.proto + "_" + counter.field
                let help = "Statistic " + counter.proto + counter.field + "."
                let kept = fields.excludes(metric) ? Kept(index: 0, name: "node_netstat_" + metric, help: help) : nil
                return (Array((counter.proto + counter.field).utf8), kept)
            }
            snmp6Layout.withLock { $0 = layout }
        }
        for (entry, line) in zip(layout, lines) {
            guard let kept = entry.kept, seen.insert(kept.name).inserted else { continue }
            var start = nameEnd(line.range)
            while start < line.range.upperBound && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
            var end = start
            while end < line.range.upperBound && bytes[end] != 0x20 && bytes[end] != 0x09 { end += 1 }
            guard start < end, end == line.range.upperBound, let value = Netstat.number(bytes, start..<end) else {
                throw ParseError(file: "/proc/net/snmp6", reason: "expected a name and a number", line: line.number)
            }
            batch.untyped(kept.name, kept.help, value)
        }
    }

    /// The fields kept from a section, with their metric names and help texts.
    private func decide(_ section: Netstat.Section) -> Section {
        let proto = String(section.proto)
        var kept: [Kept] = []
        for (index, field) in section.names.enumerated() {
            let name = proto + "_" + field
            if fields.excludes(name) {
                kept.append(Kept(index: index, name: "node_netstat_" + name, help: "Statistic " + proto + field + "."))
            }
        }
        return Section(header: Array(section.headerLine.utf8), fieldCount: section.names.count, kept: kept)
    }
}
