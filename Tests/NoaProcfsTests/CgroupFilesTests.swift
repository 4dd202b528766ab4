import NoaProcfs
import Testing

@Suite struct CgroupMountsTests {
    /// This machine's table (Debian 12 VM, kernel 6.18): every v1 controller in its own hierarchy, v2 at unified.
    static let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

        """

    @Test func hybridLayout() throws {
        let mounts = try CgroupMounts.parse(Self.hybrid)
        #expect(mounts.layout == .hybrid)
        #expect(mounts.unified == CgroupMounts.Mount(mountPoint: "/sys/fs/cgroup/unified", controllers: [], isV2: true))
        #expect(mounts.v1.map(\.controllers) == [["cpu"], ["cpuacct"], ["memory"], ["name=systemd"]])
        #expect(mounts.v1Mount(for: "cpuacct")?.mountPoint == "/sys/fs/cgroup/cpuacct")
        #expect(mounts.v1Mount(for: "blkio") == nil)
    }

    @Test func pureV2AndCoMountedV1() throws {
        let v2 = try CgroupMounts.parse(
            "30 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n")
        #expect(v2.layout == .v2 && v2.v1.isEmpty)
        let v1 = try CgroupMounts.parse(
            "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                + "32 30 0:28 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory,clone_children\n")
        #expect(v1.layout == .v1)
        #expect(v1.v1Mount(for: "cpu")?.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(v1.v1Mount(for: "cpuacct")?.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(v1.v1Mount(for: "memory")?.controllers == ["memory"])
        #expect(v1.v1Mount(for: "memory")?.root == "/docker/abc")
    }

    @Test func noCgroupMountsAndEscapes() throws {
        #expect(try CgroupMounts.parse("22 1 254:1 / / rw - ext4 /dev/vda1 rw\n").layout == .none)
        let escaped = try CgroupMounts.parse("41 31 0:38 / /mnt/cg\\040two rw - cgroup2 none rw\n")
        #expect(escaped.unified?.mountPoint == "/mnt/cg two")
    }

    @Test func aTruncatedCgroupLineIsAnError() {
        #expect(throws: ParseError.self) { try CgroupMounts.parse("41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2\n") }
    }
}

@Suite struct CgroupStatFilesTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func cpuStatV2AndV1() {
        let v2 = CgroupCPUStat.parse(bytes("usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
            + "nr_periods 400\nnr_throttled 25\nthrottled_usec 1250000\n"))
        #expect(v2.usageMicroseconds == 2_500_000 && v2.userMicroseconds == 2_000_000 && v2.systemMicroseconds == 500_000)
        #expect(v2.periods == 400 && v2.throttledPeriods == 25 && v2.throttledNanoseconds == 1_250_000_000)
        let v1 = CgroupCPUStat.parse(bytes("nr_periods 4\nnr_throttled 2\nthrottled_time 999\n"))
        #expect(v1.throttledNanoseconds == 999 && v1.usageMicroseconds == nil)
    }

    @Test func malformedLinesAreSkippedAndTheRestKept() {
        // A non-numeric value, a key alone, an overflowing number, a blank line, no final newline.
        let stat = CgroupMemoryStat.parse(bytes(
            "anon 10\nfile x1\nfile_mapped\npgfault 99999999999999999999999\n\ninactive_file 7\npgmajfault 3"))
        #expect(stat.anon == 10)
        #expect(stat.file == nil && stat.fileMapped == nil && stat.pgfault == nil)
        #expect(stat.inactiveFile == 7 && stat.pgmajfault == 3)
        #expect(CgroupMemoryStat.parse([]) == CgroupMemoryStat())
    }

    @Test func memoryStatKeysAreMatchedWhole() {
        // total_cache must not be taken for cache, nor file_dirty for file.
        let stat = CgroupMemoryStat.parse(bytes("total_cache 5\ncache 1\nfile 2\nfile_dirty 6\ntotal_inactive_file 9\n"))
        #expect(stat.cache == 1 && stat.totalCache == 5 && stat.file == 2 && stat.totalInactiveFile == 9)
        #expect(stat.inactiveFile == nil)
    }

    @Test func cpuacctStatAndOOMKills() {
        #expect(CgroupCPUAcctStat.parse(bytes("user 131\nsystem 7\n")) == CgroupCPUAcctStat(userTicks: 131, systemTicks: 7))
        #expect(CgroupOOMKills.parse(bytes("low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n")) == 1)
        #expect(CgroupOOMKills.parse(bytes("oom_kill_disable 0\nunder_oom 0\n")) == nil)
    }

    @Test func singleValues() {
        #expect(CgroupValue.parse(bytes("73400320\n")) == .value(73_400_320))
        #expect(CgroupValue.parse(bytes("max\n")) == .unlimited)
        #expect(CgroupValue.parse(bytes("-1\n")) == .unlimited)
        #expect(CgroupValue.parse(bytes("12a\n")) == nil)
        #expect(CgroupValue.parse(bytes("\n")) == nil)
        #expect(CgroupValue.parse(bytes("-5\n")) == nil)
    }

    @Test func cpuMax() {
        #expect(CgroupCPUMax.parse(bytes("50000 100000\n")) == CgroupCPUMax(quota: 50000, period: 100000))
        #expect(CgroupCPUMax.parse(bytes("max 100000\n")) == CgroupCPUMax(quota: nil, period: 100000))
        #expect(CgroupCPUMax.parse(bytes("max\n")) == nil)
        #expect(CgroupCPUMax.parse(bytes("50000 x\n")) == nil)
    }

    @Test func ioStatV2() {
        let devices = CgroupIOStat.parseV2(bytes(
            "254:0 rbytes=4096000 wbytes=8192000 rios=1000 wios=2000 dbytes=0 dios=0\n"
                + "bad rbytes=1\n7:0 rbytes=512 wbytes=x\n"))
        #expect(devices.count == 2)
        #expect(devices[0].major == 254 && devices[0].minor == 0)
        #expect(devices[0].bytes("Read") == 4_096_000 && devices[0].bytes("Write") == 8_192_000)
        #expect(devices[1].bytes("Read") == 512 && devices[1].bytes("Write") == nil)
    }

    @Test func blkioV1() {
        let devices = CgroupIOStat.parseV1(bytes(
            "254:0 Read 4096\n254:0 Write 8192\n8:16 Read 1\n254:0 Total 12288\n8:16 junk\nTotal 12289\n"))
        #expect(devices.count == 2)
        #expect(devices[0].bytes.map(\.operation) == ["Read", "Write", "Total"])
        #expect(devices[0].bytes("Write") == 8192 && devices[1].major == 8 && devices[1].minor == 16)
        #expect(CgroupIOStat.parseV1(bytes("Total 0\n")).isEmpty)
    }

    @Test func pressure() {
        let both = CgroupPressure.parse(bytes(
            "some avg10=1.00 avg60=0.50 avg300=0.10 total=250000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"))
        #expect(both == CgroupPressure(someMicroseconds: 250_000, fullMicroseconds: 7))
        // Older kernels' cpu.pressure has no full line; a line without total= is skipped.
        #expect(CgroupPressure.parse(bytes("some avg10=0.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00\n"))
            == CgroupPressure(someMicroseconds: 5))
        #expect(CgroupPressure.parse(bytes("garbage\n")) == nil)
        #expect(CgroupPressure.parse(bytes("some total=x\n")) == nil)
    }

    @Test func idLists() {
        #expect(CgroupIDList.count(bytes("42\n43\n")) == 2)
        #expect(CgroupIDList.count(bytes("42\n\n43")) == 2)
        #expect(CgroupIDList.count([]) == 0)
    }
}
