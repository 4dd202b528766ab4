/// One CPU's line of `/proc/net/softnet_stat` (kernel `net/core/net-procfs.c`, `softnet_seq_show`).
///
/// Columns are 8-digit hex: processed, dropped, time_squeeze, five zeros, cpu_collision, received_rps,
/// flow_limit_count (kernel 3.11+), softnet_backlog_len (5.10+), cpu index (5.10+), input_qlen and
/// process_qlen (6.x). Lines are printed only for online CPUs, so without the index column the line number
/// stands in for the CPU, as prometheus/procfs does.
public struct SoftnetLine: Sendable, Equatable {
    public var cpu: UInt32
    public var processed: UInt64
    public var dropped: UInt64
    public var timeSqueezed: UInt64
    public var cpuCollision: UInt64?
    public var receivedRPS: UInt64?
    public var flowLimitCount: UInt64?
    public var backlogLength: UInt64?

    public init(
        cpu: UInt32, processed: UInt64, dropped: UInt64, timeSqueezed: UInt64, cpuCollision: UInt64? = nil,
        receivedRPS: UInt64? = nil, flowLimitCount: UInt64? = nil, backlogLength: UInt64? = nil
    ) {
        self.cpu = cpu
        self.processed = processed
        self.dropped = dropped
        self.timeSqueezed = timeSqueezed
        self.cpuCollision = cpuCollision
        self.receivedRPS = receivedRPS
        self.flowLimitCount = flowLimitCount
        self.backlogLength = backlogLength
    }
}

/// `/proc/net/softnet_stat` parser.
public enum Softnet {
    /// Parses the content of `/proc/net/softnet_stat`.
    public static func parse(_ text: String) throws(ParseError) -> [SoftnetLine] {
        var result: [SoftnetLine] = []
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 9 else {
                throw ParseError(
                    file: "/proc/net/softnet_stat", reason: "expected at least 9 columns, found \(fields.count)",
                    line: lineNumber)
            }
            var values: [UInt64] = []
            values.reserveCapacity(fields.count)
            for field in fields {
                guard let value = UInt64(field, radix: 16) else {
                    throw ParseError(
                        file: "/proc/net/softnet_stat", reason: "column \"\(field)\" is not hex", line: lineNumber)
                }
                values.append(value)
            }
            func column(_ i: Int) -> UInt64? { i < values.count ? values[i] : nil }
            let cpu = column(12).flatMap { UInt32(exactly: $0) } ?? UInt32(result.count)
            result.append(SoftnetLine(
                cpu: cpu, processed: values[0], dropped: values[1], timeSqueezed: values[2],
                cpuCollision: column(8), receivedRPS: column(9), flowLimitCount: column(10),
                backlogLength: column(11)))
        }
        return result
    }

    /// Reads and parses `<proc>/net/softnet_stat`.
    public static func read(_ paths: HostPaths) throws -> [SoftnetLine] {
        try parse(paths.files.readString(paths.proc("net/softnet_stat"), sizeHint: 8192))
    }
}
