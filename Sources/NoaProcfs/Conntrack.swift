/// The per-CPU statistics of the netfilter connection tracker, summed over CPUs, from `/proc/net/stat/nf_conntrack`
/// (kernel `net/netfilter/nf_conntrack_standalone.c`, `ct_cpu_seq_show`): a header line of column names, then
/// one line of 8-digit hex numbers per CPU. Columns are found by name, because kernels have added and removed
/// some (`searched`, `new`, `delete` are gone since 5.x; `clashres` and `chaindepth` are new).
public struct ConntrackStat: Sendable, Equatable {
    /// Column name → sum over CPUs. The `entries` column is global (the same on every line) and is kept as the
    /// first line's value, not summed.
    public var totals: [String: UInt64]

    public init(totals: [String: UInt64]) {
        self.totals = totals
    }

    /// Parses the content of `/proc/net/stat/nf_conntrack`.
    public static func parse(_ text: String) throws(ParseError) -> ConntrackStat {
        let lines = text.procLines()
        guard let headerLine = lines.first else {
            throw ParseError(file: "/proc/net/stat/nf_conntrack", reason: "the file is empty")
        }
        let header = headerLine.procFields().map(String.init)
        guard let first = header.first, UInt64(first, radix: 16) == nil else {
            throw ParseError(file: "/proc/net/stat/nf_conntrack", reason: "the first line is not a header", line: 1)
        }
        var totals: [String: UInt64] = [:]
        for (index, line) in lines.dropFirst().enumerated() {
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count == header.count else {
                throw ParseError(
                    file: "/proc/net/stat/nf_conntrack",
                    reason: "expected \(header.count) columns, found \(fields.count)", line: index + 2)
            }
            for (name, field) in zip(header, fields) {
                guard let value = UInt64(field, radix: 16) else {
                    throw ParseError(
                        file: "/proc/net/stat/nf_conntrack", reason: "column \"\(field)\" is not hex", line: index + 2)
                }
                if name == "entries" {
                    if totals[name] == nil { totals[name] = value }
                } else {
                    totals[name, default: 0] &+= value
                }
            }
        }
        return ConntrackStat(totals: totals)
    }

    /// Reads and parses `<proc>/net/stat/nf_conntrack`.
    public static func read(_ paths: HostPaths) throws -> ConntrackStat {
        try parse(paths.files.readString(paths.proc("net/stat/nf_conntrack"), sizeHint: 4096))
    }
}
