import NoaProcfs
import Testing

@Suite struct UdpQueuesTests {
    /// Captured from /proc/net/udp on the Debian 12 VM (no UDP sockets open: header only).
    static let captured = #"""
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
"""#

    @Test func capturedHeaderOnlyIsZero() throws {
        #expect(try UdpQueues.parse(Self.captured) == UdpQueues(txQueue: 0, rxQueue: 0))
    }

    @Test func sumsHexQueues() throws {
        let text = """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              123: 00000000:0044 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 16371 2 0000000000000000 0
              456: 0100007F:0035 00000000:0000 07 00000010:00000001 00:00000000 00000000   101        0 15933 2 0000000000000000 0
            """
        #expect(try UdpQueues.parse(text) == UdpQueues(txQueue: 0x10, rxQueue: 0x301))
    }

    @Test(arguments: [
        "header\n  1: 00000000:0044 00000000:0000 07\n",
        "header\n  1: 00000000:0044 00000000:0000 07 0000000000000300 00:00000000\n",
        "header\n  1: 00000000:0044 00000000:0000 07 0000000g:00000300 00:00000000\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try UdpQueues.parse(text) }
    }
}
