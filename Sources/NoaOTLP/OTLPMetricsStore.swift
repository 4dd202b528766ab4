import NoaCore
import Synchronization

/// OTLP metrics merged into the Prometheus endpoint: each received data point updates a series of a
/// `SeriesStore` that the endpoint serves at scrape time (a `MetricProducer`), the way Prometheus' own OTLP
/// receiver translates them:
///
/// - gauge → gauge; monotonic sum → counter named `<name>_total`; non-monotonic sum → gauge;
///   explicit-bucket histogram → histogram (`_bucket{le}`, `_sum`, `_count`);
/// - delta temporality is turned cumulative by adding each point to the series' running total (a histogram whose
///   bounds change restarts from the new point);
/// - names and label names are sanitised to `[a-zA-Z_:][a-zA-Z0-9_:]*` (`PrometheusName.otlp`); the resource's
///   `service.name` becomes `job` (with `service.namespace` as `namespace/name`) and `service.instance.id` becomes
///   `instance`, over attributes of those names; a point's labels are sorted by name, and attributes whose names
///   sanitise to the same label have their values joined with `;` (in the order of the attributes' keys), as
///   Prometheus does, so one label set is one series whatever the order of its attributes;
/// - exponential histograms and summaries are not merged; they are counted as unsupported.
///
/// Series are capped (`maxSeries`); points for new series past the cap, and points whose name is already a family
/// of another type, are dropped, counted (in `selfMetrics`, see `OTLPMetricsStoreMetrics`) and reported as
/// rejected. `gather()` serves the series only.
public final class OTLPMetricsStore: MetricProducer {
    public let id: String
    public let maxSeries: Int
    /// The store's own metrics (points dropped by reason).
    public let selfMetrics: SelfMetrics
    private let state: Mutex<State>

    fileprivate struct State {
        var store: SeriesStore
        var unsupported = 0
    }

    public init(id: String, maxSeries: Int = 50_000) {
        self.id = id
        self.maxSeries = maxSeries
        self.state = Mutex(State(store: SeriesStore(limits: SeriesStore.Limits(maxSeries: maxSeries))))
        selfMetrics = SelfMetrics(component: id)
        // Counted under the lock, read under it at gather time; weak, so the registry does not keep the store.
        OTLPMetricsStoreMetrics.declare(selfMetrics) { [weak self] reason in
            self?.state.withLock { state in
                switch reason {
                case .seriesLimit: state.store.dropped(.overTotalCap)
                case .unsupportedType: state.unsupported
                case .typeConflict: state.store.dropped(.typeConflict)
                }
            } ?? 0
        }
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
                        let base = PrometheusName.otlp.metric(metric.name)
                        let help = metric.description
                        /// The series of a point, or nil (counted by the store) when there is none.
                        func series(_ name: String, _ kind: SeriesKind, _ attributes: [Attribute]) -> Series? {
                            guard let family = state.store.family(name, kind, help: help) else {
                                state.store.countDrop(.typeConflict)
                                return nil
                            }
                            return state.store.series(in: family, labels: Self.labels(attributes, resource: resourceLabels))
                        }
                        switch metric.data {
                        case .gauge(let points)?:
                            for p in points {
                                guard let s = series(base, .gauge, p.attributes) else {
                                    reject(1, "series limit or type conflict for \(base)")
                                    continue
                                }
                                s.value = p.value
                            }
                        case .sum(let points, let temporality, let monotonic)?:
                            let delta = temporality == .delta
                            let name = monotonic && !base.hasSuffix("_total") ? base + "_total" : base
                            for p in points {
                                guard let s = series(name, monotonic ? .counter : .gauge, p.attributes) else {
                                    reject(1, "series limit or type conflict for \(name)")
                                    continue
                                }
                                s.value = delta ? s.value + p.value : p.value
                            }
                        case .histogram(let points, let temporality)?:
                            let delta = temporality == .delta
                            for p in points {
                                guard p.bucketCounts.count == p.explicitBounds.count + 1 || p.bucketCounts.isEmpty else {
                                    reject(1, "histogram \(metric.name): bucket_counts must be one longer than explicit_bounds")
                                    continue
                                }
                                guard let s = series(base, .histogram, p.attributes) else {
                                    reject(1, "series limit or type conflict for \(base)")
                                    continue
                                }
                                Self.merge(p, into: s, delta: delta)
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

    /// A histogram point into its series: added to it (delta, same bounds), or replacing it. The point's last
    /// bucket count (+Inf's) is kept but not exposed: the +Inf bucket is the point's `count`.
    private static func merge(_ p: OTLPMetricsRequest.HistogramPoint, into series: Series, delta: Bool) {
        series.update { values in
            if delta && values.bounds == p.explicitBounds && values.bucketCounts.count == p.bucketCounts.count {
                for i in values.bucketCounts.indices { values.bucketCounts[i] += Double(p.bucketCounts[i]) }
                values.count += Double(p.count)
                values.sum += p.sum ?? 0
            } else {
                values.bounds = p.explicitBounds
                values.bucketCounts = p.bucketCounts.map { Double($0) }
                values.count = Double(p.count)
                values.sum = p.sum ?? 0
            }
        }
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

    public var seriesCount: Int { state.withLock { $0.store.seriesCount } }

    public func gather() -> MetricBatch {
        let series = state.withLock { $0.store.snapshot() }
        var batch = MetricBatch(reservingCapacity: series.families.count)
        series.expose(into: &batch, now: 0)
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

    /// A point's labels: its attributes' (sanitised; values of names that sanitise alike joined with `;` in the
    /// order of their keys), then `job` and `instance` from the resource over attributes of those names, sorted.
    static func labels(_ attributes: [Attribute], resource: [Label]) -> [Label] {
        var labels: [Label] = []
        labels.reserveCapacity(attributes.count + resource.count)
        let ordered = attributes.count < 2 || zip(attributes, attributes.dropFirst()).allSatisfy { $0.key < $1.key }
            ? attributes : attributes.sorted { $0.key < $1.key }
        for attribute in ordered {
            let name = PrometheusName.otlp.label(attribute.key)
            let value = text(attribute.value)
            if let i = labels.firstIndex(where: { $0.name == name }) {
                labels[i].value += ";" + value
            } else {
                labels.append(Label(name, value))
            }
        }
        for label in resource {
            if let i = labels.firstIndex(where: { $0.name == label.name }) {
                labels[i].value = label.value
            } else {
                labels.append(label)
            }
        }
        if labels.count > 1 { labels.sort { $0.name < $1.name } }
        return labels
    }

    private static func text(_ value: AttributeValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        default: ""
        }
    }
}

/// The OTLP metrics store's own metrics: the one place their names and help texts are written.
enum OTLPMetricsStoreMetrics {
    /// Why points were not merged: the `reason` label.
    enum Reason: String, CaseIterable {
        case seriesLimit = "series_limit"
        case unsupportedType = "unsupported_type"
        case typeConflict = "type_conflict"
    }

    /// `dropped`: the points dropped so far for a reason, read at gather time.
    static func declare(_ registry: SelfMetrics, dropped: @escaping @Sendable (Reason) -> Int) {
        for reason in Reason.allCases {
            registry.counter(
                "noa_otlp_metric_points_dropped_total",
                "OTLP metric points not merged into the Prometheus endpoint, by reason.",
                labels: [Label("reason", reason.rawValue)], read: { Double(dropped(reason)) })
        }
    }
}
