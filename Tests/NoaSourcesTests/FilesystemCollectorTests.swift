import Dispatch
import NoaCore
import NoaProcfs
@testable import NoaSources
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FilesystemCollectorTests {
    static let mountinfo = #"""
        22 27 0:21 / /proc rw,relatime - proc proc rw
        24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
        28 27 0:25 / /data ro,nosuid shared:5 - xfs /dev/sdb1 ro
        29 27 0:26 / /with\040space rw - tmpfs tmpfs rw
        30 27 0:27 / /missing rw - nfs server:/export rw
        31 27 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
        32 27 0:29 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw
        """#

    @Test func reportsFilteredDeduplicatedMountsWithErrors() throws {
        let tree = FixtureTree()
        tree.write("proc/1/mountinfo", Self.mountinfo)
        tree.makeDirectory("data")
        tree.makeDirectory("with space")
        let batch = try collect(FilesystemCollector(context: testContext(tree)))

        let sizes = batch.labelSets("node_filesystem_size_bytes")
        #expect(Set(sizes.compactMap { $0["mountpoint"] }) == ["/", "/data", "/with space"])
        #expect(sizes.first { $0["mountpoint"] == "/" } == [
            "device": "/dev/vda", "mountpoint": "/", "fstype": "ext4", "device_error": "",
        ])
        #expect((batch.value("node_filesystem_size_bytes", ["mountpoint": "/"]) ?? 0) > 0)
        #expect(batch.value("node_filesystem_readonly", ["mountpoint": "/data"]) == 1)
        #expect(batch.value("node_filesystem_readonly", ["mountpoint": "/"]) == 0)

        // statfs on a missing directory fails: device_error 1 with the reason, readonly kept, sizes absent.
        let errors = batch.labelSets("node_filesystem_device_error")
        #expect(errors.count == 4)
        #expect(errors.first { $0["mountpoint"] == "/missing" }?["device_error"] == "no such file or directory")
        #expect(batch.value("node_filesystem_device_error", ["mountpoint": "/missing"]) == 1)
        #expect(batch.value("node_filesystem_readonly", ["mountpoint": "/missing"]) == 0)
        #expect(batch.value("node_filesystem_avail_bytes", ["mountpoint": "/missing"]) == nil)

        #expect(batch.labelSets("node_filesystem_mount_info").first { $0["mountpoint"] == "/" } == [
            "device": "/dev/vda", "major": "254", "minor": "0", "mountpoint": "/",
        ])
    }

    @Test func stackedMountsShareOneStatfs() throws {
        let tree = FixtureTree()
        tree.write("proc/1/mountinfo", """
            40 27 8:17 / /data rw - ext4 /dev/sdb1 rw
            41 40 8:33 / /data rw - xfs /dev/sdc1 rw
            """)
        // A slow statfs, so the second mount is looked at while the first call is still running.
        let slow: @Sendable (String) -> FilesystemCollector.Outcome = { _ in
            usleep(20_000)
            return .stats(size: 100, free: 50, avail: 40, files: 10, filesFree: 5)
        }
        let batch = try collect(FilesystemCollector(context: testContext(tree), statfs: slow))
        #expect(batch.labelSets("node_filesystem_device_error").map { $0["device_error"] } == ["", ""])
        #expect(Set(batch.labelSets("node_filesystem_size_bytes").compactMap { $0["device"] }) == ["/dev/sdb1", "/dev/sdc1"])
    }

    @Test func fallsBackToSelfMountinfo() throws {
        let tree = FixtureTree()
        tree.write("proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")
        let batch = try collect(FilesystemCollector(context: testContext(tree)))
        #expect(batch.value("node_filesystem_device_error", ["mountpoint": "/"]) == 0)
    }

    @Test func malformedMountinfoThrows() throws {
        let tree = FixtureTree()
        tree.write("proc/1/mountinfo", "27 1 254:0 / /\n")
        #expect(throws: ParseError.self) { try collect(FilesystemCollector(context: testContext(tree))) }
    }

    /// A statfs that blocks until released, counting its calls: a stand-in for a dead NFS server.
    final class HangingStatfs: Sendable {
        let release = DispatchSemaphore(value: 0)
        let calls = Mutex<Int>(0)
        let returned = DispatchSemaphore(value: 0)

        func call(_ path: String) -> FilesystemCollector.Outcome {
            calls.withLock { $0 += 1 }
            release.wait()
            returned.signal()
            return .stats(size: 100, free: 50, avail: 40, files: 10, filesFree: 5)
        }
    }

    @Test func stuckMountTimesOutAndIsSkippedUntilItsCallReturns() throws {
        let tree = FixtureTree()
        tree.write("proc/1/mountinfo", "30 27 0:27 / /nfs rw - nfs server:/export rw\n")
        let hanging = HangingStatfs()
        let options = HostMetricsOptions(statfsTimeout: .milliseconds(50))
        let collector = FilesystemCollector(context: testContext(tree, options: options), statfs: hanging.call)

        let first = try collect(collector)
        #expect(first.labelSets("node_filesystem_device_error").first?["device_error"] == "mountpoint timeout")
        #expect(first.value("node_filesystem_device_error") == 1)
        #expect(first.family(named: "node_filesystem_size_bytes") == nil)

        // Still stuck: reported at once, and statfs is not called a second time.
        let second = try collect(collector)
        #expect(second.value("node_filesystem_device_error") == 1)
        #expect(hanging.calls.withLock { $0 } == 1)

        // The call returns: the next scrape stats the mount again.
        hanging.release.signal()
        hanging.returned.wait()
        // The worker clears its in-flight mark just after returning; give it up to 2 s to be scheduled.
        var recovered = false
        for _ in 0..<200 where !recovered {
            hanging.release.signal()
            usleep(10_000)
            let batch = try collect(collector)
            recovered = batch.value("node_filesystem_size_bytes") == 100
            if recovered { #expect(batch.value("node_filesystem_device_error") == 0) }
        }
        #expect(recovered)
    }

    @Test func mountPointsUnderRootAreReportedAsHostPaths() throws {
        let tree = FixtureTree()
        // In a container whose /proc/1 is its own, the host's root is mounted at <root>.
        tree.write("proc/1/mountinfo", "27 1 254:0 / \(tree.root) rw - ext4 /dev/vda rw\n")
        let batch = try collect(FilesystemCollector(context: testContext(tree)))
        #expect(batch.labelSets("node_filesystem_size_bytes").first?["mountpoint"] == "/")
    }
}
