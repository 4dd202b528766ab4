import NoaProcfs
import Testing

@Suite struct ProcessCgroupTests {
    @Test(arguments: [
        // Captured on Debian 12 (cgroup v2) for a service.
        ("0::/system.slice/ssh.service\n", "ssh.service"),
        // A login session scope.
        ("0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope"),
        // A sub-cgroup of a service still names the service.
        ("0::/system.slice/docker.service/worker\n", "docker.service"),
        // The user manager: innermost unit wins.
        ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n", "foo.service"),
        // cgroup v1 (hybrid) with name=systemd.
        ("""
        12:cpuset:/
        11:memory:/system.slice/cron.service
        1:name=systemd:/system.slice/cron.service
        0::/system.slice/cron.service

        """, "cron.service"),
        // Pure v1, no unified line.
        ("4:cpu,cpuacct:/\n1:name=systemd:/system.slice/rsyslog.service\n", "rsyslog.service"),
        // A container without systemd: no unit.
        ("0::/\n", nil),
        ("0::/docker/4f1c2a\n", nil),
        ("", nil),
        ("garbage\n", nil),
    ] as [(String, String?)])
    func unit(text: String, expected: String?) {
        #expect(ProcessCgroup.systemdUnit(text) == expected)
    }

    @Test func unknownPidIsNil() throws {
        let root = "/nonexistent-proc-root"
        #expect(ProcessCgroup.systemdUnit(pid: 4242, procRoot: root) == nil)
    }
}
