import NoaCore
import NoaProcfs

/// node_exporter's `loadavg` collector: `node_load1`, `node_load5`, `node_load15`.
public struct LoadavgCollector: HostCollector {
    public let name = "loadavg"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        let load = try Loadavg.read(paths)
        batch.gauge("node_load1", "1m load average.", load.load1)
        batch.gauge("node_load5", "5m load average.", load.load5)
        batch.gauge("node_load15", "15m load average.", load.load15)
    }
}
