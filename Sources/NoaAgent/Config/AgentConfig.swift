import NoaComponents

/// The agent's configuration, typed and validated: what `agent.yaml` says after `ConfigLoader` accepted it.
///
/// Components are named by the user (`sources.host`, `sinks.prom`) and wired explicitly through `inputs`. Each is
/// a value of its kind's config type (`JournaldSourceConfig`, `ElasticsearchSinkConfig`…), which knows its keys,
/// the signals it emits or takes, and how it is built; the kinds the agent knows are listed in `ComponentRegistry`.
public struct AgentConfig: Sendable, Equatable {
    /// Where state lives (checkpoints, dead letters, the file sink's default directory).
    public var dataDir: String
    /// Sources in file order.
    public var sources: [NamedSource]
    /// Sinks in file order.
    public var sinks: [NamedSink]

    public init(dataDir: String = "/var/lib/noa-agent", sources: [NamedSource], sinks: [NamedSink]) {
        self.dataDir = dataDir
        self.sources = sources
        self.sinks = sinks
    }

    public func source(_ id: String) -> NamedSource? { sources.first { $0.id == id } }
}

public struct NamedSource: Sendable, Equatable {
    public var id: String
    public var config: any SourceConfiguration

    public init(id: String, config: any SourceConfiguration) {
        self.id = id
        self.config = config
    }

    public static func == (a: NamedSource, b: NamedSource) -> Bool { a.id == b.id && a.config.isEqual(to: b.config) }

    /// The signals it emits.
    public var emits: Set<SignalKind> { type(of: config).emits }
}

public struct NamedSink: Sendable, Equatable {
    public var id: String
    public var config: any SinkConfiguration

    public init(id: String, config: any SinkConfiguration) {
        self.id = id
        self.config = config
    }

    public static func == (a: NamedSink, b: NamedSink) -> Bool { a.id == b.id && a.config.isEqual(to: b.config) }

    /// The signals it takes.
    public var accepts: Set<SignalKind> { type(of: config).accepts }
}
