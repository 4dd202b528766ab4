/// The `drops` column of one socket's row in `/proc/net/udp` or `/proc/net/udp6`: datagrams the kernel
/// discarded because the socket's receive buffer was full (kernel `net/ipv4/udp.c` `udp4_format_sock`,
/// `net/ipv6/datagram.c` `__ip6_dgram_sock_seq_show`):
///
///        sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
///       1: 0100007F:1FBD 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 2 0000000000000000 17
///
/// A socket is found by its inode (st_ino of the socket fd), the tenth column; `drops` is the thirteenth.
public enum UdpSocketDrops {
    /// The drops of the socket with `inode`, or nil when no row has that inode.
    public static func parse(_ text: String, inode: UInt64, file: String = "/proc/net/udp") throws(ParseError) -> UInt64? {
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            if lineNumber == 1 { continue }
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count >= 10 else {
                throw ParseError(file: file, reason: "expected at least 10 columns, found \(fields.count)", line: lineNumber)
            }
            guard let rowInode = UInt64(fields[9]) else {
                throw ParseError(file: file, reason: "inode \"\(fields[9])\" is not a number", line: lineNumber)
            }
            guard rowInode == inode else { continue }
            guard fields.count >= 13 else {
                throw ParseError(file: file, reason: "expected a drops column, found \(fields.count) columns", line: lineNumber)
            }
            guard let drops = UInt64(fields[12]) else {
                throw ParseError(file: file, reason: "drops \"\(fields[12])\" is not a number", line: lineNumber)
            }
            return drops
        }
        return nil
    }
}
