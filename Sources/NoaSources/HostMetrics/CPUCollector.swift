import Logging
import NoaCore
import NoaProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// node_exporter's `cpu` collector (default families only): `node_cpu_seconds_total{cpu,mode}` and
/// `node_cpu_guest_seconds_total{cpu,mode}` from the `cpuN` lines of `/proc/stat`, plus, from sysfs,
/// `node_cpu_online{cpu}` (when `cpu0/online` exists, as node_exporter 1.9 does), `node_cpu_isolated{cpu}`,
/// and the thermal throttle counters when the kernel exposes them.
///
/// The kernel's idle and iowait counters can go backwards (NO_HZ idle accounting); counters are held at their
/// last value then, so rates never go negative. A CPU that went offline and came back restarts its counters:
/// that is recognised as a reset (see `CPUCounterTracker`) and the new values are accepted.
public final class CPUCollector: HostCollector {
    public let name = "cpu"
    private let paths: HostPaths
    private let logger: Logger
    private let tracker: Mutex<CPUCounterTracker>
    private let userHZ: Double

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        self.logger = context.logger
        let hz = sysconf(Int32(_SC_CLK_TCK))
        self.userHZ = hz > 0 ? Double(hz) : 100
        self.tracker = Mutex(CPUCounterTracker(userHZ: UInt64(hz > 0 ? hz : 100)))
    }

    static let cpuHelp = "Seconds the CPUs spent in each mode."
    static let guestHelp = "Seconds the CPUs spent in guests (VMs) for each mode."

    public func collect(into batch: inout MetricBatch) throws {
        let stat = try ProcStat.read(paths)
        let (cpus, events) = tracker.withLock { $0.update(stat.cpus) }
        for event in events {
            logger.debug("A CPU counter went backwards.", metadata: [
                "collector": "cpu", "cpu": "\(event.cpu)", "mode": "\(event.mode)",
                "old_value": "\(event.old)", "new_value": "\(event.new)",
                "reset": "\(event.reset)",
            ])
        }
        CPUCollector.add(cpus, userHZ: userHZ, into: &batch)
        let directories = cpuDirectories()  // listed once for both sysfs families
        addOnline(directories, into: &batch)
        addIsolated(into: &batch)
        addThermalThrottle(directories, into: &batch)
    }

    /// Adds the time families for the tracked counters (modes in the order node_exporter's output sorts them).
    static func add(_ cpus: [(id: Int, ticks: CPUTicks)], userHZ: Double, into batch: inout MetricBatch) {
        for (id, t) in cpus {
            let cpu = Label("cpu", String(id))
            func seconds(_ ticks: UInt64) -> Double { Double(ticks) / userHZ }
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.idle), [cpu, Label("mode", "idle")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.iowait), [cpu, Label("mode", "iowait")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.irq), [cpu, Label("mode", "irq")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.nice), [cpu, Label("mode", "nice")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.softirq), [cpu, Label("mode", "softirq")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.steal), [cpu, Label("mode", "steal")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.system), [cpu, Label("mode", "system")])
            batch.counter("node_cpu_seconds_total", cpuHelp, seconds(t.user), [cpu, Label("mode", "user")])
        }
        // Guest time is also counted in user and nice; node_exporter exposes it as its own family.
        for (id, t) in cpus {
            let cpu = Label("cpu", String(id))
            batch.counter("node_cpu_guest_seconds_total", guestHelp, Double(t.guestNice) / userHZ, [cpu, Label("mode", "nice")])
            batch.counter("node_cpu_guest_seconds_total", guestHelp, Double(t.guest) / userHZ, [cpu, Label("mode", "user")])
        }
    }

    /// The `cpuN` directory names under `<sys>/devices/system/cpu`, by number.
    private func cpuDirectories() -> [(Int, String)] {
        guard let names = try? FileReader.listDirectory(paths.sys("devices/system/cpu")) else { return [] }
        var result: [(Int, String)] = []
        for name in names where name.hasPrefix("cpu") {
            if let n = Int(name.dropFirst(3)), n >= 0 { result.append((n, name)) }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// `node_cpu_online`: emitted only when `cpu0/online` exists (node_exporter 1.9 treats its absence, the
    /// usual case since the boot CPU is not hot-pluggable, as "not supported" and emits nothing).
    private func addOnline(_ directories: [(Int, String)], into batch: inout MetricBatch) {
        let base = paths.sys("devices/system/cpu/")
        guard FileReader.exists(base + "cpu0/online") else { return }
        for (n, dir) in directories {
            let online = (try? paths.files.readTrimmed(base + dir + "/online")) == "1"
            batch.gauge("node_cpu_online", "CPUs that are online and being scheduled.", online ? 1 : 0,
                        [Label("cpu", String(n))])
        }
    }

    /// `node_cpu_isolated` from `<sys>/devices/system/cpu/isolated` (a cpulist such as `1-3,5`; usually empty).
    private func addIsolated(into batch: inout MetricBatch) {
        guard let text = try? paths.files.readTrimmed(paths.sys("devices/system/cpu/isolated")), !text.isEmpty,
              let cpus = CPUList.parse(text)
        else { return }
        for cpu in cpus {
            batch.gauge("node_cpu_isolated", "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.",
                        1, [Label("cpu", String(cpu))])
        }
    }

    /// `node_cpu_core_throttles_total` and `node_cpu_package_throttles_total` from
    /// `cpuN/thermal_throttle/{core,package}_throttle_count` (x86 with thermal monitoring only).
    private func addThermalThrottle(_ directories: [(Int, String)], into batch: inout MetricBatch) {
        let base = paths.sys("devices/system/cpu/")
        var packages: [UInt64: UInt64] = [:]
        var cores: [UInt64: [UInt64: UInt64]] = [:]
        func number(_ path: String) -> UInt64? {
            guard let text = try? paths.files.readTrimmed(path) else { return nil }
            return UInt64(text)
        }
        for (_, dir) in directories {
            let cpuPath = base + dir + "/"
            // Most hosts (all VMs) have no thermal_throttle directory: skip the topology reads then.
            guard FileReader.exists(cpuPath + "thermal_throttle") else { continue }
            guard let package = number(cpuPath + "topology/physical_package_id"),
                  let core = number(cpuPath + "topology/core_id")
            else { continue }
            if cores[package]?[core] == nil,
               let count = number(cpuPath + "thermal_throttle/core_throttle_count") {
                cores[package, default: [:]][core] = count
            }
            if packages[package] == nil,
               let count = number(cpuPath + "thermal_throttle/package_throttle_count") {
                packages[package] = count
            }
        }
        for (package, byCore) in cores.sorted(by: { $0.key < $1.key }) {
            for (core, count) in byCore.sorted(by: { $0.key < $1.key }) {
                batch.counter("node_cpu_core_throttles_total", "Number of times this CPU core has been throttled.",
                              Double(count), [Label("core", String(core)), Label("package", String(package))])
            }
        }
        for (package, count) in packages.sorted(by: { $0.key < $1.key }) {
            batch.counter("node_cpu_package_throttles_total", "Number of times this CPU package has been throttled.",
                          Double(count), [Label("package", String(package))])
        }
    }
}

/// A kernel cpulist (`0-3,8,10-11`, Documentation/admin-guide/cputopology.rst).
enum CPUList {
    static func parse(_ text: String) -> [Int]? {
        var result: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1)
            guard let low = Int(bounds[0].trimmingNewline()) else { return nil }
            if bounds.count == 2 {
                guard let high = Int(bounds[1].trimmingNewline()), high >= low, high - low < 65536 else { return nil }
                result.append(contentsOf: low...high)
            } else {
                result.append(low)
            }
        }
        return result
    }
}

/// The per-CPU counters of the previous scrape and the rules that keep them monotonic.
///
/// node_exporter 1.9 rules: when a CPU's idle counter jumps back by 3 s or more it assumes a hot-plug and
/// restarts that CPU's counters; otherwise each counter that decreased keeps its last value. In addition, when
/// most of a CPU's started mode counters (at least two) decreased at once, that is a counter reset too (a CPU that went offline
/// and came back), and the new values are accepted. CPUs absent from the file are forgotten.
public struct CPUCounterTracker: Sendable {
    /// A counter that went backwards.
    public struct Event: Sendable, Equatable {
        public var cpu: Int
        public var mode: String
        public var old: UInt64
        public var new: UInt64
        /// Whether the whole CPU was reset rather than the counter held.
        public var reset: Bool
    }

    private var last: [Int: CPUTicks] = [:]
    private let jumpBackTicks: UInt64

    /// - Parameter userHZ: ticks per second of `/proc/stat` (sysconf `_SC_CLK_TCK`, 100 on Linux).
    public init(userHZ: UInt64) {
        self.jumpBackTicks = 3 * userHZ
    }

    /// Merges a new reading and returns the counters to expose (in the reading's order) and what went backwards.
    public mutating func update(_ reading: [(id: Int, ticks: CPUTicks)]) -> ([(id: Int, ticks: CPUTicks)], [Event]) {
        var events: [Event] = []
        var output: [(id: Int, ticks: CPUTicks)] = []
        output.reserveCapacity(reading.count)
        var seen = Set<Int>()
        seen.reserveCapacity(reading.count)
        for (id, new) in reading {
            seen.insert(id)
            guard let old = last[id] else {
                last[id] = new
                output.append((id, new))
                continue
            }
            let modes: [(String, UInt64, UInt64)] = [
                ("user", old.user, new.user), ("nice", old.nice, new.nice), ("system", old.system, new.system),
                ("idle", old.idle, new.idle), ("iowait", old.iowait, new.iowait), ("irq", old.irq, new.irq),
                ("softirq", old.softirq, new.softirq), ("steal", old.steal, new.steal),
            ]
            // "Most" counts only counters that had started (a zero counter cannot drop), and needs two drops,
            // so one jittery idle or iowait counter is held rather than taken for a reset.
            let decreased = modes.filter { $0.2 < $0.1 }.count
            let started = modes.filter { $0.1 > 0 }.count
            let idleJump = old.idle > new.idle && old.idle - new.idle >= jumpBackTicks
            if idleJump || (decreased >= 2 && decreased * 2 > started) {
                events.append(Event(cpu: id, mode: "idle", old: old.idle, new: new.idle, reset: true))
                last[id] = new
                output.append((id, new))
                continue
            }
            var kept = old
            func hold(_ mode: String, _ path: WritableKeyPath<CPUTicks, UInt64>) {
                if new[keyPath: path] >= old[keyPath: path] {
                    kept[keyPath: path] = new[keyPath: path]
                } else {
                    events.append(Event(cpu: id, mode: mode, old: old[keyPath: path], new: new[keyPath: path], reset: false))
                }
            }
            hold("user", \.user); hold("nice", \.nice); hold("system", \.system); hold("idle", \.idle)
            hold("iowait", \.iowait); hold("irq", \.irq); hold("softirq", \.softirq); hold("steal", \.steal)
            hold("guest", \.guest); hold("guest_nice", \.guestNice)
            last[id] = kept
            output.append((id, kept))
        }
        if last.count != seen.count {
            last = last.filter { seen.contains($0.key) }
        }
        return (output, events)
    }
}
