import NoaProcfs
import Testing

/// Excerpt of `/proc/vmstat` captured from this Debian 12 VM (kernel 6.18); the real file has ~180 lines.
let capturedVmstat = """
nr_free_pages 5536827
nr_mapped 4951
nr_file_pages 502831
nr_dirty 22735
pgpgin 2184025
pgpgout 2398504
pswpin 0
pswpout 0
pgalloc_dma 0
pgfault 15758338
pgmajfault 3265
pgfree 7164372
thp_fault_alloc 0
oom_kill 0
nr_unstable 0

"""

@Suite struct VmstatTests {
    @Test func parsesEveryField() throws {
        let stat = try Vmstat.parse(capturedVmstat)
        #expect(stat.fields.count == 15)
        #expect(stat.fields[4].name == "pgpgin")
        #expect(stat.fields[4].value == 2184025)
    }

    @Test func filterSkipsOtherFields() throws {
        let stat = try Vmstat.parse(capturedVmstat, including: { $0.hasPrefix("pgp") })
        #expect(stat.fields.map(\.name) == ["pgpgin", "pgpgout"])
    }

    @Test func negativeValuesAreKept() throws {
        #expect(try Vmstat.parse("nr_zone_write_pending -3\n").fields[0].value == -3)
    }

    @Test(arguments: ["", "pgfault\n", "pgfault 1 2\n", "pgfault many\n"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Vmstat.parse(text) }
    }
}
