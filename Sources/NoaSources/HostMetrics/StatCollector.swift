import NoaCore
import NoaProcfs

/// node_exporter's `stat` collector: boot time, context switches, forks, interrupts and process counts from
/// `/proc/stat` (per-softirq counters are off by default in node_exporter and are not emitted).
public struct StatCollector: HostCollector {
    public let name = "stat"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        StatCollector.add(try ProcStat.read(paths), into: &batch)
    }

    static func add(_ stat: ProcStat, into batch: inout MetricBatch) {
        batch.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", Double(stat.bootTime))
        batch.counter("node_context_switches_total", "Total number of context switches.", Double(stat.contextSwitches))
        batch.counter("node_forks_total", "Total number of forks.", Double(stat.forks))
        batch.counter("node_intr_total", "Total number of interrupts serviced.", Double(stat.interrupts))
        batch.gauge("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", Double(stat.procsBlocked))
        batch.gauge("node_procs_running", "Number of processes in runnable state.", Double(stat.procsRunning))
    }
}
