/// `/proc/net/arp` (kernel `net/ipv4/arp.c`, `arp_seq_show`): a header line, then one neighbour per line:
///
///     IP address       HW type     Flags       HW address            Mask     Device
///     192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
///
/// The kernel leaves out NOARP neighbours, so the lines are the entries `ip neigh` would count.
public enum Arp {
    /// The number of ARP entries per device, from the content of `/proc/net/arp`.
    public static func parseEntriesPerDevice(_ text: String) throws(ParseError) -> [String: Int] {
        var result: [String: Int] = [:]
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            if lineNumber == 1 { continue }
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 6 else {
                throw ParseError(
                    file: "/proc/net/arp", reason: "expected 6 columns, found \(fields.count)", line: lineNumber)
            }
            result[String(fields[5]), default: 0] += 1
        }
        return result
    }

    /// Reads and parses `<proc>/net/arp`.
    public static func read(_ paths: HostPaths) throws -> [String: Int] {
        try parseEntriesPerDevice(paths.files.readString(paths.proc("net/arp"), sizeHint: 8192))
    }
}
