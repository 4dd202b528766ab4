import NoaProcfs
import Testing

@Suite struct DiskstatsTests {
    /// Captured on the Debian 12 VM (kernel with 17 counters: discard and flush fields).
    static let captured = #"""
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       1 loop1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       2 loop2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       3 loop3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       4 loop4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       5 loop5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       6 loop6 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   7       7 loop7 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 40039 7105 4299418 16088 36439 43152 4774328 21425 0 10872 38784 8003 0 1391384 876 6369 394
 253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
"""#

    @Test func parsesCapturedFile() throws {
        let lines = try Diskstats.parse(Self.captured)
        #expect(lines.count == 10)
        let vda = try #require(lines.first { $0.device == "vda" })
        #expect(vda.major == 254 && vda.minor == 0)
        #expect(vda.counters.count == 17)
        #expect(vda[counter: 0] == 40039)
        #expect(vda[counter: 17] == nil)
    }

    @Test(arguments: [
        ("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n", 11),
        ("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n", 15),
        ("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 17),
    ])
    func acceptsEveryKernelLayout(_ text: String, _ count: Int) throws {
        let lines = try Diskstats.parse(text)
        #expect(lines == [DiskstatsLine(major: 8, minor: 0, device: "sda", counters: (1...UInt64(count)).map { $0 })])
    }

    @Test(arguments: [
        "   8       0 sda 1 2 3\n",
        "   8       0 sda 1 2 3 4 5 6 7 8 9 10 x\n",
        "   x       0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
        "   8       0 sda 1 2 3 4 5 6 7 8 9 10 -1\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Diskstats.parse(text) }
    }

    @Test func emptyFileHasNoDevices() throws {
        #expect(try Diskstats.parse("") == [])
    }

    @Test func udevPropertiesKeepOnlyELines() {
        let text = """
            S:disk/by-id/virtio-abc
            I:1234567
            E:ID_MODEL=QEMU HARDDISK
            E:ID_SERIAL_SHORT=QM00001
            E:ID_FS_UUID=a=b
            E:BROKEN
            G:systemd
            """
        #expect(UdevProperties.parse(text) == [
            "ID_MODEL": "QEMU HARDDISK", "ID_SERIAL_SHORT": "QM00001", "ID_FS_UUID": "a=b",
        ])
    }
}
