import NoaProcfs
import Testing

@Suite struct SockstatTests {
    /// Captured from /proc/net/sockstat and /proc/net/sockstat6 on the Debian 12 VM.
    static let sockstat = #"""
sockets: used 22
TCP: inuse 1 orphan 0 tw 12 alloc 1 mem 263
UDP: inuse 0 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
"""#
    static let sockstat6 = #"""
TCP6: inuse 0
UDP6: inuse 0
UDPLITE6: inuse 0
RAW6: inuse 0
FRAG6: inuse 0 memory 0
"""#

    @Test func parsesCapturedFiles() throws {
        let v4 = try Sockstat.parse(Self.sockstat)
        #expect(v4.lines.map(\.proto) == ["sockets", "TCP", "UDP", "UDPLITE", "RAW", "FRAG"])
        #expect(v4.lines[0].pairs.first?.key == "used")
        #expect(v4.lines[0].pairs.first?.value == 22)
        #expect(v4.lines[1].pairs.map(\.key) == ["inuse", "orphan", "tw", "alloc", "mem"])
        #expect(v4.lines[5].pairs.map(\.key) == ["inuse", "memory"])
        let v6 = try Sockstat.parse(Self.sockstat6, file: "/proc/net/sockstat6")
        #expect(v6.lines.map(\.proto) == ["TCP6", "UDP6", "UDPLITE6", "RAW6", "FRAG6"])
    }

    @Test(arguments: ["TCP inuse 1\n", "TCP: inuse\n", "TCP: inuse 1 orphan\n", "TCP: inuse x\n", "TCP:\n"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Sockstat.parse(text) }
    }
}
