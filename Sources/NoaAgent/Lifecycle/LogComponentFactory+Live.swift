import Logging
import NIOCore
import NoaCore
import NoaPipeline
import NoaSinks

extension LogComponentFactory {
    /// The factory the agent runs with: real sinks and sources, built from their config.
    /// `executable`: the agent's binary, which the journald source runs as its reader child.
    static func live(group: any EventLoopGroup, logger: Logger, executable: String = "/proc/self/exe") -> LogComponentFactory {
        LogComponentFactory(
            makeSinkJob: { named, inlet, statistics, dataDir in
                var sinkLogger = logger
                sinkLogger[metadataKey: "component_id"] = "\(named.id)"
                switch named.config {
                case .prometheus:
                    throw TopologyError.sourceFailed(source: named.id, reason: "a prometheus sink takes no logs")
                case .otlp, .zipkin:
                    throw TopologyError.sourceFailed(source: named.id, reason: "a trace sink takes no logs")
                }
            },
            startSource: { named, outlet, dataDir, host in
                switch named.config {
                case .hostMetrics, .statsd, .otlp, .zipkin:
                    // Built on the metric side; StatsD gets its event outlet from the topology.
                    return nil
                case .journald(let config):
                    var sourceLogger = logger
                    sourceLogger[metadataKey: "component_id"] = "\(named.id)"
                    let source = try JournaldSource(
                        id: named.id, config: config, dataDir: dataDir, outlet: outlet, host: host,
                        logger: sourceLogger, executable: executable)
                    return LogSourceHandle(stop: { source.stop() }, finish: { await source.finish() })
                }
            })
    }
}
