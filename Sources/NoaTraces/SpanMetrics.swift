import NoaCore
import Synchronization

/// Request metrics computed from spans (the OpenTelemetry Collector's spanmetrics connector, with the
/// semantic-convention dimensions that make them useful per protocol), served on the Prometheus endpoint:
///
/// - `traces_span_metrics_calls_total`, `traces_span_metrics_errors_total` and the histogram
///   `traces_span_metrics_duration_seconds`, by `service_name`, `span_name`, `span_kind`, `status_code`, plus
///   - HTTP: `http_request_method`, `http_route`, `http_response_status_code`
///   - database: `db_system`, `db_operation`, `db_collection`
///   - messaging: `messaging_system`, `messaging_destination`, `messaging_operation`
/// - `traces_cache_requests_total` by `service_name`, `db_system`, `db_operation`, `result` (`hit`, `miss`,
///   `unknown`) for database spans of cache systems (Redis, Memcached and friends).
///
/// Only spans at a process boundary are counted (server, client, producer, consumer): internal spans would
/// multiply series without describing requests. Cardinality is bounded: past `maxSeries` distinct label sets,
/// spans are counted in one overflow series (`otel_metric_overflow="true"`) and `noa_span_metrics_overflow_total`
/// counts them. The series live in a `SeriesStore`.
public final class SpanMetrics: MetricProducer {
    public struct Configuration: Sendable, Equatable {
        /// Histogram bucket upper bounds, in seconds.
        public var buckets: [Double]
        public var maxSeries: Int
        /// Database systems whose spans also count as cache requests.
        public var cacheSystems: Set<String>

        public init(
            buckets: [Double] = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            maxSeries: Int = 10_000,
            cacheSystems: Set<String> = ["redis", "memcached", "valkey", "keydb", "hazelcast", "aerospike"]
        ) {
            self.buckets = buckets.sorted()
            self.maxSeries = maxSeries
            self.cacheSystems = cacheSystems
        }
    }

    public let id: String
    public let configuration: Configuration
    /// The span metrics' own metrics (`SpanMetricsSelfMetrics`); `gather()` serves the request metrics only.
    public let selfMetrics: SelfMetrics
    private let state: Mutex<State>

    /// The three series of one label set.
    fileprivate struct Handles {
        var calls: Series
        var errors: Series
        var duration: Series
    }

    fileprivate struct State {
        var store = SeriesStore()
        let calls: SeriesFamily
        let errors: SeriesFamily
        let duration: SeriesFamily
        let cache: SeriesFamily
        /// Each label set's series by the span's dimension values, so a span costs one lookup (of the values it
        /// computed outside the lock) rather than three of its labels. Points at the store's series, which never
        /// expire here.
        var handles: [[String]: Handles] = [:]
        /// The cache requests series by their label values, likewise.
        var cacheSeries: [[String]: Series] = [:]
        var overflowSpans: UInt64 = 0

        init(_ configuration: Configuration) {
            let overflow = [Label("otel_metric_overflow", "true")]
            let cap = configuration.maxSeries
            calls = store.family(
                "traces_span_metrics_calls_total", .counter, help: "Spans counted, by service, operation, kind and status.",
                maxSeries: cap, overflow: overflow)!
            errors = store.family(
                "traces_span_metrics_errors_total", .counter, help: "Spans with status error.", maxSeries: cap,
                overflow: overflow)!
            duration = store.family(
                "traces_span_metrics_duration_seconds", .histogram, help: "Span durations.", buckets: configuration.buckets,
                maxSeries: cap, overflow: overflow)!
            cache = store.family(
                "traces_cache_requests_total", .counter,
                help: "Cache requests seen in database spans of cache systems, by result.", maxSeries: cap, order: .labels)!
        }

        /// The series of the label set `key` (made on first use), or the overflow series once the families are full.
        mutating func handles(_ key: [String]) -> Handles {
            if let known = handles[key] { return known }
            let full = calls.isFull
            if full { overflowSpans += 1 }
            let labels = SpanMetrics.labels(for: key)
            let made = Handles(
                calls: store.series(in: calls, labels: labels)!, errors: store.series(in: errors, labels: labels)!,
                duration: store.series(in: duration, labels: labels)!)
            if !full { handles[key] = made }
            return made
        }

        /// The cache requests series of `key` (service, db system, operation, result), nil past the cap.
        mutating func cacheRequests(_ key: [String]) -> Series? {
            if let known = cacheSeries[key] { return known }
            let labels = zip(["service_name", "db_system", "db_operation", "result"], key).map { Label($0, $1) }
            let made = store.series(in: cache, labels: labels)
            cacheSeries[key] = made
            return made
        }
    }

    /// The label names, in the order of a series key's values.
    static let labelNames = [
        "service_name", "span_name", "span_kind", "status_code",
        "http_request_method", "http_route", "http_response_status_code",
        "db_system", "db_operation", "db_collection",
        "messaging_system", "messaging_destination", "messaging_operation",
    ]

    public init(id: String, configuration: Configuration = Configuration()) {
        self.id = id
        self.configuration = configuration
        self.state = Mutex(State(configuration))
        selfMetrics = SelfMetrics(component: id)
        // Read under the lock at gather time; weak, so the registry does not keep the span metrics alive.
        SpanMetricsSelfMetrics.declare(
            selfMetrics, overflowSpans: { [weak self] in self?.overflowSpans ?? 0 },
            series: { [weak self] in self?.seriesCount ?? 0 })
    }

    /// Counts the spans of `groups`.
    public func record(_ groups: [ResourceSpans]) {
        // Keys are computed outside the lock; only the series updates hold it.
        var observations: [(key: [String], seconds: Double, error: Bool, cache: [String]?)] = []
        for group in groups {
            let service = group.resource.serviceName ?? "unknown_service"
            for scope in group.scopeSpans {
                for span in scope.spans {
                    switch span.kind {
                    case .server, .client, .producer, .consumer: break
                    case .internal, .unspecified: continue
                    }
                    let (key, cache) = Self.dimensions(of: span, service: service, cacheSystems: configuration.cacheSystems)
                    observations.append(
                        (key, Double(span.durationNanos) / 1e9, span.status.code == .error, cache))
                }
            }
        }
        guard !observations.isEmpty else { return }
        state.withLock { state in
            for o in observations {
                let series = state.handles(o.key)
                series.calls.value += 1
                if o.error { series.errors.value += 1 }
                series.duration.observe(o.seconds, now: 0)
                if let cache = o.cache {
                    if let requests = state.cacheRequests(cache) {
                        requests.value += 1
                    } else {
                        state.overflowSpans += 1
                    }
                }
            }
        }
    }

    /// The label values of a span's series, and of its cache series when it is a cache request.
    static func dimensions(of span: Span, service: String, cacheSystems: Set<String>) -> (key: [String], cache: [String]?) {
        var key = [String](repeating: "", count: labelNames.count)
        key[0] = service
        key[1] = span.name
        key[2] = span.kind.name
        key[3] = span.status.code.name
        var dbSystem = ""
        var dbOperation = ""
        var cacheResult: String?
        for attribute in span.attributes {
            // Every key below starts with c, d, h or m: other keys skip the string comparisons.
            switch attribute.key.utf8.first {
            case UInt8(ascii: "c"), UInt8(ascii: "d"), UInt8(ascii: "h"), UInt8(ascii: "m"): break
            default: continue
            }
            switch attribute.key {
            case "http.request.method", "http.method": key[4] = text(attribute.value)
            case "http.route": key[5] = text(attribute.value)
            case "http.response.status_code", "http.status_code": key[6] = text(attribute.value)
            case "db.system", "db.system.name":
                dbSystem = text(attribute.value)
                key[7] = dbSystem
            case "db.operation.name", "db.operation":
                dbOperation = text(attribute.value)
                key[8] = dbOperation
            case "db.collection.name", "db.sql.table", "db.mongodb.collection", "db.cosmosdb.container":
                key[9] = text(attribute.value)
            case "messaging.system": key[10] = text(attribute.value)
            case "messaging.destination.name", "messaging.destination": key[11] = text(attribute.value)
            case "messaging.operation.type", "messaging.operation": key[12] = text(attribute.value)
            // Semantic conventions have no stable cache hit attribute; these are the spellings instrumentations use.
            case "cache.hit", "db.cache.hit", "db.redis.cache_hit":
                if case .bool(let hit) = attribute.value { cacheResult = hit ? "hit" : "miss" }
            case "cache.result", "db.cache.result":
                let v = text(attribute.value).lowercased()
                if v == "hit" || v == "miss" { cacheResult = v }
            default: break
            }
        }
        var cache: [String]?
        if !dbSystem.isEmpty, cacheSystems.contains(dbSystem.lowercased()) {
            cache = [service, dbSystem, dbOperation, cacheResult ?? "unknown"]
        }
        return (key, cache)
    }

    private static func text(_ value: AttributeValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return LabelValue.number(d)
        case .bytes, .array, .map: return ""
        }
    }

    fileprivate static func labels(for key: [String]) -> [Label] {
        var labels: [Label] = []
        for (name, value) in zip(labelNames, key) where !value.isEmpty { labels.append(Label(name, value)) }
        return labels
    }

    /// Label sets held, the overflow series included.
    public var seriesCount: Int { state.withLock { $0.calls.count } }
    public var overflowSpans: UInt64 { state.withLock { $0.overflowSpans } }

    public func gather() -> MetricBatch {
        let series = state.withLock { $0.store.snapshot() }
        var batch = MetricBatch(reservingCapacity: series.families.count)
        series.expose(into: &batch, now: 0)
        return batch
    }
}

/// Span metrics' own metrics: the one place their names and help texts are written.
enum SpanMetricsSelfMetrics {
    static func declare(
        _ registry: SelfMetrics, overflowSpans: @escaping @Sendable () -> UInt64, series: @escaping @Sendable () -> Int
    ) {
        registry.counter(
            "noa_span_metrics_overflow_total", "Spans counted in the overflow series because the series limit was reached.",
            read: { Double(overflowSpans()) })
        registry.gauge("noa_span_metrics_series", "Distinct span metric series held.", read: { Double(series()) })
    }
}
