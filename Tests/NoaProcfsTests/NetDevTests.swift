import NoaProcfs
import Testing

@Suite struct NetDevTests {
    /// Captured from /proc/net/dev on the Debian 12 VM.
    static let captured = #"""
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  147146     266    0    0    0     0          0         0   147146     266    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 52940372    1025    0    0    0     0          0         0    51105     583    0    0    0     0       0          0
"""#

    @Test func parsesCapturedFile() throws {
        let lines = try NetDev.parse(Self.captured)
        #expect(lines.map(\.device) == ["lo", "ifb0", "ifb1", "eth0"])
        let lo = lines[0]
        #expect(lo.receive.count == 8 && lo.transmit.count == 8)
        #expect(lo.receive[0] == 147146 && lo.transmit[0] == 147146)
    }

    @Test func largeCounterRightAfterTheColon() throws {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            enp3s0:123456789012 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
            """
        let lines = try NetDev.parse(text)
        #expect(lines == [NetDevLine(
            device: "enp3s0", receive: [123456789012, 2, 3, 4, 5, 6, 7, 8],
            transmit: [9, 10, 11, 12, 13, 14, 15, 16])])
    }

    @Test(arguments: [
        "h1\nh2\n  eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
        "h1\nh2\n  eth0: 1 2 3 4 5 6 7 8\n",
        "h1\nh2\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n",
        "h1\nh2\n  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try NetDev.parse(text) }
    }
}
