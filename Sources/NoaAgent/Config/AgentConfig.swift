import NoaHTTP
import NoaSources

/// The agent's configuration, typed and validated: what `agent.yaml` says after `ConfigLoader` accepted it.
///
/// Components are named by the user (`sources.host`, `sinks.prom`) and wired explicitly through `inputs`.
/// Source and sink kinds are closed enums, so adding a kind makes the compiler point at every place that must
/// handle it.
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

    public func source(_ id: String) -> SourceConfig? { sources.first { $0.id == id }?.config }
}

public struct NamedSource: Sendable, Equatable {
    public var id: String
    public var config: SourceConfig
    public init(id: String, config: SourceConfig) {
        self.id = id
        self.config = config
    }
}

public struct NamedSink: Sendable, Equatable {
    public var id: String
    public var config: SinkConfig
    public init(id: String, config: SinkConfig) {
        self.id = id
        self.config = config
    }
}

/// Every kind of source the agent has.
public enum SourceConfig: Sendable, Equatable {
    case hostMetrics(HostMetricsConfig)
    case statsd(StatsDSourceConfig)
    case journald(JournaldSourceConfig)
    case httpLogs(HTTPLogsSourceConfig)
    case otlp(OTLPSourceConfig)
    case zipkin(ZipkinSourceConfig)

    /// The `type:` value that selects each kind.
    public static let typeNames = ["host_metrics", "statsd", "journald", "http_logs", "otlp", "zipkin"]

    /// What the source produces, so the loader can refuse wiring a log source into a metrics sink. StatsD
    /// produces metrics, and logs from DogStatsD events and service checks.
    public var signals: Set<Signal> {
        switch self {
        case .hostMetrics: return [.metrics]
        case .statsd: return [.metrics, .logs]
        case .journald, .httpLogs: return [.logs]
        // OTLP carries all three; span metrics make a Zipkin source a metrics producer too.
        case .otlp: return [.traces, .metrics, .logs]
        case .zipkin: return [.traces, .metrics]
        }
    }
}

/// Every kind of sink the agent has.
public enum SinkConfig: Sendable, Equatable {
    case prometheus(PrometheusSinkConfig)
    case logstash(LogstashSinkConfig)
    case file(FileSinkConfig)
    case console(ConsoleSinkConfig)
    case otlp(OTLPSinkConfig)
    case zipkin(ZipkinSinkConfig)

    case elasticsearch(ElasticsearchSinkConfig)

    public static let typeNames = ["prometheus", "elasticsearch", "logstash", "file", "console", "otlp", "zipkin"]

    public var inputs: [String] {
        switch self {
        case .prometheus(let config): return config.inputs
        case .elasticsearch(let config): return config.inputs
        case .logstash(let config): return config.inputs
        case .file(let config): return config.inputs
        case .console(let config): return config.inputs
        case .otlp(let config): return config.inputs
        case .zipkin(let config): return config.inputs
        }
    }

    /// The signals this sink accepts from its inputs.
    public var accepts: Set<Signal> {
        switch self {
        case .prometheus: return [.metrics]
        case .elasticsearch, .logstash: return [.logs]
        // Spans go to their own file (OTLP/JSON lines) or to standard output, for debugging.
        case .file, .console: return [.logs, .traces]
        case .otlp, .zipkin: return [.traces]
        }
    }
}

/// The three telemetry signals, each with its own pipeline.
public enum Signal: String, Sendable, Hashable {
    case metrics, logs, traces
}

/// `type: host_metrics`: node_exporter-compatible metrics read from procfs and sysfs.
public struct HostMetricsConfig: Sendable, Equatable {
    /// The host's root: procfs is `<root>/proc`, sysfs `<root>/sys` (containers mount the host at `/host`).
    public var root: String
    /// Collector names to run; nil runs all.
    public var collectors: [String]?
    /// Options passed to collectors (excludes, statfs timeout).
    public var options: HostMetricsOptions

    public init(root: String = "/", collectors: [String]? = nil, options: HostMetricsOptions = HostMetricsOptions()) {
        self.root = root
        self.collectors = collectors
        self.options = options
    }
}

/// `type: prometheus`: one HTTP endpoint serving every input's metrics.
public struct PrometheusSinkConfig: Sendable, Equatable {
    public var listen: ListenAddress
    public var path: String
    public var inputs: [String]
    /// Whether the agent's own metrics (`process_*`, `noa_*`) are served beside the inputs.
    public var selfMetrics: Bool

    public init(listen: ListenAddress, path: String = "/metrics", inputs: [String], selfMetrics: Bool = true) {
        self.listen = listen
        self.path = path
        self.inputs = inputs
        self.selfMetrics = selfMetrics
    }
}

/// `type: statsd`: StatsD and DogStatsD pushed over UDP, TCP and Unix datagram sockets, aggregated into
/// Prometheus series (statsd_exporter semantics and mapping files).
public struct StatsDSourceConfig: Sendable, Equatable {
    public var listen: [StatsDListenAddress]
    /// The mapping file's path and text: the text is part of the config, so a reload picks up an edited file.
    public var mappingFile: String?
    public var mappingText: String?
    /// The UDP/Unix receive buffer to ask the kernel for.
    public var receiveBufferBytes: Int
    /// How long a datagram listener waits after emptying its socket before reading again (see
    /// `StatsDListenerOptions.batchWait`); zero reads as soon as anything arrives.
    public var batchWait: Duration
    public var maxSeries: Int
    public var maxSeriesPerMetric: Int
    /// Label carrying the sender's systemd unit on the Unix datagram socket (off when nil).
    public var originUnitLabel: String?

    public init(
        listen: [StatsDListenAddress] = [.udp(host: "127.0.0.1", port: 8125)], mappingFile: String? = nil,
        mappingText: String? = nil, receiveBufferBytes: Int = 32 << 20, batchWait: Duration = .milliseconds(10),
        maxSeries: Int = 100_000,
        maxSeriesPerMetric: Int = 10_000, originUnitLabel: String? = nil
    ) {
        self.listen = listen
        self.mappingFile = mappingFile
        self.mappingText = mappingText
        self.receiveBufferBytes = receiveBufferBytes
        self.batchWait = batchWait
        self.maxSeries = maxSeries
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.originUnitLabel = originUnitLabel
    }
}

extension AgentConfig {
    /// Where each push source receives, for a person at a terminal (`make run` prints these): StatsD sockets,
    /// the OTLP, Zipkin and JSON log endpoints.
    public var receivers: [(id: String, address: String)] {
        var out: [(id: String, address: String)] = []
        for named in sources {
            switch named.config {
            case .hostMetrics, .journald: continue
            case .statsd(let config):
                for address in config.listen { out.append((named.id, "\(address)")) }
            case .otlp(let config):
                out.append((named.id, "http://\(config.listen)/v1/traces, /v1/metrics, /v1/logs"))
            case .zipkin(let config):
                out.append((named.id, "http://\(config.listen)/api/v2/spans"))
            case .httpLogs(let config):
                out.append((named.id, "http://\(config.listen)\(config.path)"))
            }
        }
        return out
    }
}
