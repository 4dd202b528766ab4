import NoaComponents
import NoaSinks
import NoaSources

/// The kinds of component the agent knows, by their `type:`. Adding a kind is one folder (its config type,
/// conforming to `SourceConfiguration` or to the sink protocols of the signals it takes, its runtime and its
/// self-metrics) and one line here; the protocols make the compiler ask for everything else.
public struct ComponentRegistry: Sendable {
    public var sources: [any SourceConfiguration.Type]
    public var sinks: [any SinkConfiguration.Type]

    public init(sources: [any SourceConfiguration.Type], sinks: [any SinkConfiguration.Type]) {
        self.sources = sources
        self.sinks = sinks
    }

    public static let builtIn = ComponentRegistry(
        sources: [
            HostMetricsConfig.self,
            CgroupsConfig.self,
            ProcessesConfig.self,
            StatsDSourceConfig.self,
            JournaldSourceConfig.self,
            HTTPLogsSourceConfig.self,
            OTLPSourceConfig.self,
            ZipkinSourceConfig.self,
        ],
        sinks: [
            PrometheusSinkConfig.self,
            ElasticsearchSinkConfig.self,
            LogstashSinkConfig.self,
            FileSinkConfig.self,
            ConsoleSinkConfig.self,
            OTLPSinkConfig.self,
            ZipkinSinkConfig.self,
            JournalRemoteSinkConfig.self,
        ])
}
