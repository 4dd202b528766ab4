import NoaCore
import Logging
import NoaComponents
import NoaHTTP
import NoaPipeline

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
public struct ElasticsearchSinkConfig: LogSinkConfiguration {
    public static let typeName = "elasticsearch"
    public static let keys = [
        "endpoints", "data_stream", "index", "auth", "compression", "batch", "retry", "timeout", "dead_letter",
        "setup_on_start", "tls",
    ]

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
        id: String, config: ElasticsearchSinkConfig, transport: any HTTPTransport, clock: any AgentClock = SystemClock(),
        logger: Logger
    ) -> ElasticsearchSink {
        ElasticsearchSink(id: id, options: config.sinkOptions, transport: transport, clock: clock, logger: logger)
    }
}

extension ElasticsearchSinkConfig {
    /// Every problem is reported at its own key.
    public static func read(_ map: ConfigMap) -> ElasticsearchSinkConfig? {
        var config = ElasticsearchSinkConfig(inputs: map.inputs(missing: "name the sources this sink ships"))
        if let items = map.items("endpoints") {
            if items.isEmpty { map.error("endpoints", "\(map.path("endpoints")) is empty: give at least one URL") }
            var endpoints: [String] = []
            for item in items {
                switch HTTPURL.parse(item.value) {
                case .failure(let error):
                    map.reader.error(item.node, "\(map.path("endpoints")): \(error)")
                case .success(let url):
                    if url.target.contains("?") {
                        map.reader.error(item.node, "\(map.path("endpoints")): '\(item.value)' has a query; give the base URL only")
                    } else {
                        endpoints.append(item.value)
                    }
                }
            }
            config.endpoints = endpoints
        }
        switch (map["data_stream"], map["index"]) {
        case (_?, nil):
            if let name = map.string("data_stream") {
                if let problem = ElasticsearchTarget.problem(with: name, isPattern: false) {
                    map.error("data_stream", "\(map.path("data_stream")): \(problem)")
                } else {
                    config.target = .dataStream(name)
                }
            }
        case (nil, _?):
            if let pattern = map.string("index") {
                if let problem = ElasticsearchTarget.problem(with: pattern, isPattern: true) {
                    map.error("index", "\(map.path("index")): \(problem)")
                } else {
                    config.target = .index(pattern: pattern)
                }
            }
        case (_?, _?):
            map.error("index", "\(map.path): give either data_stream or index, not both")
        case (nil, nil):
            map.error(nil, "\(map.path): give data_stream (for example logs-noa.journal-default) or index (for example \"noa-journal-%Y.%m.%d\")")
        }
        if let auth = map.block("auth", allowed: ["api_key", "user", "password", "bearer"]) { config.auth = readAuth(auth) }
        if let gzip = map.compression() { config.gzip = gzip }
        if let batch = map.block("batch", allowed: ["max_items", "max_bytes", "max_delay"]) {
            if let value = batch.integer("max_items", in: 1...Int.max) { config.batch.maxItems = value }
            if let value = batch.size("max_bytes") { config.batch.maxBytes = value }
            if let value = batch.duration("max_delay") { config.batch.maxDelay = value }
        }
        if let retry = map.block("retry", allowed: ["initial_backoff", "max_backoff"]) {
            if let value = retry.duration("initial_backoff") { config.retry.initialBackoff = value }
            if let value = retry.duration("max_backoff") {
                if value >= config.retry.initialBackoff {
                    config.retry.maxBackoff = value
                } else {
                    retry.error("max_backoff", "\(retry.path("max_backoff")) must be at least initial_backoff")
                }
            }
        }
        if let value = map.duration("timeout") { config.timeout = value }
        if let value = map.bool("dead_letter") { config.deadLetter = value }
        if let value = map.bool("setup_on_start") { config.setupOnStart = value }
        if map["tls"] != nil { config.tls = map.tls() }
        return config
    }

    /// `auth:` with exactly one of `api_key`, `user` + `password`, `bearer`.
    private static func readAuth(_ map: ConfigMap) -> ElasticsearchAuth? {
        let given = ["api_key", "user", "bearer"].filter { map[$0] != nil }
        guard given.count == 1 else {
            map.error(nil, "\(map.path): give exactly one of api_key, user (with password) or bearer")
            return nil
        }
        func value(_ key: String) -> String? {
            guard let text = map.string(key) else { return nil }
            if text.isEmpty { map.error(key, "\(map.path(key)) is empty") }
            return text.isEmpty ? nil : text
        }
        switch given[0] {
        case "api_key":
            if map["password"] != nil { map.error("password", "\(map.path("password")) goes with user, not api_key") }
            return value("api_key").map(ElasticsearchAuth.apiKey)
        case "bearer":
            if map["password"] != nil { map.error("password", "\(map.path("password")) goes with user, not bearer") }
            return value("bearer").map(ElasticsearchAuth.bearer)
        default:
            guard map["password"] != nil else {
                map.error(nil, "\(map.path("password")) is missing (user needs a password)")
                return nil
            }
            guard let user = value("user"), let password = value("password") else { return nil }
            return .basic(user: user, password: password)
        }
    }

    /// A bulk writer behind one runner (order within the journal is kept), on an HTTP client of its own with this
    /// sink's timeouts and TLS, with its refused items dead-lettered when `dead_letter` is on.
    public func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        tls.warnIfInsecure(context.logger)
        let client = context.services.http.client(transportConfiguration)
        let sink = ElasticsearchSink.make(
            id: context.id, config: self, transport: client.transport, clock: context.services.clock,
            logger: context.logger)
        let deadLetter = deadLetter
            ? DeadLetterFile(
                directory: context.deadLetterDirectory, sinkID: context.id, logger: RateLimitedLogger(logger: context.logger))
            : nil
        return .running(
            sink, context, inlet: .logSink, batch: batch, retry: retry,
            itemBytes: { ElasticsearchSink.estimatedBytes($0[$1]) }, deadLetter: deadLetter,
            metrics: [sink.statistics.registry], onStop: client.release)
    }
}
