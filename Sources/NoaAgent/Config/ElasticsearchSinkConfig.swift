import NoaHTTP
import Logging
import NIOCore
import NoaPipeline
import NoaSinks

/// `type: elasticsearch`: log records shipped with the `_bulk` API into a data stream or a dated index.
///
/// ```yaml
/// sinks:
///   es:
///     type: elasticsearch
///     inputs: [journal]
///     endpoints: [http://127.0.0.1:9200]
///     data_stream: logs-noa.journal-default   # or index: "noa-journal-%Y.%m.%d"
///     auth: { api_key: "${ES_API_KEY}" }      # or { user: …, password: … } or { bearer: … }
///     tls: { ca_file: /etc/noa-agent/es-ca.pem }  # for https:// endpoints; see `TLSConfig`
/// ```
public struct ElasticsearchSinkConfig: Sendable, Equatable {
    public var inputs: [String]
    /// Base URLs, each `http://host:port` or `https://host:port` with an optional path prefix (a proxy's).
    public var endpoints: [String]
    public var target: ElasticsearchTarget
    public var auth: ElasticsearchAuth?
    /// `compression: gzip` (the default) or `none`.
    public var gzip: Bool
    public var batch: BatchPolicy
    public var retry: RetryPolicy
    /// Per request, from writing it to the end of the answer (`timeout`).
    public var timeout: Duration
    /// Refused records go to `<data_dir>/dead-letter/<id>.ndjson` (true) or are only counted.
    public var deadLetter: Bool
    /// Install the index template before the first write.
    public var setupOnStart: Bool
    /// How `https://` endpoints are verified (`tls:`); nil: the system trust store, full verification.
    public var tls: TLSConfig?

    public init(
        inputs: [String], endpoints: [String] = ["http://127.0.0.1:9200"],
        target: ElasticsearchTarget = .dataStream("logs-noa.journal-default"), auth: ElasticsearchAuth? = nil,
        gzip: Bool = true, batch: BatchPolicy = BatchPolicy(maxItems: 1000, maxBytes: 5 << 20, maxDelay: .seconds(1)),
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30), deadLetter: Bool = true,
        setupOnStart: Bool = false, tls: TLSConfig? = nil
    ) {
        self.inputs = inputs
        self.endpoints = endpoints
        self.target = target
        self.auth = auth
        self.gzip = gzip
        self.batch = batch
        self.retry = retry
        self.timeout = timeout
        self.deadLetter = deadLetter
        self.setupOnStart = setupOnStart
        self.tls = tls
    }

    /// What the sink itself takes from this config.
    public var sinkOptions: ElasticsearchSink.Options {
        ElasticsearchSink.Options(endpoints: endpoints, target: target, auth: auth, gzip: gzip, setupOnStart: setupOnStart)
    }

    /// The HTTP client settings for this sink: its request timeout, a connect timeout no longer than that, its TLS.
    public var transportConfiguration: NIOHTTPTransport.Configuration {
        NIOHTTPTransport.Configuration(
            connectTimeout: min(.seconds(5), timeout), requestTimeout: timeout, tls: tls ?? TLSConfig())
    }
}

extension ElasticsearchSink {
    /// The sink a config describes, over `transport` (a `NIOHTTPTransport` built with
    /// `config.transportConfiguration`, shared by nothing else so its pool bound is this sink's). Run it with
    /// `SinkRunner(…, batch: config.batch, retry: config.retry, itemBytes: { ElasticsearchSink.estimatedBytes($0[$1]) },
    /// deadLetter: config.deadLetter ? DeadLetterFile(directory: dataDir + "/dead-letter", …) : nil, …)`.
    public static func make(
        id: String, config: ElasticsearchSinkConfig, transport: any HTTPTransport, logger: Logger
    ) -> ElasticsearchSink {
        ElasticsearchSink(id: id, options: config.sinkOptions, transport: transport, logger: logger)
    }

    /// The sink with its own `NIOHTTPTransport` on `group`; shut the transport down when the sink stops.
    public static func make(
        id: String, config: ElasticsearchSinkConfig, group: any EventLoopGroup, logger: Logger
    ) -> (sink: ElasticsearchSink, transport: NIOHTTPTransport) {
        let transport = NIOHTTPTransport(group: group, configuration: config.transportConfiguration)
        return (make(id: id, config: config, transport: transport, logger: logger), transport)
    }
}
