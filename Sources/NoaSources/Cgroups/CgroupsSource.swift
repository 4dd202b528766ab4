import Logging
import NoaCore
import NoaProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `cgroups` source's own metrics, on the agent's `/metrics`.
struct CgroupsSelfMetrics: Sendable {
    let registry: SelfMetrics
    let scrapes: Counter
    let failures: Counter
    let duration: Gauge
    let cgroups: Gauge

    init(_ registry: SelfMetrics) {
        self.registry = registry
        scrapes = registry.counter("noa_cgroups_scrapes_total", "Scrapes of the cgroup hierarchies.")
        failures = registry.counter(
            "noa_cgroups_scrape_failures_total", "Scrapes that found no cgroup hierarchy to read (mountinfo unreadable or no cgroup mount).")
        duration = registry.gauge("noa_cgroups_scrape_duration_seconds", "Duration of the last scrape of the cgroup hierarchies.")
        cgroups = registry.gauge("noa_cgroups_reported", "Cgroups reported by the last scrape.")
    }
}

/// The `cgroups` source: cAdvisor's per-container metrics for every selected cgroup, computed when a sink gathers.
///
/// A pull source: each gather walks the hierarchies and builds a fresh batch, so a removed cgroup's series are gone
/// from the next scrape without any bookkeeping. Gathers are serialised (they share the caches below).
public final class CgroupsSource: MetricProducer {
    public let id: String
    let paths: HostPaths
    let selection: CgroupSelection
    private let logger: Logger
    private let failures: RateLimitedLogger
    private let selfMetrics: CgroupsSelfMetrics?

    private struct State {
        var hierarchies: CgroupHierarchies?
        var bootTime: Double?
        var containers: ContainerMetadataCache
        var deviceNames: [UInt64: String] = [:]
        /// Start times by cgroup path, with the inode of the cgroup's directory they were found for: they take 14
        /// `stat`s on a hybrid host and don't change, so a scrape checks the inode (one `stat`) and reuses them, as
        /// cAdvisor computes a container's spec once. Paths not seen in a scrape are dropped.
        var startTimes: [String: (inode: UInt64, time: Double?)] = [:]
        var startTimesSeen: Set<String> = []
        var lastCount = 64
    }
    private let state: Mutex<State>

    init(id: String, paths: HostPaths, selection: CgroupSelection, logger: Logger, selfMetrics: CgroupsSelfMetrics?) {
        self.id = id
        self.paths = paths
        self.selection = selection
        self.logger = logger
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        self.selfMetrics = selfMetrics
        self.state = Mutex(State(containers: ContainerMetadataCache(paths: paths)))
    }

    /// A source over `root` (a probe tree in tests).
    public convenience init(id: String, root: String, selection: CgroupSelection, logger: Logger) {
        self.init(id: id, paths: HostPaths(root: root), selection: selection, logger: logger, selfMetrics: nil)
    }

    public func gather() -> MetricBatch {
        state.withLock { state in
            let start = MonotonicClock.seconds()
            var batch = MetricBatch(reservingCapacity: 40)
            let reported = gather(into: &batch, state: &state)
            let elapsed = MonotonicClock.seconds() - start
            selfMetrics?.scrapes.add()
            selfMetrics?.duration.set(elapsed)
            selfMetrics?.cgroups.set(Double(reported ?? 0))
            if reported == nil { selfMetrics?.failures.add() }
            // node_exporter's per-collector pair, so one dashboard shows every pull source's health.
            batch.gauge(
                "node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.",
                elapsed, [Label("collector", "cgroups")])
            batch.gauge(
                "node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                reported == nil ? 0 : 1, [Label("collector", "cgroups")])
            return batch
        }
    }

    /// The cgroups' families into `batch`; the number of cgroups reported, or nil when no hierarchy was found.
    private func gather(into batch: inout MetricBatch, state: inout State) -> Int? {
        if state.hierarchies == nil {
            // Looked up until found: an agent started before the hierarchies were mounted finds them later.
            do {
                let mounts = try CgroupMounts.parse(try readMountinfo())
                guard mounts.layout != .none else {
                    failures.log(.warning, key: "mounts", "No cgroup hierarchy is mounted; the cgroups source reports nothing.",
                                 metadata: ["component_id": "\(id)"])
                    return nil
                }
                state.hierarchies = CgroupHierarchies(mounts: mounts, paths: paths)
                logger.debug("Found the cgroup hierarchies.", metadata: [
                    "component_id": "\(id)", "layout": "\(mounts.layout.rawValue)"])
            } catch {
                failures.log(.warning, key: "mounts", "The mount table could not be read; the cgroups source reports nothing.",
                             metadata: ["component_id": "\(id)", "error": "\(error)"])
                return nil
            }
            state.bootTime = (try? ProcStat.read(paths)).map { Double($0.bootTime) }
        }
        guard let hierarchies = state.hierarchies else { return nil }
        let reader = CgroupStatsReader(hierarchies: hierarchies, paths: paths, clockTicks: UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))))
        var families = CgroupMetricFamilies(expectedCgroups: state.lastCount)
        var walk = Walk(source: self, hierarchies: hierarchies, reader: reader, bootTime: state.bootTime)
        walk.visit("", components: [], ancestorReported: false, state: &state, families: &families)
        families.appended(to: &batch)
        state.containers.sweep()
        if state.startTimes.count > state.startTimesSeen.count {
            state.startTimes = state.startTimes.filter { state.startTimesSeen.contains($0.key) }
        }
        state.startTimesSeen.removeAll(keepingCapacity: true)
        state.lastCount = max(walk.reported, 16)
        return walk.reported
    }

    /// pid 1's mount table (the host's, when the agent is in the host's pid namespace), else the agent's own.
    private func readMountinfo() throws(FileReadError) -> String {
        if let text = try? FileReader.readString(paths.proc("1/mountinfo"), sizeHint: 16384) { return text }
        return try FileReader.readString(paths.proc("self/mountinfo"), sizeHint: 16384)
    }

    /// One scrape's walk of the cgroup tree.
    private struct Walk {
        let source: CgroupsSource
        let hierarchies: CgroupHierarchies
        let reader: CgroupStatsReader
        let bootTime: Double?
        var reported = 0

        init(source: CgroupsSource, hierarchies: CgroupHierarchies, reader: CgroupStatsReader, bootTime: Double?) {
            self.source = source
            self.hierarchies = hierarchies
            self.reader = reader
            self.bootTime = bootTime
        }

        /// Visits cgroup `path` (`""` for the root) and the subtree the selection needs; returns the processes in
        /// its subtree when they were counted (`ancestorReported` or itself reported), for container_processes.
        @discardableResult
        mutating func visit(
            _ path: String, components: [Substring], ancestorReported: Bool,
            state: inout State, families: inout CgroupMetricFamilies
        ) -> Int {
            let selection = source.selection
            let reports = selection.reports(components)
            // The root's processes come from procfs (below), so reporting `/` alone doesn't make the walk count
            // the whole tree.
            let counting = (reports && !path.isEmpty) || ancestorReported
            var processes = 0
            if selection.descends(components) {
                // A cgroup may be in some hierarchies only (a v1 controller not enabled for it): the union of their
                // subdirectories is listed.
                var children: [String] = []
                var unique: Set<String> = []
                for hierarchy in hierarchies.walked {
                    guard let names = try? FileReader.listSubdirectories(hierarchy + path) else { continue }
                    if children.isEmpty {
                        children = names
                        unique = Set(names)
                    } else {
                        for name in names where unique.insert(name).inserted { children.append(name) }
                    }
                }
                children.sort()
                for name in children {
                    let child = path + "/" + name
                    var childComponents = components
                    childComponents.append(Substring(name))
                    processes += visit(child, components: childComponents, ancestorReported: counting, state: &state, families: &families)
                }
            } else if counting, let procs = hierarchies.procs {
                processes += Self.countBelow(procs + path)
            }
            if counting, let procs = hierarchies.procs, !path.isEmpty {
                processes += CgroupStatsReader.read(procs + path + "/cgroup.procs").map(CgroupIDList.count) ?? 0
            }
            if reports {
                var stats = reader.read(path)
                stats.startTime = startTime(path, state: &state)
                // The root's cgroup.procs holds only processes in no other cgroup; cAdvisor counts every process
                // for `/`, which is what procfs lists.
                stats.processes = path.isEmpty ? Self.processCount(source.paths) : processes
                let id = path.isEmpty ? "/" : path
                var labels = [Label("id", id)]
                if let container = ContainerMetadata.containerID(in: id), let metadata = state.containers.lookup(container) {
                    if let image = metadata.image { labels.append(Label("image", image)) }
                    if let name = metadata.name { labels.append(Label("name", name)) }
                }
                if let unit = Self.unit(in: id) { labels.append(Label("unit", unit)) }
                families.add(stats, labels: labels) { major, minor in
                    Self.deviceName(major, minor, paths: source.paths, cache: &state.deviceNames)
                }
                reported += 1
            }
            return processes
        }

        func startTime(_ path: String, state: inout State) -> Double? {
            state.startTimesSeen.insert(path)
            guard let first = hierarchies.walked.first, let inode = FileReader.inode(first + path) else {
                return reader.startTime(path, bootTime: bootTime)
            }
            if let cached = state.startTimes[path], cached.inode == inode { return cached.time }
            let time = reader.startTime(path, bootTime: bootTime)
            state.startTimes[path] = (inode, time)
            return time
        }

        /// The processes in the cgroups below `dir` (in the procs hierarchy), for a reported cgroup whose
        /// children the selection does not walk.
        static func countBelow(_ dir: String) -> Int {
            guard let names = try? FileReader.listSubdirectories(dir) else { return 0 }
            var count = 0
            for name in names {
                let child = dir + "/" + name
                count += CgroupStatsReader.read(child + "/cgroup.procs").map(CgroupIDList.count) ?? 0
                count += countBelow(child)
            }
            return count
        }

        static func processCount(_ paths: HostPaths) -> Int? {
            guard let names = try? FileReader.listSubdirectories(paths.proc) else { return nil }
            return names.reduce(0) { $0 + ($1.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? 1 : 0) }
        }

        /// The innermost systemd unit in the path: `.service`, `.scope` or `.slice` (`/system.slice/nginx.service`
        /// and its sub-cgroups name `nginx.service`; `/user.slice` names `user.slice`).
        static func unit(in path: String) -> String? {
            var found: Substring? = nil
            for component in path.split(separator: "/")
            where component.hasSuffix(".service") || component.hasSuffix(".scope") || component.hasSuffix(".slice") {
                found = component
            }
            return found.map(String.init)
        }

        /// cAdvisor's device label: `/dev/<name>` of the block device, from sysfs's `dev/block/<major>:<minor>`
        /// link; empty when sysfs doesn't know it.
        static func deviceName(_ major: UInt32, _ minor: UInt32, paths: HostPaths, cache: inout [UInt64: String]) -> String {
            let key = UInt64(major) << 32 | UInt64(minor)
            if let name = cache[key] { return name }
            var name = ""
            if let target = try? FileReader.readLink(paths.sys("dev/block/\(major):\(minor)")),
               let last = target.split(separator: "/").last {
                name = "/dev/" + last
            }
            cache[key] = name
            return name
        }
    }
}
