import NoaCore
import NoaProcfs

/// node_exporter's `conntrack` collector: `node_nf_conntrack_entries` and `_entries_limit` from
/// `/proc/sys/net/netfilter/nf_conntrack_{count,max}`, and `node_nf_conntrack_stat_*` summed over CPUs from
/// `/proc/net/stat/nf_conntrack`. Without the nf_conntrack module these files are absent: `unavailable`.
public struct ConntrackCollector: HostCollector {
    public let name = "conntrack"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    /// The stat columns node_exporter exposes, with its help texts.
    private static let stats: [(String, String)] = [
        ("found", "Number of searched entries which were successful."),
        ("invalid", "Number of packets seen which can not be tracked."),
        ("ignore", "Number of packets seen which are already connected to a conntrack entry."),
        ("insert", "Number of entries inserted into the list."),
        ("insert_failed", "Number of entries for which list insertion was attempted but failed."),
        ("drop", "Number of packets dropped due to conntrack failure."),
        ("early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
        ("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
    ]

    public func collect(into batch: inout MetricBatch) throws {
        do {
            let count = try readUInt("sys/net/netfilter/nf_conntrack_count")
            let max = try readUInt("sys/net/netfilter/nf_conntrack_max")
            let stat = try ConntrackStat.read(paths)
            batch.gauge(
                "node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.",
                count)
            batch.gauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", max)
            for (column, help) in Self.stats {
                batch.gauge("node_nf_conntrack_stat_" + column, help, Double(stat.totals[column] ?? 0))
            }
        } catch FileReadError.notFound(let path) {
            throw HostCollectorError.unavailable("\(path) not found; nf_conntrack is probably not loaded")
        }
    }

    private func readUInt(_ relative: String) throws -> Double {
        let text = try paths.files.readTrimmed(paths.proc(relative))
        guard let value = UInt64(text) else {
            throw ParseError(file: "/proc/" + relative, reason: "\"\(text)\" is not a number")
        }
        return Double(value)
    }
}
