import NoaCodecs
import NoaCore
import NoaOTLP
import Testing

private typealias M = OTLPMetricsRequest

private func request(_ metrics: [M.Metric], service: String? = "shop") -> M {
    let resource = Resource(attributes: service.map { [Attribute("service.name", .string($0))] } ?? [])
    return M(resourceMetrics: [M.ResourceMetrics(resource: resource, scopeMetrics: [M.ScopeMetrics(metrics: metrics)])])
}

private func gauge(_ name: String, _ value: Double, _ attributes: [Attribute] = []) -> M.Metric {
    M.Metric(name: name, description: "A gauge.", data: .gauge([M.NumberPoint(attributes: attributes, value: value)]))
}

private func text(_ store: OTLPMetricsStore) -> String {
    let families = store.gather().families
    return String(decoding: ExpositionEncoder(format: .text).encode(families), as: UTF8.self)
}

private func dropped(_ store: OTLPMetricsStore, _ reason: String) -> Double? {
    store.selfMetrics.gather().family(named: "noa_otlp_metric_points_dropped_total")?.samples
        .first { $0.labels.contains(Label("reason", reason)) }?.value
}

@Suite struct OTLPMetricsStoreTests {
    /// One label set is one series whatever the order of the point's attributes, and its labels are sorted.
    @Test func attributeOrderDoesNotMakeAnotherSeries() {
        let store = OTLPMetricsStore(id: "otlp")
        store.merge(request([gauge("q", 1, [Attribute("zone", .string("a")), Attribute("host", .string("h"))])]))
        store.merge(request([gauge("q", 2, [Attribute("host", .string("h")), Attribute("zone", .string("a"))])]))
        #expect(store.seriesCount == 1)
        #expect(text(store) == "# HELP q A gauge.\n# TYPE q gauge\nq{host=\"h\",job=\"shop\",zone=\"a\"} 2\n")
    }

    /// Names that sanitise to the same label would write it twice (an exposition Prometheus refuses whole): their
    /// values are joined with `;` in the order of the keys, and the resource's `job` wins over an attribute's.
    @Test func clashingLabelNamesAreJoinedAndTheResourceWins() {
        let store = OTLPMetricsStore(id: "otlp")
        store.merge(request([gauge("q", 1, [
            Attribute("http_route", .string("b")), Attribute("http.route", .string("a")), Attribute("job", .string("x")),
            Attribute("n", .int(3)), Attribute("ok", .bool(true)),
        ])]))
        #expect(text(store).contains("q{http_route=\"a;b\",job=\"shop\",n=\"3\",ok=\"true\"} 1"))
    }

    @Test func aNameOfAnotherTypeIsRejectedAndCounted() {
        let store = OTLPMetricsStore(id: "otlp")
        store.merge(request([M.Metric(name: "orders", data: .sum([M.NumberPoint(value: 1)], temporality: .cumulative, monotonic: true))]))
        let result = store.merge(request([gauge("orders_total", 5)]))
        #expect(result.rejected == 1 && result.firstIssue == "series limit or type conflict for orders_total")
        #expect(dropped(store, "type_conflict") == 1)
        #expect(text(store).contains("orders_total{job=\"shop\"} 1"))
    }

    @Test func seriesOverTheLimitAreRejectedAndCounted() {
        let store = OTLPMetricsStore(id: "otlp", maxSeries: 2)
        let result = store.merge(request((0..<4).map { gauge("g", 1, [Attribute("i", .int(Int64($0)))]) }))
        #expect(result.rejected == 2 && store.seriesCount == 2)
        #expect(dropped(store, "series_limit") == 2)
        #expect(dropped(store, "unsupported_type") == 0)
    }

    @Test func deltaHistogramsAccumulateUntilTheirBoundsChange() {
        let store = OTLPMetricsStore(id: "otlp")
        func point(_ counts: [UInt64], _ bounds: [Double]) -> M {
            let p = M.HistogramPoint(count: counts.reduce(0, +), sum: 1.5, bucketCounts: counts, explicitBounds: bounds)
            return request([M.Metric(name: "rt", description: "RT.", data: .histogram([p], temporality: .delta))])
        }
        store.merge(point([1, 2, 0], [0.1, 0.5]))
        store.merge(point([0, 1, 1], [0.1, 0.5]))
        let histogram = store.gather().family(named: "rt")
        #expect(histogram?.samples.map(\.value) == [1, 4, 5, 3, 5])  // le 0.1, 0.5, +Inf, sum, count
        #expect(histogram?.samples.first?.labels == [Label("job", "shop"), Label("le", "0.1")])
        store.merge(point([2, 0], [1]))
        #expect(text(store).contains("rt_bucket{job=\"shop\",le=\"1\"} 2\nrt_bucket{job=\"shop\",le=\"+Inf\"} 2\n"))
    }
}
