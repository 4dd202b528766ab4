import Glibc
@testable import NoaSources
import NoaCore
import NoaProcfs
import Testing

@Suite struct CPUCollectorTests {
    static let hz = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func stat(_ cpu0: String, _ cpu1: String = "200 0 100 1000 10 0 5 1 0 0") -> String {
        "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 \(cpu0)\ncpu1 \(cpu1)\nintr 5 0\nctxt 7\nbtime 1795791385\nprocesses 9\nprocs_running 2\nprocs_blocked 1\n"
    }

    @Test func emitsNodeExporterFamilies() throws {
        let tree = FixtureTree().write("proc/stat", Self.stat("100 1 50 900 20 3 4 2 7 8"))
        let collector = CPUCollector(context: tree.context)
        var batch = MetricBatch()
        try collector.collect(into: &batch)
        let cpu = try #require(batch.family(named: "node_cpu_seconds_total"))
        #expect(cpu.type == .counter)
        #expect(cpu.samples.count == 16)
        #expect(Set(cpu.samples.flatMap { $0.labels.map(\.name) }) == ["cpu", "mode"])
        #expect(Set(cpu.samples.compactMap { $0.labels.first { $0.name == "mode" }?.value })
                == ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"])
        #expect(batch.lines("node_cpu_seconds_total").contains("{cpu=0,mode=iowait} \(20 / Self.hz)"))
        #expect(batch.lines("node_cpu_guest_seconds_total").prefix(2)
                == ["{cpu=0,mode=nice} \(8 / Self.hz)", "{cpu=0,mode=user} \(7 / Self.hz)"])
        #expect(batch.family(named: "node_cpu_online") == nil)  // no sys tree: nothing, as node_exporter
    }

    @Test func holdsCountersThatGoBackwards() throws {
        let tree = FixtureTree().write("proc/stat", Self.stat("100 0 50 900 20 0 0 0 0 0"))
        let collector = CPUCollector(context: tree.context)
        var first = MetricBatch()
        try collector.collect(into: &first)
        tree.write("proc/stat", Self.stat("110 0 55 950 15 0 0 0 0 0"))  // iowait 20 -> 15
        var second = MetricBatch()
        try collector.collect(into: &second)
        let lines = second.lines("node_cpu_seconds_total")
        #expect(lines.contains("{cpu=0,mode=iowait} \(20 / Self.hz)"))
        #expect(lines.contains("{cpu=0,mode=user} \(110 / Self.hz)"))
        #expect(lines.contains("{cpu=0,mode=idle} \(950 / Self.hz)"))
    }

    @Test func emitsOnlineWhenCPU0HasTheFile() throws {
        let tree = FixtureTree()
            .write("proc/stat", Self.stat("1 0 0 1 0 0 0 0 0 0"))
            .write("sys/devices/system/cpu/cpu0/online", "1\n")
            .write("sys/devices/system/cpu/cpu1/online", "0\n")
            .write("sys/devices/system/cpu/cpu2/topology/core_id", "2\n")
            .write("sys/devices/system/cpu/isolated", "1-2\n")
        var batch = MetricBatch()
        try CPUCollector(context: tree.context).collect(into: &batch)
        #expect(batch.lines("node_cpu_online") == ["{cpu=0} 1.0", "{cpu=1} 0.0", "{cpu=2} 0.0"])
        #expect(batch.lines("node_cpu_isolated") == ["{cpu=1} 1.0", "{cpu=2} 1.0"])
    }

    @Test func emitsThermalThrottles() throws {
        let tree = FixtureTree().write("proc/stat", Self.stat("1 0 0 1 0 0 0 0 0 0"))
        for (cpu, core) in [(0, 0), (1, 0), (2, 1)] {
            tree.write("sys/devices/system/cpu/cpu\(cpu)/topology/physical_package_id", "0\n")
                .write("sys/devices/system/cpu/cpu\(cpu)/topology/core_id", "\(core)\n")
                .write("sys/devices/system/cpu/cpu\(cpu)/thermal_throttle/core_throttle_count", "\(10 + cpu)\n")
                .write("sys/devices/system/cpu/cpu\(cpu)/thermal_throttle/package_throttle_count", "99\n")
        }
        var batch = MetricBatch()
        try CPUCollector(context: tree.context).collect(into: &batch)
        #expect(batch.lines("node_cpu_core_throttles_total") == ["{core=0,package=0} 10.0", "{core=1,package=0} 12.0"])
        #expect(batch.lines("node_cpu_package_throttles_total") == ["{package=0} 99.0"])
    }

    @Test(arguments: ["", "cpu0 1 2\n", "garbage\n"])
    func malformedStatThrows(_ content: String) {
        let tree = FixtureTree().write("proc/stat", content)
        var batch = MetricBatch()
        #expect(throws: ParseError.self) { try CPUCollector(context: tree.context).collect(into: &batch) }
    }

    @Test func missingStatThrows() {
        let tree = FixtureTree()
        var batch = MetricBatch()
        #expect(throws: FileReadError.self) { try CPUCollector(context: tree.context).collect(into: &batch) }
    }

    @Test func statCollectorFamilies() throws {
        let tree = FixtureTree().write("proc/stat", Self.stat("1 0 0 1 0 0 0 0 0 0"))
        var batch = MetricBatch()
        try StatCollector(context: tree.context).collect(into: &batch)
        #expect(batch.value("node_boot_time_seconds") == 1795791385)
        #expect(batch.family(named: "node_boot_time_seconds")?.type == .gauge)
        #expect(batch.value("node_context_switches_total") == 7)
        #expect(batch.family(named: "node_context_switches_total")?.type == .counter)
        #expect(batch.value("node_forks_total") == 9)
        #expect(batch.value("node_intr_total") == 5)
        #expect(batch.value("node_procs_running") == 2)
        #expect(batch.value("node_procs_blocked") == 1)
        #expect(batch.families.count == 6)
    }
}

@Suite struct CPUCounterTrackerTests {
    static func ticks(user: UInt64, system: UInt64 = 0, idle: UInt64, iowait: UInt64 = 0) -> CPUTicks {
        CPUTicks([user, 0, system, idle, iowait])
    }

    /// Table: previous reading, new reading, expected output, whether a reset is reported.
    @Test(arguments: [
        // Everything grows: taken as is.
        (ticks(user: 10, idle: 100, iowait: 5), ticks(user: 12, idle: 110, iowait: 6), ticks(user: 12, idle: 110, iowait: 6), false),
        // iowait goes back (NO_HZ accounting): held.
        (ticks(user: 10, idle: 100, iowait: 5), ticks(user: 12, idle: 110, iowait: 4), ticks(user: 12, idle: 110, iowait: 5), false),
        // idle goes back by less than 3 s: held.
        (ticks(user: 10, idle: 1000, iowait: 5), ticks(user: 12, idle: 990, iowait: 5), ticks(user: 12, idle: 1000, iowait: 5), false),
        // idle goes back by 3 s or more (hot-plug, node_exporter 1.9's rule): reset to the new values.
        (ticks(user: 10, idle: 1000, iowait: 5), ticks(user: 12, idle: 700, iowait: 5), ticks(user: 12, idle: 700, iowait: 5), true),
        // Most counters drop at once (CPU back online with restarted counters): reset.
        (ticks(user: 10, system: 10, idle: 100, iowait: 5), CPUTicks([1, 0, 1, 99, 1, 0, 0, 0]), CPUTicks([1, 0, 1, 99, 1, 0, 0, 0]), true),
    ])
    func tracks(_ old: CPUTicks, _ new: CPUTicks, _ expected: CPUTicks, _ reset: Bool) {
        var tracker = CPUCounterTracker(userHZ: 100)
        _ = tracker.update([(0, old)])
        let (output, events) = tracker.update([(0, new)])
        #expect(output.count == 1)
        #expect(output[0].ticks == expected)
        #expect(events.contains { $0.reset } == reset)
    }

    @Test func heldValueStaysUntilTheCounterCatchesUp() {
        var tracker = CPUCounterTracker(userHZ: 100)
        _ = tracker.update([(0, Self.ticks(user: 1, idle: 100, iowait: 50))])
        _ = tracker.update([(0, Self.ticks(user: 2, idle: 101, iowait: 40))])
        let (held, _) = tracker.update([(0, Self.ticks(user: 3, idle: 102, iowait: 45))])
        #expect(held[0].ticks.iowait == 50)
        let (caught, events) = tracker.update([(0, Self.ticks(user: 4, idle: 103, iowait: 51))])
        #expect(caught[0].ticks.iowait == 51)
        #expect(events.isEmpty)
    }

    @Test func offlineCPUIsForgottenAndStartsFreshWhenBack() {
        var tracker = CPUCounterTracker(userHZ: 100)
        _ = tracker.update([(0, Self.ticks(user: 5, idle: 50)), (1, Self.ticks(user: 500, idle: 5000, iowait: 9))])
        let (without, _) = tracker.update([(0, Self.ticks(user: 6, idle: 51))])
        #expect(without.map(\.id) == [0])
        let (back, events) = tracker.update([(0, Self.ticks(user: 7, idle: 52)), (1, Self.ticks(user: 1, idle: 2))])
        #expect(back[1].ticks == Self.ticks(user: 1, idle: 2))
        #expect(events.isEmpty)
    }
}
