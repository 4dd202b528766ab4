import NoaProcfs
import Testing

/// Captured from this Debian 12 VM (kernel 6.18).
let capturedMeminfo = """
MemTotal:       24684084 kB
MemFree:        22147308 kB
MemAvailable:   24053972 kB
Buffers:           30820 kB
Cached:          2025684 kB
SwapCached:            0 kB
Active:          1030164 kB
Inactive:        1131624 kB
Active(anon):       1556 kB
Inactive(anon):   112608 kB
Active(file):    1028608 kB
Inactive(file):  1019016 kB
Unevictable:       12776 kB
Mlocked:           11812 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Zswap:                 0 kB
Zswapped:              0 kB
Dirty:            222392 kB
Writeback:            52 kB
AnonPages:        118196 kB
Mapped:           223572 kB
Shmem:              8872 kB
KReclaimable:     151000 kB
Slab:             179856 kB
SReclaimable:     151000 kB
SUnreclaim:        28856 kB
KernelStack:        1984 kB
PageTables:         4896 kB
SecPageTables:         0 kB
NFS_Unstable:          0 kB
Bounce:                0 kB
WritebackTmp:          0 kB
CommitLimit:    12342040 kB
Committed_AS:     554008 kB
VmallocTotal:   34359738367 kB
VmallocUsed:       14796 kB
VmallocChunk:          0 kB
Percpu:              688 kB
AnonHugePages:         0 kB
ShmemHugePages:        0 kB
ShmemPmdMapped:        0 kB
FileHugePages:      2048 kB
FilePmdMapped:         0 kB
Balloon:               0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
Hugetlb:               0 kB
DirectMap4k:       28672 kB
DirectMap2M:     2068480 kB
DirectMap1G:    25165824 kB

"""

@Suite struct MeminfoTests {
    @Test func parsesCapturedFile() throws {
        let info = try Meminfo.parse(capturedMeminfo)
        #expect(info.entries.count == 54)
        #expect(info.entries[0] == .init(key: "MemTotal", value: 24684084 * 1024, inBytes: true))
        #expect(info.entries.first { $0.key == "Active(anon)" }?.value == 1556 * 1024)
        #expect(info.entries.first { $0.key == "HugePages_Total" } == .init(key: "HugePages_Total", value: 0, inBytes: false))
        #expect(info.entries.first { $0.key == "VmallocTotal" }?.value == 34359738367 * 1024)
    }

    @Test(arguments: [
        "",
        "MemTotal 100 kB\n",  // no colon
        "MemTotal: lots kB\n",
        "MemTotal: 100 MB\n",  // unknown unit
        "MemTotal: 100 kB extra\n",
        "MemTotal:\n",
        ": 100 kB\n",
        "MemTotal: 18446744073709551615 kB\n",  // overflows when converted to bytes
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Meminfo.parse(text) }
    }
}

@Suite struct MeminfoTruncationTests {
    @Test func fileCutMidLineIsRejected() {
        // "Active(file):    1036 kB" cut after "103": without the newline check it would read as a count of 103.
        #expect(throws: ParseError.self) { try Meminfo.parse("MemTotal:       24684084 kB\nActive(file):    103") }
    }
}
