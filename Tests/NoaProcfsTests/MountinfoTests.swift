import NoaProcfs
import Testing

@Suite struct MountinfoTests {
    /// Captured from /proc/1/mountinfo on the Debian 12 VM.
    static let captured = #"""
22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755
29 26 0:26 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""#

    @Test func parsesCapturedFile() throws {
        let mounts = try Mountinfo.parse(Self.captured)
        #expect(mounts.count == 20)
        let root = try #require(mounts.first { $0.mountPoint == "/" })
        #expect(root == MountinfoEntry(
            major: 254, minor: 0, mountPoint: "/",
            mountOptions: "rw,relatime", fsType: "ext4", source: "/dev/vda"))
        #expect(!root.isReadOnly)
        let tools = try #require(mounts.first { $0.fsType == "tmpfs" && $0.mountPoint.hasPrefix("/mnt/") })
        #expect(tools.isReadOnly)
        #expect(mounts.contains { $0.fsType == "cgroup2" && $0.mountPoint == "/sys/fs/cgroup/unified" })
    }

    @Test func optionalFieldsAndOctalEscapes() throws {
        let text = #"36 35 98:0 /mnt1 /mnt/with\040space\011tab rw,noatime master:1 shared:2 - ext3 /dev/my\134disk rw"#
        let mounts = try Mountinfo.parse(text)
        #expect(mounts == [MountinfoEntry(
            major: 98, minor: 0, mountPoint: "/mnt/with space\ttab", mountOptions: "rw,noatime",
            fsType: "ext3", source: "/dev/my\\disk")])
    }

    @Test(arguments: [
        (#"\040"#, " "), (#"a\134b"#, "a\\b"), (#"\04"#, #"\04"#), (#"\999x"#, #"\999x"#), ("plain", "plain"),
    ])
    func unescapesOnlyValidOctal(_ input: String, _ expected: String) {
        #expect(Mountinfo.unescapeOctal(Substring(input)) == expected)
    }

    @Test(arguments: [
        "36 35 98:0 /mnt1 /mnt2 rw - ext3\n",
        "36 35 98:0 /mnt1 /mnt2 rw master:1 shared:2 opt:3 ext3 /dev/root rw\n",
        "36 35 98-0 /mnt1 /mnt2 rw shared:1 - ext3 /dev/root rw\n",
        "36 35 :0 /mnt1 /mnt2 rw shared:1 - ext3 /dev/root rw\n",
        "36 35 98:0 /mnt1 /mnt2 rw shared:1 other:2 - ext3\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Mountinfo.parse(text) }
    }
}
