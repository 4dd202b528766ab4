import NoaProcfs
import Testing

/// Captured from this Debian 12 VM (kernel 6.18, 2 CPUs); the `intr` line is cut after its first fields.
let capturedProcStat = """
cpu  34414 0 8438 71664 444 0 85 21 0 0
cpu0 15989 0 3856 37584 44 0 14 8 0 0
cpu1 18425 0 4581 34080 399 0 70 12 0 0
intr 337412 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 17 0 0 0 0 115 77 0 22 1 74807 0 1041 648
ctxt 633614
btime 1795791385
processes 22962
procs_running 6
procs_blocked 0
softirq 264030 0 36244 4 1920 74805 0 3 44762 0 106292

"""

@Suite struct ProcStatTests {
    @Test func parsesCapturedFile() throws {
        let stat = try ProcStat.parse(capturedProcStat)
        #expect(stat.cpus.map(\.id) == [0, 1])
        #expect(stat.cpus[0].ticks == CPUTicks([15989, 0, 3856, 37584, 44, 0, 14, 8, 0, 0]))
        #expect(stat.cpus[1].ticks.iowait == 399)
        #expect(stat.cpus[1].ticks.steal == 12)
        #expect(stat.interrupts == 337412)
        #expect(stat.contextSwitches == 633614)
        #expect(stat.bootTime == 1795791385)
        #expect(stat.forks == 22962)
        #expect(stat.procsRunning == 6)
        #expect(stat.procsBlocked == 0)
    }

    @Test func olderKernelsWithFewerColumns() throws {
        // Linux 2.6.24 prints no guest_nice, 2.6.11 no steal: missing columns are zero.
        let stat = try ProcStat.parse("cpu 1 2 3 4\ncpu0 1 2 3 4 5\ncpu3 10 0 0 7 0 0 0 1 2\n")
        #expect(stat.cpus.map(\.id) == [0, 3])
        #expect(stat.cpus[0].ticks == CPUTicks([1, 2, 3, 4, 5]))
        #expect(stat.cpus[1].ticks.guest == 2)
        #expect(stat.cpus[1].ticks.guestNice == 0)
        #expect(stat.bootTime == 0)
    }

    @Test(arguments: [
        "",
        "cpu  1 2 3 4\n",  // aggregate only
        "cpu0 1 2 3\n",  // too few counters
        "cpu0 1 2 x 4\n",
        "cpuX 1 2 3 4\n",
        "cpu0 1 2 3 4\nbtime\n",
        "cpu0 1 2 3 4\nctxt -5\n",
        "cpu0 1 2 3 4\nintr many\n",
        "cpu0 1 2 3 4 99999999999999999999999\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try ProcStat.parse(text) }
    }
}
