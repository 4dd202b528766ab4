/// The summed send and receive queue lengths of all UDP sockets, from `/proc/net/udp` or `/proc/net/udp6`
/// (kernel `net/ipv4/udp.c` `udp4_format_sock`, `net/ipv6/datagram.c` `__ip6_dgram_sock_seq_show`):
///
///        sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
///       1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 ...
///
/// The fifth column is `tx_queue:rx_queue` in hex bytes.
public struct UdpQueues: Sendable, Equatable {
    public var txQueue: UInt64
    public var rxQueue: UInt64

    public init(txQueue: UInt64, rxQueue: UInt64) {
        self.txQueue = txQueue
        self.rxQueue = rxQueue
    }

    /// Parses the content of `/proc/net/udp` or `/proc/net/udp6`.
    public static func parse(_ text: String, file: String = "/proc/net/udp") throws(ParseError) -> UdpQueues {
        var tx: UInt64 = 0
        var rx: UInt64 = 0
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            if lineNumber == 1 { continue }
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 5 else {
                throw ParseError(file: file, reason: "expected at least 5 columns, found \(fields.count)", line: lineNumber)
            }
            let queues = fields[4]
            guard let colon = queues.firstIndex(of: ":"),
                  let t = UInt64(queues[..<colon], radix: 16),
                  let r = UInt64(queues[queues.index(after: colon)...], radix: 16)
            else {
                throw ParseError(file: file, reason: "queues \"\(queues)\" are not hex tx:rx", line: lineNumber)
            }
            tx &+= t
            rx &+= r
        }
        return UdpQueues(txQueue: tx, rxQueue: rx)
    }
}
