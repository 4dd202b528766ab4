/// One interface line of `/proc/net/dev` (kernel `net/core/net-procfs.c`, `dev_seq_printf_stats`).
///
/// After two header lines, each line is `name:` followed by 8 receive counters (bytes packets errs drop fifo
/// frame compressed multicast) and 8 transmit counters (bytes packets errs drop fifo colls carrier compressed).
public struct NetDevLine: Sendable, Equatable {
    public var device: String
    /// bytes, packets, errs, drop, fifo, frame, compressed, multicast.
    public var receive: [UInt64]
    /// bytes, packets, errs, drop, fifo, colls, carrier, compressed.
    public var transmit: [UInt64]

    public init(device: String, receive: [UInt64], transmit: [UInt64]) {
        self.device = device
        self.receive = receive
        self.transmit = transmit
    }

    /// node_exporter's names of the receive columns, in file order.
    public static let receiveNames = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"]
    /// node_exporter's names of the transmit columns, in file order.
    public static let transmitNames = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"]
}

/// `/proc/net/dev` parser.
public enum NetDev {
    /// Parses the content of `/proc/net/dev`.
    public static func parse(_ text: String) throws(ParseError) -> [NetDevLine] {
        var result: [NetDevLine] = []
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            if lineNumber <= 2 { continue }  // the two header lines
            // A large byte count can follow the colon without a space ("eth0:123456789012"), so split on it first.
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError(file: "/proc/net/dev", reason: "no \":\" after the interface name", line: lineNumber)
            }
            let name = line[..<colon].procFields()
            let fields = line[line.index(after: colon)...].procFields()
            guard name.count == 1, fields.count >= 16 else {
                throw ParseError(
                    file: "/proc/net/dev", reason: "expected a name and 16 counters, found \(fields.count)",
                    line: lineNumber)
            }
            var values: [UInt64] = []
            values.reserveCapacity(16)
            for field in fields.prefix(16) {
                guard let value = UInt64(field) else {
                    throw ParseError(
                        file: "/proc/net/dev", reason: "counter \"\(field)\" is not a number", line: lineNumber)
                }
                values.append(value)
            }
            result.append(NetDevLine(
                device: String(name[0]), receive: Array(values[0..<8]), transmit: Array(values[8..<16])))
        }
        return result
    }

    /// Reads and parses `<proc>/net/dev`.
    public static func read(_ paths: HostPaths) throws -> [NetDevLine] {
        try parse(paths.files.readString(paths.proc("net/dev"), sizeHint: 8192))
    }
}
