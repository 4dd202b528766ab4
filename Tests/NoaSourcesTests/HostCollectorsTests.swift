import Glibc
@testable import NoaSources
import NoaCore
import NoaProcfs
import Testing

@Suite struct MeminfoCollectorTests {
    @Test(arguments: [
        ("MemTotal", true, "node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes."),
        ("Active(anon)", true, "node_memory_Active_anon_bytes", "Memory information field Active_anon_bytes."),
        ("Inactive(file)", true, "node_memory_Inactive_file_bytes", "Memory information field Inactive_file_bytes."),
        ("HugePages_Total", false, "node_memory_HugePages_Total", "Memory information field HugePages_Total."),
        ("NFS_Unstable", true, "node_memory_NFS_Unstable_bytes", "Memory information field NFS_Unstable_bytes."),
    ])
    func namesFollowNodeExporter(_ key: String, _ inBytes: Bool, _ name: String, _ help: String) {
        let metric = MeminfoCollector.metricName(key: Substring(key), inBytes: inBytes)
        #expect(metric.name == name)
        #expect(metric.help == help)
    }

    @Test func emitsEveryKeyAsGauge() throws {
        let tree = FixtureTree().write("proc/meminfo", "MemTotal:  100 kB\nActive(anon):  2 kB\nHugePages_Total:  3\nNewKernelField:  4 kB\n")
        let collector = MeminfoCollector(context: tree.context)
        for _ in 0..<2 {  // the second scrape uses the cached names
            var batch = MetricBatch()
            try collector.collect(into: &batch)
            #expect(batch.families.map(\.name) == [
                "node_memory_MemTotal_bytes", "node_memory_Active_anon_bytes", "node_memory_HugePages_Total",
                "node_memory_NewKernelField_bytes",
            ])
            #expect(batch.families.allSatisfy { $0.type == .gauge })
            #expect(batch.value("node_memory_MemTotal_bytes") == 102400)
            #expect(batch.value("node_memory_HugePages_Total") == 3)
        }
    }

    @Test func malformedThrows() {
        let tree = FixtureTree().write("proc/meminfo", "MemTotal: x kB\n")
        var batch = MetricBatch()
        #expect(throws: ParseError.self) { try MeminfoCollector(context: tree.context).collect(into: &batch) }
    }
}

@Suite struct VmstatCollectorTests {
    /// The prefix test must agree with node_exporter's default `^(oom_kill|pgpg|pswp|pg.*fault).*`.
    @Test(arguments: [
        "oom_kill", "pgpgin", "pgpgout", "pswpin", "pswpout", "pgfault", "pgmajfault", "pgdemote_kswapd",
        "nr_free_pages", "pgalloc_dma", "thp_fault_alloc", "pgscan_kswapd", "pg", "pgfaul", "pgsteal_fault",
        "numa_hint_faults", "oom", "pswp", "zone_reclaim_failed", "pgmajfault_s",
    ])
    func filterMatchesTheRegex(_ field: String) throws {
        let regex = try Regex("^(oom_kill|pgpg|pswp|pg.*fault).*")
        #expect(VmstatCollector.isDefaultField(Substring(field)) == (field.firstMatch(of: regex) != nil))
    }

    @Test func emitsFilteredUntypedFields() throws {
        let tree = FixtureTree().write("proc/vmstat", capturedVmstatLines)
        var batch = MetricBatch()
        try VmstatCollector(context: tree.context).collect(into: &batch)
        #expect(batch.families.map(\.name) == [
            "node_vmstat_pgpgin", "node_vmstat_pgpgout", "node_vmstat_pswpin", "node_vmstat_pswpout",
            "node_vmstat_pgfault", "node_vmstat_pgmajfault", "node_vmstat_oom_kill",
        ])
        #expect(batch.families.allSatisfy { $0.type == .untyped })
        #expect(batch.family(named: "node_vmstat_pgfault")?.help == "/proc/vmstat information field pgfault.")
        #expect(batch.value("node_vmstat_pgpgin") == 2184025)
    }
}

/// Excerpt of `/proc/vmstat` captured from this VM.
let capturedVmstatLines = """
nr_free_pages 5536827
nr_dirty 22735
pgpgin 2184025
pgpgout 2398504
pswpin 0
pswpout 0
pgalloc_dma 0
pgfault 15758338
pgmajfault 3265
thp_fault_alloc 0
oom_kill 0

"""

@Suite struct PressureCollectorTests {
    static let line = "some avg10=0.30 avg60=0.25 avg300=0.34 total=3247423\nfull avg10=0.00 avg60=0.04 avg300=0.25 total=2587635\n"

    @Test func emitsWaitingAndStalled() throws {
        let tree = FixtureTree()
            .write("proc/pressure/cpu", "some avg10=41.21 avg60=66.24 avg300=28.97 total=111749015\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
            .write("proc/pressure/io", Self.line)
            .write("proc/pressure/memory", Self.line)
        var batch = MetricBatch()
        try PressureCollector(context: tree.context).collect(into: &batch)
        #expect(batch.families.map(\.name) == [
            "node_pressure_cpu_waiting_seconds_total", "node_pressure_io_waiting_seconds_total",
            "node_pressure_io_stalled_seconds_total", "node_pressure_memory_waiting_seconds_total",
            "node_pressure_memory_stalled_seconds_total",
        ])
        #expect(batch.families.allSatisfy { $0.type == .counter })
        #expect(batch.value("node_pressure_cpu_waiting_seconds_total") == 111749015 / 1000.0 / 1000.0)
        #expect(batch.value("node_pressure_io_stalled_seconds_total") == 2.587635)
    }

    @Test func emitsIRQWhenPresent() throws {
        let tree = FixtureTree()
            .write("proc/pressure/cpu", Self.line).write("proc/pressure/irq", "full avg10=0.00 avg60=0.00 avg300=0.00 total=1500000\n")
        var batch = MetricBatch()
        try PressureCollector(context: tree.context).collect(into: &batch)
        #expect(batch.value("node_pressure_irq_stalled_seconds_total") == 1.5)
    }

    @Test func noPressureDirectoryIsUnavailable() {
        let tree = FixtureTree().write("proc/stat", "")
        var batch = MetricBatch()
        #expect(throws: HostCollectorError.self) { try PressureCollector(context: tree.context).collect(into: &batch) }
    }

    @Test(arguments: ["", "some avg10=x avg60=0 avg300=0 total=1\n", "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"])
    func malformedOrMissingLineThrows(_ io: String) {
        let tree = FixtureTree().write("proc/pressure/io", io)
        var batch = MetricBatch()
        #expect(throws: ParseError.self) { try PressureCollector(context: tree.context).collect(into: &batch) }
    }
}

@Suite struct UnameCollectorTests {
    static func tree(arch: String?) -> FixtureTree {
        let tree = FixtureTree()
            .write("proc/sys/kernel/ostype", "Linux\n")
            .write("proc/sys/kernel/osrelease", "6.18.44-fc-v669\n")
            .write("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC @0\n")
            .write("proc/sys/kernel/hostname", "vm\n")
            .write("proc/sys/kernel/domainname", "(none)\n")
        if let arch { tree.write("proc/sys/kernel/arch", arch + "\n") }
        return tree
    }

    @Test func labelsFromProcSysKernel() throws {
        let tree = Self.tree(arch: "riscv64")  // held: the tree is deleted when released
        var batch = MetricBatch()
        try UnameCollector(context: tree.context).collect(into: &batch)
        #expect(batch.lines("node_uname_info") == [
            "{domainname=(none),machine=riscv64,nodename=vm,release=6.18.44-fc-v669,sysname=Linux,version=#1 SMP PREEMPT_DYNAMIC @0} 1.0"
        ])
        #expect(batch.family(named: "node_uname_info")?.type == .gauge)
    }

    @Test func machineFallsBackToUname() throws {
        let tree = Self.tree(arch: nil)
        var batch = MetricBatch()
        try UnameCollector(context: tree.context).collect(into: &batch)
        var names = utsname()
        uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(batch.family(named: "node_uname_info")?.samples.first?.labels.first { $0.name == "machine" }?.value == machine)
    }

    @Test func missingFileThrows() {
        let tree = Self.tree(arch: "x86_64")
        tree.remove("proc/sys/kernel/hostname")
        var batch = MetricBatch()
        #expect(throws: FileReadError.self) { try UnameCollector(context: tree.context).collect(into: &batch) }
    }
}

@Suite struct OSCollectorTests {
    @Test func debianFromUsrLibFallback() throws {
        let tree = FixtureTree().write("usr/lib/os-release", capturedOSReleaseText)
        var batch = MetricBatch()
        try OSCollector(context: tree.context).collect(into: &batch)
        #expect(batch.lines("node_os_info") == [
            "{build_id=,id=debian,id_like=,image_id=,image_version=,name=Debian GNU/Linux,pretty_name=Debian GNU/Linux 12 (bookworm),variant=,variant_id=,version=12 (bookworm),version_codename=bookworm,version_id=12} 1.0"
        ])
        #expect(batch.lines("node_os_version") == ["{id=debian,id_like=,name=Debian GNU/Linux} 12.0"])
        #expect(batch.family(named: "node_os_support_end_timestamp_seconds") == nil)
    }

    @Test func etcWinsAndSupportEnd() throws {
        let tree = FixtureTree()
            .write("etc/os-release", "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04.3\"\nSUPPORT_END=2027-04-01\n")
            .write("usr/lib/os-release", "ID=other\n")
        var batch = MetricBatch()
        try OSCollector(context: tree.context).collect(into: &batch)
        #expect(batch.value("node_os_version") == 22.04)
        #expect(batch.value("node_os_support_end_timestamp_seconds") == 1806537600)
    }

    @Test(arguments: [("12", 12.0), ("22.04", 22.04), ("22.04.3", 22.04), ("7.", 7.0), ("rolling", nil), ("", nil)] as [(String, Double?)])
    func majorMinor(_ versionID: String, _ expected: Double?) {
        #expect(OSCollector.majorMinor(versionID) == expected)
    }

    @Test(arguments: [("1970-01-01", 0), ("2000-02-29", 951782400), ("2025-06-10", 1749513600), ("2023-02-29", nil), ("2025-6-10", nil), ("soon", nil)] as [(String, Int64?)])
    func dates(_ text: String, _ expected: Int64?) {
        #expect(OSCollector.dateTimestamp(text) == expected)
    }

    @Test func noFileIsUnavailable() {
        var batch = MetricBatch()
        #expect(throws: HostCollectorError.self) { try OSCollector(context: FixtureTree().context).collect(into: &batch) }
    }

    @Test func malformedThrows() {
        let tree = FixtureTree().write("etc/os-release", "NAME=\"unterminated\n")
        var batch = MetricBatch()
        #expect(throws: ParseError.self) { try OSCollector(context: tree.context).collect(into: &batch) }
    }
}

let capturedOSReleaseText = """
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"

"""

@Suite struct TimeCollectorTests {
    @Test func clocksourcesAndTime() throws {
        let tree = FixtureTree()
            .write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc kvm-clock \n")
            .write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
            .write("sys/devices/system/clocksource/clocksource1/available_clocksource", "hpet\n")
            .write("sys/devices/system/clocksource/clocksource1/current_clocksource", "hpet\n")
        var batch = MetricBatch()
        try TimeCollector(context: tree.context).collect(into: &batch)
        #expect(batch.lines("node_time_clocksource_available_info") == [
            "{clocksource=tsc,device=0} 1.0", "{clocksource=kvm-clock,device=0} 1.0", "{clocksource=hpet,device=1} 1.0",
        ])
        #expect(batch.lines("node_time_clocksource_current_info") == ["{clocksource=tsc,device=0} 1.0", "{clocksource=hpet,device=1} 1.0"])
        let now = Double(time(nil))
        #expect(abs((batch.value("node_time_seconds") ?? 0) - now) < 5)
        let zone = try #require(batch.family(named: "node_time_zone_offset_seconds"))
        #expect(zone.samples.first?.labels.map(\.name) == ["time_zone"])
    }

    @Test func noClocksourceDirectoryStillReportsTime() throws {
        var batch = MetricBatch()
        try TimeCollector(context: FixtureTree().context).collect(into: &batch)
        #expect(batch.families.map(\.name) == ["node_time_seconds", "node_time_zone_offset_seconds"])
    }
}

@Suite struct TimexCollectorTests {
    /// The reading node_exporter 1.5 reported on this VM (unsynchronised clock): status 64 (STA_UNSYNC).
    @Test func unsynchronisedMicroseconds() {
        var batch = MetricBatch()
        TimexCollector.add(TimexReading(state: 5, maxerror: 16_000_000, esterror: 16_000_000, status: 64,
                                        constant: 2, tick: 10000), into: &batch)
        #expect(batch.families.count == 17)
        #expect(batch.value("node_timex_sync_status") == 0)
        #expect(batch.value("node_timex_maxerror_seconds") == 16)
        #expect(batch.value("node_timex_estimated_error_seconds") == 16)
        #expect(batch.value("node_timex_tick_seconds") == 0.01)
        #expect(batch.value("node_timex_frequency_adjustment_ratio") == 1)
        #expect(batch.value("node_timex_loop_time_constant") == 2)
        #expect(batch.value("node_timex_status") == 64)
        #expect(batch.family(named: "node_timex_pps_calibration_total")?.type == .counter)
        #expect(batch.family(named: "node_timex_offset_seconds")?.type == .gauge)
    }

    @Test(arguments: [(Int32(0x2000 | 0x1), 1e9), (Int32(0x1), 1e6)])
    func offsetAndJitterFollowSTANano(_ status: Int32, _ perSecond: Double) {
        var batch = MetricBatch()
        TimexCollector.add(TimexReading(state: 0, offset: 1500, freq: 65536 * 10, status: status, jitter: 20,
                                        stabil: 65536, tai: 37), into: &batch)
        #expect(batch.value("node_timex_offset_seconds") == 1500 / perSecond)
        #expect(batch.value("node_timex_pps_jitter_seconds") == 20 / perSecond)
        #expect(batch.value("node_timex_frequency_adjustment_ratio") == 1 + 10 / 1e6)
        #expect(batch.value("node_timex_pps_stability_hertz") == 1 / 1e6)
        #expect(batch.value("node_timex_sync_status") == 1)
        #expect(batch.value("node_timex_tai_offset_seconds") == 37)
    }

    @Test func liveAdjtimexAnswers() throws {
        var batch = MetricBatch()
        try TimexCollector(context: FixtureTree().context).collect(into: &batch)
        #expect(batch.families.count == 17)
        #expect((batch.value("node_timex_tick_seconds") ?? 0) > 0)
    }
}

@Suite struct SmallKernelCollectorTests {
    @Test func entropy() throws {
        let tree = FixtureTree()
            .write("proc/sys/kernel/random/entropy_avail", "256\n").write("proc/sys/kernel/random/poolsize", "256\n")
        var batch = MetricBatch()
        try EntropyCollector(context: tree.context).collect(into: &batch)
        #expect(batch.value("node_entropy_available_bits") == 256)
        #expect(batch.value("node_entropy_pool_size_bits") == 256)
    }

    @Test func filefd() throws {
        let tree = FixtureTree().write("proc/sys/fs/file-nr", "919\t0\t2466170\n")
        var batch = MetricBatch()
        try FilefdCollector(context: tree.context).collect(into: &batch)
        #expect(batch.value("node_filefd_allocated") == 919)
        #expect(batch.value("node_filefd_maximum") == 2466170)
        #expect(batch.families.allSatisfy { $0.type == .gauge })
    }

    @Test func missingFilesThrow() {
        var batch = MetricBatch()
        let tree = FixtureTree()
        #expect(throws: FileReadError.self) { try EntropyCollector(context: tree.context).collect(into: &batch) }
        #expect(throws: FileReadError.self) { try FilefdCollector(context: tree.context).collect(into: &batch) }
    }
}
