import NoaProcfs
import Testing

@Suite struct UdpSocketDropsTests {
    static let header =
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n"
    static let table = header + """
         123: 00000000:0044 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 16371 2 0000000000000000 0
         456: 0100007F:1FBD 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 98765 2 ffff8f0a3b2c4000 4211
        4040: 00000000:0000000000000000FFFF00000100007F:1FBD 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 555 2 0000000000000000 7

        """

    @Test(arguments: [
        (UInt64(16371), UInt64?.some(0)),
        (98765, 4211),
        (555, 7),
        (1, nil),
    ])
    func dropsByInode(inode: UInt64, expected: UInt64?) throws {
        #expect(try UdpSocketDrops.parse(Self.table, inode: inode) == expected)
    }

    @Test func headerOnlyHasNoSocket() throws {
        #expect(try UdpSocketDrops.parse(Self.header, inode: 16371) == nil)
    }

    @Test(arguments: [
        header + "  1: 00000000:0044 00000000:0000 07 0:0\n",
        header + "  1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 x1 2 0 0\n",
        header + "  1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 42 2 0 -3\n",
        header + "  1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 42 2\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try UdpSocketDrops.parse(text, inode: 42) }
    }
}
