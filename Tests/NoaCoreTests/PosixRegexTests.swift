@testable import NoaCore
import Testing

@Suite struct PosixRegexTests {
    @Test(arguments: [
        ("\\d+", "[0-9]+"), ("a\\sb", "a[[:space:]]b"), ("[\\d_]", "[0-9_]"), ("[\\w.]+", "[0-9A-Za-z_.]+"),
        ("\\.", "\\."), ("[]\\d]", "[]0-9]"), ("[^]\\d]", "[^]0-9]"), ("[[:alpha:]\\d]", "[[:alpha:]0-9]"),
        ("\\D\\S\\W", "[^0-9][^[:space:]][^0-9A-Za-z_]"), ("x\\", "x\\"),
    ])
    func re2ClassesBecomeBrackets(_ pattern: String, _ translated: String) {
        #expect(PosixRegex.translate(pattern) == translated)
    }

    /// node_exporter's default exclude patterns (RE2 syntax) mean the same here.
    @Test func nodeExporterDefaults() throws {
        let disks = try PosixRegex("^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$")
        for name in ["sda1", "loop7", "nvme0n1p2", "zram0", "xvdb3"] { #expect(disks.matches(name), "\(name)") }
        for name in ["sda", "nvme0n1", "dm-0", "md127", "sda1x"] { #expect(!disks.matches(name), "\(name)") }
        let mounts = try PosixRegex("^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)")
        for path in ["/dev", "/dev/shm", "/proc", "/sys/fs/cgroup", "/var/lib/docker/overlay2/x"] {
            #expect(mounts.matches(path), "\(path)")
        }
        for path in ["/", "/home", "/device", "/var/lib/docker", "/run"] { #expect(!mounts.matches(path), "\(path)") }
    }

    @Test func matchesAnywhereUnlessAnchored() throws {
        #expect(try PosixRegex("veth").matches("aveth0"))
        #expect(try !PosixRegex("^veth").matches("aveth0"))
    }

    @Test func invalidPatternsAreRefusedWithLibcsReason() {
        for pattern in ["^(unclosed", "a{2,1}", "(?i)abc"] {
            #expect(throws: PosixRegex.CompileError.self) { try PosixRegex(pattern) }
        }
        do {
            _ = try PosixRegex("^(unclosed")
        } catch {
            #expect(error.description.hasPrefix("'^(unclosed' is not a valid regular expression: "))
            #expect(error.reason.count > 3)
        }
    }
}
