import NoaCore
import NoaProcfs

/// node_exporter's `softnet` collector: per-CPU `node_softnet_*` from `/proc/net/softnet_stat`. Columns the
/// running kernel does not print (cpu_collision, received_rps, flow_limit_count, backlog_len) are left out.
public struct SoftnetCollector: HostCollector {
    public let name = "softnet"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        for line in try Softnet.read(paths) {
            let cpu = [Label("cpu", String(line.cpu))]
            batch.counter("node_softnet_processed_total", "Number of processed packets", Double(line.processed), cpu)
            batch.counter("node_softnet_dropped_total", "Number of dropped packets", Double(line.dropped), cpu)
            batch.counter(
                "node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota",
                Double(line.timeSqueezed), cpu)
            if let value = line.cpuCollision {
                batch.counter(
                    "node_softnet_cpu_collision_total",
                    "Number of collision occur while obtaining device lock while transmitting", Double(value), cpu)
            }
            if let value = line.receivedRPS {
                batch.counter(
                    "node_softnet_received_rps_total", "Number of times cpu woken up received_rps", Double(value), cpu)
            }
            if let value = line.flowLimitCount {
                batch.counter(
                    "node_softnet_flow_limit_count_total", "Number of times flow limit has been reached",
                    Double(value), cpu)
            }
            if let value = line.backlogLength {
                batch.gauge("node_softnet_backlog_len", "Softnet backlog status", Double(value), cpu)
            }
        }
    }
}
