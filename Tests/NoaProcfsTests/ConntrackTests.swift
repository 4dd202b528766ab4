import NoaProcfs
import Testing

@Suite struct ConntrackTests {
    /// Captured from /proc/net/stat/nf_conntrack on the Debian 12 VM (kernel 6.x columns).
    static let captured = #"""
entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
00000000  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000
00000000  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000
"""#

    @Test func parsesCapturedFile() throws {
        let stat = try ConntrackStat.parse(Self.captured)
        #expect(stat.totals["found"] == 0)
        #expect(stat.totals["search_restart"] == 0)
        #expect(stat.totals["insert_failed"] == 0)
    }

    @Test func sumsHexOverCPUsButNotEntries() throws {
        let text = """
            entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
            00000005  00000000 0000000a 00000000 00000001 00000000 00000000 00000000 00000002 00000000 00000000 00000000 00000000  00000000 00000000 00000000 000000ff
            00000005  00000000 00000010 00000000 00000001 00000000 00000000 00000000 00000003 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000001
            """
        let stat = try ConntrackStat.parse(text)
        #expect(stat.totals["entries"] == 5)
        #expect(stat.totals["found"] == 26)
        #expect(stat.totals["invalid"] == 2)
        #expect(stat.totals["insert"] == 5)
        #expect(stat.totals["search_restart"] == 256)
    }

    @Test(arguments: ["", "00000001 00000002\n", "entries found\n00000001\n", "entries found\n00000001 0000000z\n"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try ConntrackStat.parse(text) }
    }
}
