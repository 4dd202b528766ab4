import Glibc
import Logging
import NoaCore
import NoaProcfs
@testable import NoaSources
import Testing

@Suite struct CgroupGlobTests {
    func path(_ p: String) -> [Substring] { p.split(separator: "/") }

    @Test func starStaysWithinOneComponent() throws {
        let glob = try CgroupGlob("/system.slice/*")
        #expect(glob.matches(path("/system.slice/nginx.service")))
        #expect(!glob.matches(path("/system.slice")))
        #expect(!glob.matches(path("/system.slice/nginx.service/worker")))
        #expect(!glob.matches(path("/user.slice/x")))
        #expect(try CgroupGlob("/system.slice/docker-*.scope").matches(path("/system.slice/docker-abc.scope")))
        #expect(try !CgroupGlob("/system.slice/docker-*.scope").matches(path("/system.slice/docker-abc.service")))
        #expect(try CgroupGlob("/a?c").matches(path("/abc")))
    }

    @Test func doubleStarSpansComponents() throws {
        let glob = try CgroupGlob("/kubepods.slice/**")
        #expect(glob.matches(path("/kubepods.slice")))
        #expect(glob.matches(path("/kubepods.slice/a.slice/b.slice/c.scope")))
        #expect(!glob.matches(path("/other.slice/a")))
        #expect(try CgroupGlob("/**/x.service").matches(path("/a/b/x.service")))
        #expect(try CgroupGlob("/**/x.service").matches(path("/x.service")))
        #expect(try !CgroupGlob("/**/x.service").matches(path("/a/y.service")))
    }

    @Test func rootPattern() throws {
        let root = try CgroupGlob("/")
        #expect(root.matches([]))
        #expect(!root.matches(path("/system.slice")))
        #expect(!root.couldMatchBelow([]))
    }

    @Test func couldMatchBelowPrunesTheWalk() throws {
        let glob = try CgroupGlob("/system.slice/*")
        #expect(glob.couldMatchBelow([]))
        #expect(glob.couldMatchBelow(path("/system.slice")))
        #expect(!glob.couldMatchBelow(path("/system.slice/nginx.service")))
        #expect(!glob.couldMatchBelow(path("/user.slice")))
        #expect(try CgroupGlob("/machine.slice/**").couldMatchBelow(path("/machine.slice/a/b/c")))
    }

    @Test func badPatterns() {
        #expect(throws: CgroupGlob.Problem.notAbsolute) { try CgroupGlob("system.slice/*") }
        #expect(throws: CgroupGlob.Problem.emptyComponent) { try CgroupGlob("/a//b") }
        #expect(throws: CgroupGlob.Problem.doubleStarInComponent) { try CgroupGlob("/a**") }
    }

    @Test func selectionAppliesExcludeAndDepth() throws {
        let selection = CgroupSelection(
            include: [try CgroupGlob("/**")], exclude: [try CgroupGlob("/user.slice/**")], maxDepth: 2)
        #expect(selection.reports(path("/system.slice/a.service")))
        #expect(!selection.reports(path("/system.slice/a.service/b")))  // depth 3
        #expect(!selection.reports(path("/user.slice/u.slice")))
        #expect(selection.descends(path("/system.slice")))
        #expect(!selection.descends(path("/system.slice/a.service")))
    }

    @Test func unitLabel() {
        #expect(CgroupsSourceWalkAccess.unit("/system.slice/nginx.service") == "nginx.service")
        #expect(CgroupsSourceWalkAccess.unit("/system.slice/nginx.service/worker") == "nginx.service")
        #expect(CgroupsSourceWalkAccess.unit("/user.slice/user-1000.slice/session-2.scope") == "session-2.scope")
        #expect(CgroupsSourceWalkAccess.unit("/user.slice") == "user.slice")
        #expect(CgroupsSourceWalkAccess.unit("/docker/abc") == nil)
        #expect(CgroupsSourceWalkAccess.unit("/") == nil)
    }

    @Test func containerIDs() {
        let id = String(repeating: "ab12", count: 16)
        #expect(ContainerMetadata.containerID(in: "/docker/\(id)") == id)
        #expect(ContainerMetadata.containerID(in: "/system.slice/docker-\(id).scope") == id)
        #expect(ContainerMetadata.containerID(in: "/kubepods.slice/p.slice/cri-containerd-\(id).scope") == id)
        #expect(ContainerMetadata.containerID(in: "/system.slice/docker-\(id)0.scope") == nil)  // 65 hex
        #expect(ContainerMetadata.containerID(in: "/system.slice/nginx.service") == nil)
    }

    @Test func runtimeStateFiles() {
        let docker = ContainerMetadata.parseDocker(Array(#"{"Name":"/web","Config":{"Image":"nginx:1"}}"#.utf8))
        #expect(docker == ContainerMetadata(name: "web", image: "nginx:1"))
        #expect(ContainerMetadata.parseDocker(Array("{not json".utf8)) == nil)
        let podman = ContainerMetadata.parsePodman(Array(
            #"[{"id":"x","names":["db"],"metadata":"{\"image-name\":\"pg:16\"}"},{"names":["no id"]}]"#.utf8))
        #expect(podman == ["x": ContainerMetadata(name: "db", image: "pg:16")])
    }
}

/// Reaches the walk's static helpers (private to the source) through the one thing they depend on: a path.
enum CgroupsSourceWalkAccess {
    static func unit(_ path: String) -> String? {
        // The unit label as the source gives it, read from a one-cgroup tree.
        let tree = FixtureTree()
        tree.write("proc/self/mountinfo", "30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        tree.write("sys/fs/cgroup/cgroup.controllers", "")
        tree.write("sys/fs/cgroup\(path == "/" ? "" : path)/cgroup.procs", "1\n")
        let include = [try! CgroupGlob(path)]
        let source = CgroupsSource(id: "t", root: tree.root, selection: CgroupSelection(include: include, maxDepth: 8),
                                   logger: Logger(label: "t"))
        let family = source.gather().family(named: "container_processes")
        return family?.samples.first?.labels.first { $0.name == "unit" }?.value
    }
}

@Suite struct CgroupsSourceTests {
    /// A v2 tree with one service, written through `FixtureTree`.
    static func tree() -> FixtureTree {
        let tree = FixtureTree()
        tree.write("proc/self/mountinfo", "30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        tree.write("proc/stat", "cpu0 1 0 1 1 0 0 0 0 0 0\nbtime 1000\n")
        tree.write("sys/fs/cgroup/cgroup.controllers", "cpu memory io pids\n")
        tree.write("sys/fs/cgroup/system.slice/a.service/cpu.stat", "usage_usec 1000000\nuser_usec 1\nsystem_usec 1\n")
        tree.write("sys/fs/cgroup/system.slice/a.service/memory.current", "4096\n")
        tree.write("sys/fs/cgroup/system.slice/a.service/cgroup.procs", "7\n")
        return tree
    }

    static let selection = CgroupSelection(include: [try! CgroupGlob("/system.slice/*")], maxDepth: 4)

    static func ids(_ batch: MetricBatch, _ family: String = "container_cpu_usage_seconds_total") -> [String] {
        batch.family(named: family)?.samples.compactMap { $0.labels.first { $0.name == "id" }?.value } ?? []
    }

    @Test func aRemovedCgroupLeavesTheNextScrape() {
        let tree = Self.tree()
        tree.write("sys/fs/cgroup/system.slice/b.service/cpu.stat", "usage_usec 5\n")
        let source = CgroupsSource(id: "t", root: tree.root, selection: Self.selection, logger: Logger(label: "t"))
        #expect(Self.ids(source.gather()) == ["/system.slice/a.service", "/system.slice/b.service"])
        tree.remove("sys/fs/cgroup/system.slice/b.service/cpu.stat")
        rmdir(tree.root + "/sys/fs/cgroup/system.slice/b.service")
        let after = source.gather()
        #expect(Self.ids(after) == ["/system.slice/a.service"])
        #expect(!Self.ids(after, "container_start_time_seconds").contains("/system.slice/b.service"))
    }

    @Test func missingFilesLeaveTheirSeriesAbsentNotZero() {
        let tree = Self.tree()
        tree.remove("sys/fs/cgroup/system.slice/a.service/memory.current")
        let batch = CgroupsSource(id: "t", root: tree.root, selection: Self.selection, logger: Logger(label: "t")).gather()
        #expect(batch.family(named: "container_memory_usage_bytes") == nil)
        #expect(batch.value("container_cpu_usage_seconds_total") == 1)
        #expect(batch.family(named: "container_memory_working_set_bytes") == nil)
        #expect(batch.value("node_scrape_collector_success") == 1)
    }

    @Test func noCgroupMountIsAFailedScrapeNotACrash() {
        let tree = FixtureTree()
        tree.write("proc/self/mountinfo", "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n")
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let batch = CgroupsSource(id: "t", root: tree.root, selection: Self.selection, logger: logger).gather()
        #expect(batch.value("node_scrape_collector_success") == 0)
        #expect(batch.families.count == 2)
    }

    /// cAdvisor's start time: the earliest of the directory's and cgroup.events' modification times, not before boot.
    @Test func startTimeIsTheEarliestCgroupFileTimeNotBeforeBoot() {
        let tree = Self.tree()
        tree.write("sys/fs/cgroup/system.slice/a.service/cgroup.events", "populated 1\n")
        let dir = tree.root + "/sys/fs/cgroup/system.slice/a.service"
        func touch(_ path: String, _ seconds: Int) {
            var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        touch(dir + "/cgroup.events", 1_700_000_000)
        touch(dir, 1_700_000_500)
        let source = CgroupsSource(id: "t", root: tree.root, selection: Self.selection, logger: Logger(label: "t"))
        #expect(source.gather().value("container_start_time_seconds") == 1_700_000_000)
        touch(dir + "/cgroup.events", 500)  // before btime 1000
        touch(dir, 600)
        // Kept for the directory it was found for: the same inode gives the same start time.
        #expect(source.gather().value("container_start_time_seconds") == 1_700_000_000)
        let fresh = CgroupsSource(id: "t", root: tree.root, selection: Self.selection, logger: Logger(label: "t"))
        #expect(fresh.gather().value("container_start_time_seconds") == 1000)
        // A cgroup made again under the same path is another directory (the old one is kept aside, so its inode
        // can't be reused): its own start time.
        #expect(rename(dir, tree.root + "/sys/fs/cgroup/aside") == 0)
        tree.write("sys/fs/cgroup/system.slice/a.service/cgroup.events", "populated 1\n")
        touch(dir + "/cgroup.events", 1_700_100_000)
        touch(dir, 1_700_100_000)
        #expect(source.gather().value("container_start_time_seconds") == 1_700_100_000)
    }

    @Test func selfMetricsCountScrapes() {
        let tree = Self.tree()
        let registry = SelfMetrics(component: "units")
        let source = CgroupsSource(
            id: "units", paths: HostPaths(root: tree.root), selection: Self.selection, logger: Logger(label: "t"),
            selfMetrics: CgroupsSelfMetrics(registry))
        _ = source.gather()
        _ = source.gather()
        let own = registry.gather()
        #expect(own.value("noa_cgroups_scrapes_total") == 2)
        #expect(own.value("noa_cgroups_reported") == 1)
        #expect(own.value("noa_cgroups_scrape_failures_total") == 0)
    }
}
