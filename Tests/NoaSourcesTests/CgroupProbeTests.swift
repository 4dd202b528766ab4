import Logging
import NoaCodecs
import NoaCore
import NoaProcfs
@testable import NoaSources
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `cgroups` source over the probe trees of `probes/cgroups/`: hand-made v1 and v2 trees (values chosen to be
/// worked out by hand, checked one by one below) and this machine's hybrid tree (checked against its own files).
/// Each tree's whole exposition must also equal its `expected.prom` (`NOA_UPDATE_GOLDEN=1` rewrites them).
@Suite struct CgroupProbeTests {
    static let base = GoldenProbeTests.repositoryRoot + "/probes/cgroups/"
    static let dockerID = "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"
    static let podmanID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    static let hybrid = "hybrid-debian12-6.18"
    static let hybridService = "/noa-test.slice/noa-probe.service"

    static func selection(_ probe: String) -> CgroupSelection {
        if probe == hybrid {
            return CgroupSelection(
                include: try! ["/", "/noa-test.slice", "/noa-test.slice/*"].map(CgroupGlob.init), maxDepth: 4)
        }
        return CgroupsConfig().selection
    }

    static func gather(_ probe: String) -> [MetricFamily] {
        var logger = Logger(label: "cgroups-probe")
        logger.logLevel = .critical
        let source = CgroupsSource(id: "units", root: base + probe, selection: selection(probe), logger: logger)
        return source.gather().families
    }

    /// The value of `family` for the sample whose labels include all of `labels`; nil when there is none.
    static func value(_ families: [MetricFamily], _ family: String, _ labels: [String: String]) -> Double? {
        let matching = families.first { $0.name == family }?.samples.filter { sample in
            labels.allSatisfy { key, value in sample.labels.contains(Label(key, value)) }
        } ?? []
        #expect(matching.count <= 1, "\(family) \(labels): \(matching.count) samples")
        return matching.first?.value
    }

    // MARK: golden

    @Test(arguments: ["v1", "v2", hybrid])
    func exposition(_ probe: String) throws {
        // Start times are directory times (checkout time for a probe); the duration is the clock's.
        let families = Self.gather(probe).filter {
            $0.name != "container_start_time_seconds" && $0.name != "node_scrape_collector_duration_seconds"
        }
        let actual = String(decoding: ExpositionEncoder(format: .text).encode(families), as: UTF8.self)
        let expectedPath = Self.base + probe + "/expected.prom"
        if getenv("NOA_UPDATE_GOLDEN") != nil {
            let fd = open(expectedPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = actual.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
            return
        }
        let expected = try FileReader.readString(expectedPath, sizeHint: 1 << 16)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = (0..<max(a.count, e.count)).first(where: { $0 >= a.count || $0 >= e.count || a[$0] != e[$0] }) {
            Issue.record("""
                \(probe): exposition differs from expected.prom at line \(index + 1)
                  expected: \(index < e.count ? e[index] : "<end>")
                  actual:   \(index < a.count ? a[index] : "<end>")
                """)
        }
    }

    // MARK: v2, by hand from the files

    @Test func v2Service() {
        let f = Self.gather("v2")
        let id = ["id": "/system.slice/nginx.service", "unit": "nginx.service"]
        func v(_ name: String, _ extra: [String: String] = [:]) -> Double? {
            Self.value(f, name, id.merging(extra) { $1 })
        }
        #expect(v("container_cpu_usage_seconds_total", ["cpu": "total"]) == 2.5)  // usage_usec 2500000
        #expect(v("container_cpu_user_seconds_total") == 2.0)
        #expect(v("container_cpu_system_seconds_total") == 0.5)
        #expect(v("container_cpu_cfs_periods_total") == 400)
        #expect(v("container_cpu_cfs_throttled_periods_total") == 25)
        #expect(v("container_cpu_cfs_throttled_seconds_total") == 1.25)  // throttled_usec 1250000
        #expect(v("container_spec_cpu_quota") == 50000)  // cpu.max 50000 100000
        #expect(v("container_spec_cpu_period") == 100000)
        #expect(v("container_spec_cpu_shares") == 2597)  // weight 100: 2 + 99 * 262142 / 9999
        #expect(v("container_memory_usage_bytes") == 73_400_320)  // memory.current
        #expect(v("container_memory_max_usage_bytes") == 83_886_080)  // memory.peak
        #expect(v("container_memory_working_set_bytes") == 52_428_800)  // 73400320 - inactive_file 20971520
        #expect(v("container_memory_rss") == 41_943_040)  // anon
        #expect(v("container_memory_cache") == 31_457_280)  // file
        #expect(v("container_memory_mapped_file") == 10_485_760)  // file_mapped
        #expect(v("container_memory_swap") == 1_048_576)  // memory.swap.current
        #expect(v("container_memory_failcnt") == nil)  // v1 only
        #expect(v("container_spec_memory_limit_bytes") == 536_870_912)
        #expect(v("container_memory_failures_total", ["failure_type": "pgfault", "scope": "container"]) == 12345)
        #expect(v("container_memory_failures_total", ["failure_type": "pgmajfault", "scope": "hierarchy"]) == 67)
        #expect(v("container_oom_events_total") == 1)  // oom_kill, not oom (2)
        #expect(v("container_processes") == 2)
        #expect(v("container_threads") == 4)  // pids.current
        #expect(v("container_fs_reads_bytes_total", ["device": "/dev/vda"]) == 4_096_000)
        #expect(v("container_fs_writes_bytes_total", ["device": "/dev/vda"]) == 8_192_000)
        #expect(v("container_blkio_device_usage_total",
                  ["device": "/dev/vda", "major": "254", "minor": "0", "operation": "Write"]) == 8_192_000)
        // 7:0 has no sysfs link in the probe: cAdvisor's empty device name.
        #expect(v("container_fs_reads_bytes_total", ["device": ""]) == 512)
        #expect(v("container_pressure_cpu_waiting_seconds_total") == 0.25)
        #expect(v("container_pressure_cpu_stalled_seconds_total") == 0)
        #expect(v("container_pressure_memory_stalled_seconds_total") == 0.05)
        #expect(v("container_pressure_io_waiting_seconds_total") == 0.5)
        #expect(v("container_pressure_io_stalled_seconds_total") == 0.4)
    }

    @Test func v2DockerContainerAndRoot() {
        let f = Self.gather("v2")
        let id = ["id": "/system.slice/docker-\(Self.dockerID).scope", "name": "web-1", "image": "nginx:1.25",
                  "unit": "docker-\(Self.dockerID).scope"]
        #expect(Self.value(f, "container_memory_usage_bytes", id) == 1000)
        #expect(Self.value(f, "container_memory_working_set_bytes", id) == 0)  // inactive_file above usage: floored
        #expect(Self.value(f, "container_spec_memory_limit_bytes", id) == 0)  // max
        #expect(Self.value(f, "container_spec_cpu_quota", id) == nil)  // cpu.max max
        #expect(Self.value(f, "container_cpu_cfs_periods_total", id) == nil)  // no quota: cAdvisor omits CFS
        #expect(Self.value(f, "container_spec_cpu_shares", id) == 262_144)  // weight 10000
        let root = ["id": "/"]
        #expect(Self.value(f, "container_cpu_usage_seconds_total", root) == 9)
        // No memory.current at the v2 root: runc's anon + file, swap from meminfo, no limit.
        #expect(Self.value(f, "container_memory_usage_bytes", root) == 314_572_800)
        #expect(Self.value(f, "container_memory_working_set_bytes", root) == 214_572_800)  // - inactive_file
        #expect(Self.value(f, "container_memory_swap", root) == 1_048_576)  // (2097152 - 2096128) kB
        #expect(Self.value(f, "container_spec_memory_limit_bytes", root) == 0)
        #expect(Self.value(f, "container_memory_cache", root) == 209_715_200)
        #expect(Self.value(f, "container_processes", root) == 3)  // the probe's proc/<pid> folders
        #expect(Self.value(f, "container_fs_writes_bytes_total", root) == 2_000_000)
    }

    @Test func v2SelectionLeavesOutWhatNoPatternMatches() {
        let ids = Set(Self.gather("v2").first { $0.name == "container_cpu_usage_seconds_total" }?.samples
            .compactMap { $0.labels.first { $0.name == "id" }?.value } ?? [])
        #expect(ids == ["/", "/system.slice/nginx.service", "/system.slice/docker-\(Self.dockerID).scope",
                        "/user.slice/user-1000.slice"])
        // Its session scope is not walked for reporting, but its 2 processes count in the slice's (as cAdvisor's
        // recursive pid list does).
        #expect(Self.value(Self.gather("v2"), "container_processes", ["id": "/user.slice/user-1000.slice"]) == 2)
    }

    // MARK: v1, by hand from the files

    @Test func v1Service() {
        let f = Self.gather("v1")
        let id = ["id": "/system.slice/sshd.service", "unit": "sshd.service"]
        func v(_ name: String, _ extra: [String: String] = [:]) -> Double? {
            Self.value(f, name, id.merging(extra) { $1 })
        }
        #expect(v("container_cpu_usage_seconds_total", ["cpu": "total"]) == 2.5)  // cpuacct.usage ns
        #expect(v("container_cpu_user_seconds_total") == 2.0)  // 200 ticks at USER_HZ 100
        #expect(v("container_cpu_system_seconds_total") == 0.5)
        #expect(v("container_cpu_cfs_periods_total") == 400)
        #expect(v("container_cpu_cfs_throttled_periods_total") == 25)
        #expect(v("container_cpu_cfs_throttled_seconds_total") == 1.25)  // throttled_time ns
        #expect(v("container_spec_cpu_quota") == 50000)
        #expect(v("container_spec_cpu_period") == 100000)
        #expect(v("container_spec_cpu_shares") == 1024)
        #expect(v("container_memory_usage_bytes") == 73_400_320)
        #expect(v("container_memory_max_usage_bytes") == 83_886_080)
        #expect(v("container_memory_failcnt") == 7)
        #expect(v("container_spec_memory_limit_bytes") == 536_870_912)
        #expect(v("container_memory_cache") == 31_457_280)  // total_cache, not cache
        #expect(v("container_memory_rss") == 41_943_040)  // total_rss
        #expect(v("container_memory_swap") == 1_048_576)  // total_swap
        #expect(v("container_memory_mapped_file") == 10_485_760)  // total_mapped_file
        #expect(v("container_memory_working_set_bytes") == 52_428_800)  // usage - total_inactive_file
        #expect(v("container_memory_failures_total", ["failure_type": "pgfault", "scope": "hierarchy"]) == 12345)
        #expect(v("container_oom_events_total") == 1)
        #expect(v("container_processes") == 2)
        #expect(v("container_threads") == 3)
        #expect(v("container_fs_reads_bytes_total", ["device": "/dev/vda"]) == 4_096_000)
        #expect(v("container_blkio_device_usage_total", ["operation": "Total", "major": "254"]) == 12_288_000)
        #expect(v("container_pressure_cpu_waiting_seconds_total") == nil)  // no PSI without cgroup2
    }

    @Test func v1ContainersAndRoot() {
        let f = Self.gather("v1")
        let podman = ["id": "/machine.slice/libpod-\(Self.podmanID).scope", "name": "db",
                      "image": "docker.io/library/postgres:16"]
        #expect(Self.value(f, "container_processes", podman) == 3)
        #expect(Self.value(f, "container_spec_cpu_quota", podman) == 200_000)
        // No runtime state for this id: id only, no name or image label.
        let docker = Self.gather("v1").first { $0.name == "container_memory_usage_bytes" }?.samples
            .first { $0.labels.contains(Label("id", "/docker/\(Self.dockerID)")) }
        #expect(docker?.labels == [Label("id", "/docker/\(Self.dockerID)")])
        #expect(docker?.value == 1000)
        let root = ["id": "/"]
        #expect(Self.value(f, "container_spec_memory_limit_bytes", root) == 0)  // 2^63 rounded: no limit
        #expect(Self.value(f, "container_spec_cpu_quota", root) == nil)  // -1
        #expect(Self.value(f, "container_threads", root) == nil)  // no pids.current at the root
        #expect(Self.value(f, "container_memory_usage_bytes", root) == 4_294_967_296)
        // /machine.slice/** matches /machine.slice itself and counts the scope's 3 processes in it.
        #expect(Self.value(f, "container_processes", ["id": "/machine.slice"]) == 3)
    }

    // MARK: this machine's hybrid tree, against its own files

    static func file(_ hierarchy: String, _ name: String) throws -> String {
        try FileReader.readString(base + hybrid + "/sys/fs/cgroup/" + hierarchy + hybridService + "/" + name)
    }

    static func number(_ hierarchy: String, _ name: String) throws -> Double {
        Double(try file(hierarchy, name).split(separator: "\n")[0])!
    }

    static func keyed(_ hierarchy: String, _ name: String, _ key: String) throws -> Double {
        let line = try file(hierarchy, name).split(separator: "\n").first { $0.hasPrefix(key + " ") }!
        return Double(line.split(separator: " ").last!)!
    }

    @Test func hybridServiceEqualsItsFiles() throws {
        let f = Self.gather(Self.hybrid)
        let id = ["id": Self.hybridService, "unit": "noa-probe.service"]
        func v(_ name: String, _ extra: [String: String] = [:]) -> Double? {
            Self.value(f, name, id.merging(extra) { $1 })
        }
        #expect(v("container_cpu_usage_seconds_total", ["cpu": "total"]) == (try Self.number("cpuacct", "cpuacct.usage")) / 1e9)
        #expect(v("container_cpu_user_seconds_total") == (try Self.keyed("cpuacct", "cpuacct.stat", "user")) / 100)
        #expect(try #require(v("container_cpu_usage_seconds_total", ["cpu": "total"])) > 1)  // it was busy
        #expect(v("container_memory_usage_bytes") == (try Self.number("memory", "memory.usage_in_bytes")))
        #expect(v("container_memory_working_set_bytes") == (try Self.number("memory", "memory.usage_in_bytes"))
            - (try Self.keyed("memory", "memory.stat", "total_inactive_file")))
        #expect(v("container_memory_rss") == (try Self.keyed("memory", "memory.stat", "total_rss")))
        #expect(v("container_spec_cpu_shares") == (try Self.number("cpu", "cpu.shares")))
        #expect(v("container_spec_cpu_quota") == nil)  // cfs_quota_us -1
        #expect(v("container_cpu_cfs_periods_total") == nil)
        #expect(v("container_threads") == (try Self.number("pids", "pids.current")))
        #expect(v("container_processes") == Double(try Self.file("pids", "cgroup.procs").split(separator: "\n").count))
        #expect(v("container_fs_writes_bytes_total", ["device": "/dev/vda"])
            == (try Self.keyed("blkio", "blkio.throttle.io_service_bytes_recursive", "254:0 Write")))
        // PSI from the unified hierarchy, which has it whatever the controllers.
        let someCPU = try Self.file("unified", "cpu.pressure").split(separator: "\n")[0]
        let total = Double(someCPU.split(separator: "=").last!)!
        #expect(v("container_pressure_cpu_waiting_seconds_total") == total / 1e6)
        // The slice is reported too, and holds the service's process.
        #expect(Self.value(f, "container_processes", ["id": "/noa-test.slice", "unit": "noa-test.slice"]) == 1)
    }
}
