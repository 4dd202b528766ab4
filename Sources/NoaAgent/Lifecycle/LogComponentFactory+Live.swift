import Logging
import NIOCore
import NoaCore
import NoaPipeline
import NoaSinks

extension LogComponentFactory {
    /// The factory the agent runs with: real sinks and sources, built from their config.
    static func live(group: any EventLoopGroup, logger: Logger) -> LogComponentFactory {
        LogComponentFactory(
            makeSinkJob: { named, inlet, statistics, dataDir in
                var sinkLogger = logger
                sinkLogger[metadataKey: "component_id"] = "\(named.id)"
                switch named.config {
                case .prometheus:
                    throw TopologyError.sourceFailed(source: named.id, reason: "a prometheus sink takes no logs")
                }
            },
            startSource: { named, outlet, dataDir, host in
                switch named.config {
                case .hostMetrics, .statsd:
                    // Built on the metric side; StatsD gets its event outlet from the topology.
                    return nil
                case .journald:
                    throw TopologyError.sourceFailed(source: named.id, reason: "the journald reader is not built yet")
                }
            })
    }
}
