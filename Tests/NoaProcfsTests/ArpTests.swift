import NoaProcfs
import Testing

@Suite struct ArpTests {
    /// Captured from /proc/net/arp on the Debian 12 VM.
    static let captured = #"""
IP address       HW type     Flags       HW address            Mask     Device
192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
"""#

    @Test func countsCapturedEntries() throws {
        #expect(try Arp.parseEntriesPerDevice(Self.captured) == ["eth0": 1])
    }

    @Test func countsPerDevice() throws {
        let text = """
            IP address       HW type     Flags       HW address            Mask     Device
            192.168.1.1      0x1         0x2         00:11:22:33:44:55     *        eth0
            192.168.1.7      0x1         0x0         00:00:00:00:00:00     *        eth0
            10.0.0.1         0x1         0x2         00:11:22:33:44:66     *        wlan0
            """
        #expect(try Arp.parseEntriesPerDevice(text) == ["eth0": 2, "wlan0": 1])
    }

    @Test func headerOnlyHasNoEntries() throws {
        #expect(try Arp.parseEntriesPerDevice("IP address HW type Flags HW address Mask Device\n") == [:])
    }

    @Test func rejectsShortLine() {
        #expect(throws: ParseError.self) { try Arp.parseEntriesPerDevice("header\n192.168.1.1 0x1 0x2\n") }
    }
}
