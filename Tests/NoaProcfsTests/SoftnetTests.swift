import NoaProcfs
import Testing

@Suite struct SoftnetTests {
    /// Captured from /proc/net/softnet_stat on the Debian 12 VM (15 columns: kernel 6.x).
    static let captured = #"""
000000e3 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
00000525 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000
"""#

    @Test func parsesCapturedFile() throws {
        let lines = try Softnet.parse(Self.captured)
        #expect(lines.count == 2)
        #expect(lines.map(\.cpu) == [0, 1])
        #expect(lines[1].processed == 0x00000525)
        #expect(lines[1].backlogLength == 0)
        #expect(lines[1].flowLimitCount == 0)
    }

    @Test func oldKernelWithoutIndexUsesLineNumbers() throws {
        // Kernel 4.x: 11 columns, no backlog length or cpu index; offline CPUs are skipped, so this is a guess
        // prometheus/procfs makes too.
        let text = """
            0000000a 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
            0000000b 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000000 00000000
            """
        let lines = try Softnet.parse(text)
        #expect(lines == [
            SoftnetLine(cpu: 0, processed: 10, dropped: 1, timeSqueezed: 2, cpuCollision: 0, receivedRPS: 0,
                        flowLimitCount: 0),
            SoftnetLine(cpu: 1, processed: 11, dropped: 0, timeSqueezed: 0, cpuCollision: 3, receivedRPS: 0,
                        flowLimitCount: 0),
        ])
    }

    @Test(arguments: ["00000001 00000002\n", "0000000g 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Softnet.parse(text) }
    }
}
