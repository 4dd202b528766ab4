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
/// counts them.
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
    private let state: Mutex<State>

    fileprivate struct Series {
        var labels: [Label]
        var calls: UInt64 = 0
        var errors: UInt64 = 0
        var bucketCounts: [UInt64]
        var sumSeconds: Double = 0
    }

    fileprivate struct State {
        var series: [[String]: Int] = [:]
        var list: [Series] = []
        var cache: [[String]: UInt64] = [:]
        var overflowSpans: UInt64 = 0
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
        self.state = Mutex(State())
    }

    /// Counts the spans of `groups`.
    public func record(_ groups: [ResourceSpans]) {
        // Keys are computed outside the lock; only the table update holds it.
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
        let buckets = configuration.buckets
        let maxSeries = configuration.maxSeries
        state.withLock { state in
            for o in observations {
                var index = state.series[o.key]
                if index == nil {
                    if state.list.count >= maxSeries {
                        state.overflowSpans += 1
                        index = state.overflowIndex(bucketCount: buckets.count)
                    } else {
                        index = state.list.count
                        state.series[o.key] = index
                        state.list.append(Series(labels: Self.labels(for: o.key), bucketCounts: Array(repeating: 0, count: buckets.count)))
                    }
                }
                let i = index!
                state.list[i].calls += 1
                if o.error { state.list[i].errors += 1 }
                state.list[i].sumSeconds += o.seconds
                // Cumulative buckets are built at gather time; here only the first bucket that holds the value.
                if let b = buckets.firstIndex(where: { o.seconds <= $0 }) { state.list[i].bucketCounts[b] += 1 }
                if let cache = o.cache {
                    if state.cache[cache] != nil || state.cache.count < maxSeries {
                        state.cache[cache, default: 0] += 1
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
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bytes, .array, .map: return ""
        }
    }

    private static func labels(for key: [String]) -> [Label] {
        var labels: [Label] = []
        for (name, value) in zip(labelNames, key) where !value.isEmpty { labels.append(Label(name, value)) }
        return labels
    }

    public var seriesCount: Int { state.withLock { $0.list.count } }
    public var overflowSpans: UInt64 { state.withLock { $0.overflowSpans } }

    public func gather() -> MetricBatch {
        let (list, cache, overflow) = state.withLock { ($0.list, $0.cache, $0.overflowSpans) }
        var batch = MetricBatch(reservingCapacity: 6)
        let buckets = configuration.buckets
        for s in list {
            batch.counter("traces_span_metrics_calls_total", "Spans counted, by service, operation, kind and status.", Double(s.calls), s.labels)
        }
        for s in list {
            batch.counter("traces_span_metrics_errors_total", "Spans with status error.", Double(s.errors), s.labels)
        }
        let histogram = "traces_span_metrics_duration_seconds"
        let histogramHelp = "Span durations."
        for s in list {
            var cumulative: UInt64 = 0
            for (i, bound) in buckets.enumerated() {
                cumulative += s.bucketCounts[i]
                batch.add(histogram, .histogram, histogramHelp, sample: Sample(
                    suffix: "_bucket", labels: s.labels + [Label("le", Self.formatBound(bound))], value: Double(cumulative)))
            }
            batch.add(histogram, .histogram, histogramHelp, sample: Sample(
                suffix: "_bucket", labels: s.labels + [Label("le", "+Inf")], value: Double(s.calls)))
            batch.add(histogram, .histogram, histogramHelp, sample: Sample(suffix: "_sum", labels: s.labels, value: s.sumSeconds))
            batch.add(histogram, .histogram, histogramHelp, sample: Sample(suffix: "_count", labels: s.labels, value: Double(s.calls)))
        }
        for (key, n) in cache.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            batch.counter(
                "traces_cache_requests_total", "Cache requests seen in database spans of cache systems, by result.",
                Double(n), [
                    Label("service_name", key[0]), Label("db_system", key[1]), Label("db_operation", key[2]),
                    Label("result", key[3]),
                ])
        }
        batch.counter(
            "noa_span_metrics_overflow_total", "Spans counted in the overflow series because the series limit was reached.",
            Double(overflow), [Label("component_id", id)])
        batch.gauge("noa_span_metrics_series", "Distinct span metric series held.", Double(list.count), [Label("component_id", id)])
        return batch
    }

    static func formatBound(_ bound: Double) -> String {
        bound == bound.rounded() && abs(bound) < 1e15 ? String(Int64(bound)) : String(bound)
    }
}

extension SpanMetrics.State {
    /// The one series that takes every span past the series limit.
    fileprivate mutating func overflowIndex(bucketCount: Int) -> Int {
        let key = ["__overflow__"]
        if let i = series[key] { return i }
        series[key] = list.count
        list.append(SpanMetrics.Series(
            labels: [Label("otel_metric_overflow", "true")], bucketCounts: Array(repeating: 0, count: bucketCount)))
        return list.count - 1
    }
}
