import NoaCore
import Synchronization

/// OTLP metrics merged into the Prometheus endpoint: each received data point updates a series that the endpoint
/// serves at scrape time (a `MetricProducer`), the way Prometheus' own OTLP receiver translates them:
///
/// - gauge → gauge; monotonic sum → counter named `<name>_total`; non-monotonic sum → gauge;
///   explicit-bucket histogram → histogram (`_bucket{le}`, `_sum`, `_count`);
/// - delta temporality is turned cumulative by adding each point to the series' running total (a histogram whose
///   bounds change restarts from the new point);
/// - names and label names are sanitised to `[a-zA-Z_:][a-zA-Z0-9_:]*`; the resource's `service.name` becomes
///   `job` (with `service.namespace` as `namespace/name`) and `service.instance.id` becomes `instance`;
/// - exponential histograms and summaries are not merged; they are counted as unsupported.
///
/// Series are capped (`maxSeries`); points for new series past the cap are dropped and counted.
public final class OTLPMetricsStore: MetricProducer {
    public let id: String
    public let maxSeries: Int
    private let state = Mutex<State>(State())

    fileprivate enum Kind: Equatable { case counter, gauge, histogram }

    fileprivate struct Series {
        var family: String
        var help: String
        var kind: Kind
        var labels: [Label]
        var value: Double = 0
        var bounds: [Double] = []
        var buckets: [UInt64] = []
        var count: UInt64 = 0
        var sum: Double = 0
    }

    fileprivate struct State {
        var index: [SeriesKey: Int] = [:]
        var series: [Series] = []
        var points = 0
        var droppedOverLimit = 0
        var unsupported = 0
        var typeConflicts = 0
    }

    fileprivate struct SeriesKey: Hashable {
        var name: String
        var labels: [Label]
    }

    public init(id: String, maxSeries: Int = 50_000) {
        self.id = id
        self.maxSeries = maxSeries
    }

    /// Merges every data point of `request`. Returns how many points were rejected (unsupported types, series over
    /// the limit, a name already used with another type), for OTLP's partial success.
    @discardableResult
    public func merge(_ request: OTLPMetricsRequest) -> (rejected: Int, firstIssue: String?) {
        var rejected = 0
        var firstIssue: String?
        func reject(_ n: Int, _ why: String) {
            rejected += n
            if firstIssue == nil { firstIssue = why }
        }
        state.withLock { state in
            for rm in request.resourceMetrics {
                let resourceLabels = Self.resourceLabels(rm.resource)
                for sm in rm.scopeMetrics {
                    for metric in sm.metrics {
                        let base = Self.sanitize(metric.name, allowColon: true)
                        let help = metric.description
                        switch metric.data {
                        case .gauge(let points)?:
                            for p in points {
                                let ok = state.update(
                                    name: base, help: help, kind: .gauge, labels: resourceLabels + Self.labels(p.attributes),
                                    maxSeries: maxSeries) { $0.value = p.value }
                                if !ok { reject(1, "series limit or type conflict for \(base)") }
                            }
                        case .sum(let points, let temporality, let monotonic)?:
                            let delta = temporality == .delta
                            let kind: Kind = monotonic ? .counter : .gauge
                            let name = monotonic && !base.hasSuffix("_total") ? base + "_total" : base
                            for p in points {
                                let ok = state.update(
                                    name: name, help: help, kind: kind, labels: resourceLabels + Self.labels(p.attributes),
                                    maxSeries: maxSeries) { series in
                                    series.value = delta ? series.value + p.value : p.value
                                }
                                if !ok { reject(1, "series limit or type conflict for \(name)") }
                            }
                        case .histogram(let points, let temporality)?:
                            let delta = temporality == .delta
                            for p in points {
                                guard p.bucketCounts.count == p.explicitBounds.count + 1 || p.bucketCounts.isEmpty else {
                                    reject(1, "histogram \(metric.name): bucket_counts must be one longer than explicit_bounds")
                                    continue
                                }
                                let ok = state.update(
                                    name: base, help: help, kind: .histogram, labels: resourceLabels + Self.labels(p.attributes),
                                    maxSeries: maxSeries) { series in
                                    if delta && series.bounds == p.explicitBounds && series.buckets.count == p.bucketCounts.count {
                                        for i in series.buckets.indices { series.buckets[i] &+= p.bucketCounts[i] }
                                        series.count &+= p.count
                                        series.sum += p.sum ?? 0
                                    } else {
                                        series.bounds = p.explicitBounds
                                        series.buckets = p.bucketCounts
                                        series.count = p.count
                                        series.sum = p.sum ?? 0
                                    }
                                }
                                if !ok { reject(1, "series limit or type conflict for \(base)") }
                            }
                        case .exponentialHistogram(let n)?:
                            state.unsupported += max(1, n)
                            reject(max(1, n), "exponential histograms are not supported (\(metric.name))")
                        case .summary(let n)?:
                            state.unsupported += max(1, n)
                            reject(max(1, n), "summaries are not supported (\(metric.name))")
                        case nil:
                            break
                        }
                    }
                }
            }
        }
        return (rejected, firstIssue)
    }

    /// Data points in a request (for received counters).
    public static func pointCount(_ request: OTLPMetricsRequest) -> Int {
        var n = 0
        for rm in request.resourceMetrics {
            for sm in rm.scopeMetrics {
                for m in sm.metrics {
                    switch m.data {
                    case .gauge(let points)?: n += points.count
                    case .sum(let points, _, _)?: n += points.count
                    case .histogram(let points, _)?: n += points.count
                    case .exponentialHistogram(let points)?: n += max(1, points)
                    case .summary(let points)?: n += max(1, points)
                    case nil: break
                    }
                }
            }
        }
        return n
    }

    public var seriesCount: Int { state.withLock { $0.series.count } }

    public func gather() -> MetricBatch {
        let (series, dropped, unsupported) = state.withLock { ($0.series, $0.droppedOverLimit, $0.unsupported) }
        var batch = MetricBatch(reservingCapacity: 16)
        for s in series {
            switch s.kind {
            case .counter: batch.add(s.family, .counter, s.help, value: s.value, labels: s.labels)
            case .gauge: batch.add(s.family, .gauge, s.help, value: s.value, labels: s.labels)
            case .histogram:
                var cumulative: UInt64 = 0
                for (i, bound) in s.bounds.enumerated() where i < s.buckets.count {
                    cumulative &+= s.buckets[i]
                    batch.add(s.family, .histogram, s.help, sample: Sample(
                        suffix: "_bucket", labels: s.labels + [Label("le", Self.format(bound))], value: Double(cumulative)))
                }
                batch.add(s.family, .histogram, s.help, sample: Sample(
                    suffix: "_bucket", labels: s.labels + [Label("le", "+Inf")], value: Double(s.count)))
                batch.add(s.family, .histogram, s.help, sample: Sample(suffix: "_sum", labels: s.labels, value: s.sum))
                batch.add(s.family, .histogram, s.help, sample: Sample(suffix: "_count", labels: s.labels, value: Double(s.count)))
            }
        }
        batch.counter(
            "noa_otlp_metric_points_dropped_total", "OTLP metric points not merged into the Prometheus endpoint, by reason.",
            Double(dropped), [Label("component_id", id), Label("reason", "series_limit")])
        batch.counter(
            "noa_otlp_metric_points_dropped_total", "OTLP metric points not merged into the Prometheus endpoint, by reason.",
            Double(unsupported), [Label("component_id", id), Label("reason", "unsupported_type")])
        return batch
    }

    // MARK: - Naming

    static func resourceLabels(_ resource: Resource) -> [Label] {
        var service: String?
        var namespace: String?
        var instance: String?
        for kv in resource.attributes {
            switch kv.key {
            case "service.name": service = kv.value.stringValue
            case "service.namespace": namespace = kv.value.stringValue
            case "service.instance.id": instance = kv.value.stringValue
            default: break
            }
        }
        var labels: [Label] = []
        if let service { labels.append(Label("job", namespace.map { "\($0)/\(service)" } ?? service)) }
        if let instance { labels.append(Label("instance", instance)) }
        return labels
    }

    static func labels(_ attributes: [Attribute]) -> [Label] {
        attributes.map { kv in
            let value: String
            switch kv.value {
            case .string(let s): value = s
            case .int(let i): value = String(i)
            case .double(let d): value = String(d)
            case .bool(let b): value = b ? "true" : "false"
            default: value = ""
            }
            return Label(sanitize(kv.key, allowColon: false), value)
        }
    }

    /// Replaces every character Prometheus does not allow with `_` (and prefixes `_` to a leading digit).
    static func sanitize(_ name: String, allowColon: Bool) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        for (i, c) in name.unicodeScalars.enumerated() {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (allowColon && c == ":")
                || (i > 0 && c >= "0" && c <= "9")
            if ok {
                out.unicodeScalars.append(c)
            } else if i == 0 && c >= "0" && c <= "9" {
                out += "_"
                out.unicodeScalars.append(c)
            } else {
                out += "_"
            }
        }
        return out.isEmpty ? "_" : out
    }

    static func format(_ bound: Double) -> String {
        bound == bound.rounded() && abs(bound) < 1e15 ? String(Int64(bound)) : String(bound)
    }
}

extension OTLPMetricsStore.State {
    /// Applies `change` to the series (creating it if there is room); false when it could not be.
    fileprivate mutating func update(
        name: String, help: String, kind: OTLPMetricsStore.Kind, labels: [Label], maxSeries: Int,
        _ change: (inout OTLPMetricsStore.Series) -> Void
    ) -> Bool {
        let key = OTLPMetricsStore.SeriesKey(name: name, labels: labels)
        if let i = index[key] {
            guard series[i].kind == kind else {
                typeConflicts += 1
                return false
            }
            change(&series[i])
            return true
        }
        guard series.count < maxSeries else {
            droppedOverLimit += 1
            return false
        }
        var s = OTLPMetricsStore.Series(family: name, help: help, kind: kind, labels: labels)
        change(&s)
        index[key] = series.count
        series.append(s)
        return true
    }
}
