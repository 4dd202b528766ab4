import NoaCodecs
import NoaCore
import Testing

/// `#require` of a value a mutating call returned (the macro can't take the call itself).
private func required<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}

private func exposition(_ store: SeriesStore, byName: Bool = false, now: Double = 0) -> String {
    var batch = MetricBatch()
    store.snapshot(byName: byName).expose(into: &batch, now: now)
    return String(decoding: ExpositionEncoder(format: .text).encode(batch.families), as: UTF8.self)
}

@Suite struct SeriesStoreTests {
    @Test func familiesKeepTheirFirstDeclarationAndRefuseAnotherKind() throws {
        var store = SeriesStore()
        let counter = try required(store.family("hits_total", .counter, help: "Hits."))
        #expect(store.family("hits_total", .counter, help: "Other help.") === counter)
        #expect(store.family("hits_total", .gauge, help: "Hits.") == nil)
        #expect(store.family(named: "hits_total")?.help == "Hits.")
        // A set is exposed as a gauge but is its own kind: a gauge may not join it.
        _ = store.family("users", .set, help: "Users.")
        #expect(store.family("users", .gauge, help: "Users.") == nil)
        #expect(store.family(named: "users")?.kind.metricType == .gauge)
        // The store counts nothing at declaration; a caller counts the sample it drops for a conflict.
        #expect(store.dropped(.typeConflict) == 0)
        store.countDrop(.typeConflict)
        #expect(store.dropped(.typeConflict) == 1)
    }

    @Test func aLabelSetIsOneSeriesMarkedUpdatedOnEachLookup() throws {
        var store = SeriesStore()
        let family = try required(store.family("g", .gauge, help: "G."))
        let a = try required(store.series(in: family, labels: [Label("k", "v")], now: 5))
        a.value = 3
        let again = try required(store.series(in: family, labels: [Label("k", "v")], now: 9))
        #expect(again === a && again.values.lastUpdate == 9 && again.value == 3)
        #expect(family[[Label("k", "v")]] === a && family[[Label("k", "w")]] == nil)
        #expect(store.seriesCount == 1 && family.count == 1)
    }

    @Test func capsDropNewSeriesByReasonAndKeepExistingOnes() throws {
        var store = SeriesStore(limits: SeriesStore.Limits(maxSeries: 3, maxSeriesPerFamily: 2))
        let a = try required(store.family("a", .counter, help: "A."))
        let b = try required(store.family("b", .counter, help: "B.", maxSeries: 1))
        for i in 0..<3 { _ = store.series(in: a, labels: [Label("i", "\(i)")]) }
        #expect(a.count == 2 && store.dropped(.overFamilyCap) == 1)
        #expect(store.series(in: a, labels: [Label("i", "0")]) != nil)  // existing: not a new series
        #expect(store.series(in: b, labels: []) != nil)
        #expect(store.series(in: b, labels: [Label("x", "1")]) == nil)  // b's own cap of 1
        #expect(store.dropped(.overFamilyCap) == 2)
        let c = try required(store.family("c", .counter, help: "C."))
        #expect(store.series(in: c, labels: []) == nil)  // three series held: the total cap
        #expect(store.dropped(.overTotalCap) == 1 && store.seriesCount == 3)
    }

    @Test func pastItsCapAFamilyWithOverflowLabelsCountsInOneOverflowSeries() throws {
        var store = SeriesStore()
        let overflow = [Label("otel_metric_overflow", "true")]
        let family = try required(store.family("calls_total", .counter, help: "Calls.", maxSeries: 2, overflow: overflow))
        for op in ["a", "b", "c", "d", "c"] { store.series(in: family, labels: [Label("op", op)])?.value += 1 }
        #expect(family.count == 3 && store.seriesCount == 3)
        #expect(store.dropped(.overFamilyCap) == 0)
        #expect(exposition(store) == """
            # HELP calls_total Calls.
            # TYPE calls_total counter
            calls_total{op="a"} 1
            calls_total{op="b"} 1
            calls_total{otel_metric_overflow="true"} 3

            """)
    }

    @Test func expiryRemovesIdleSeriesAndEmptiedFamiliesAndReportsThem() throws {
        var store = SeriesStore()
        let short = try required(store.family("short", .gauge, help: "S."))
        let forever = try required(store.family("forever", .gauge, help: "F."))
        let a = try required(store.series(in: short, labels: [Label("s", "a")], ttl: 10, now: 0))
        _ = store.series(in: short, labels: [Label("s", "b")], ttl: 10, now: 0)
        _ = store.series(in: forever, labels: [], now: 0)
        _ = store.series(in: short, labels: [Label("s", "b")], ttl: 10, now: 8)  // refreshed
        #expect(store.expire(now: 10).isEmpty)  // not idle longer than 10 s yet
        let first = store.expire(now: 10.5)
        #expect(first.count == 1 && first[0].series === a && first[0].family === short && short.isDeclared)
        #expect(store.seriesCount == 2 && store.expiredCount == 1)
        let second = store.expire(now: 19)
        #expect(second.map(\.series.labels) == [[Label("s", "b")]] && !short.isDeclared)
        #expect(store.family(named: "short") == nil && store.familyCount == 1)
        // The name is free again, for any kind; the series without a TTL stays.
        #expect(store.family("short", .counter, help: "S.") != nil)
        #expect(store.expire(now: 1_000_000).isEmpty && forever.count == 1)
    }

    @Test func countersGaugesAndSetsExposeOneSampleInTheFamilysOrder() throws {
        var store = SeriesStore()
        let sorted = try required(store.family("z_sorted", .gauge, help: "Z.", order: .labels))
        let inserted = try required(store.family("a_inserted", .counter, help: "A."))
        let set = try required(store.family("m_set", .set, help: "M."))
        for (name, value) in [("b", 2.0), ("a", 1.0), ("c", 3.0)] {
            store.series(in: sorted, labels: [Label("k", name)])?.value = value
            store.series(in: inserted, labels: [Label("k", name)])?.value = value
        }
        let members = try required(store.series(in: set, labels: []))
        #expect(members.insert(member: "x", limit: 2) && members.insert(member: "x", limit: 2))
        #expect(members.insert(member: "y", limit: 2) && !members.insert(member: "z", limit: 2))
        #expect(exposition(store, byName: true) == """
            # HELP a_inserted A.
            # TYPE a_inserted counter
            a_inserted{k="b"} 2
            a_inserted{k="a"} 1
            a_inserted{k="c"} 3
            # HELP m_set M.
            # TYPE m_set gauge
            m_set 2
            # HELP z_sorted Z.
            # TYPE z_sorted gauge
            z_sorted{k="a"} 1
            z_sorted{k="b"} 2
            z_sorted{k="c"} 3

            """)
        // Declaration order without `byName`; a family without series is not exposed.
        _ = store.family("empty", .gauge, help: "E.")
        #expect(exposition(store).hasPrefix("# HELP z_sorted"))
        #expect(!exposition(store).contains("empty"))
    }

    @Test func histogramsAreCumulativeWithTheirOwnBounds() throws {
        var store = SeriesStore()
        let family = try required(store.family("rt_seconds", .histogram, help: "RT.", buckets: [0.25, 1, 2.5]))
        let s = try required(store.series(in: family, labels: [Label("route", "/a")]))
        #expect(s.values.bounds == [0.25, 1, 2.5] && s.values.bucketCounts == [0, 0, 0])
        for v in [0.25, 0.5, 3.0] { s.observe(v, now: 0) }
        s.observe(1, weight: 2, now: 0)  // a sampled observation counts twice
        // A series may carry other bounds (OTLP points bring theirs) and more counts than bounds (+Inf's).
        let other = try required(store.series(in: family, labels: [Label("route", "/b")]))
        other.update { values in
            values.bounds = [10]
            values.bucketCounts = [4, 1]
            values.count = 5
            values.sum = 12.5
        }
        #expect(exposition(store) == """
            # HELP rt_seconds RT.
            # TYPE rt_seconds histogram
            rt_seconds_bucket{route="/a",le="0.25"} 1
            rt_seconds_bucket{route="/a",le="1"} 4
            rt_seconds_bucket{route="/a",le="2.5"} 4
            rt_seconds_bucket{route="/a",le="+Inf"} 5
            rt_seconds_sum{route="/a"} 5.75
            rt_seconds_count{route="/a"} 5
            rt_seconds_bucket{route="/b",le="10"} 4
            rt_seconds_bucket{route="/b",le="+Inf"} 5
            rt_seconds_sum{route="/b"} 12.5
            rt_seconds_count{route="/b"} 5

            """)
    }

    @Test func summariesExposeTheirWindowsQuantilesAtTheGivenTime() throws {
        var store = SeriesStore()
        let family = try required(store.family(
            "lat", .summary, help: "L.", quantiles: [0.5, 0.99], window: SummaryWindow.Options(maxAge: 60, ageBuckets: 2)))
        let s = try required(store.series(in: family, labels: []))
        for v in 1...100 { s.observe(Double(v), now: 1000) }
        #expect(exposition(store, now: 1000) == """
            # HELP lat L.
            # TYPE lat summary
            lat{quantile="0.5"} 50
            lat{quantile="0.99"} 99
            lat_sum 5050
            lat_count 100

            """)
        // A minute later the window is empty: NaN, as client_golang reports it; the sum and count stay.
        #expect(exposition(store, now: 1060).contains("lat{quantile=\"0.5\"} NaN"))
        #expect(exposition(store, now: 1060).contains("lat_count 100"))
    }

    /// A handle reaches the series' values without keeping the series: updates through it are the series', and
    /// once the last reference to the series goes, the series (and the values' memory) is freed.
    @Test func handlesUpdateTheirSeriesWithoutKeepingIt() throws {
        var store = SeriesStore()
        let counters = try required(store.family("c_total", .counter, help: "C."))
        let histograms = try required(store.family("h", .histogram, help: "H.", buckets: [1]))
        weak var watched: Series?
        var handle: SeriesHandle?
        do {
            let counter = try required(store.series(in: counters, labels: [], ttl: 5, now: 0))
            let histogram = try required(store.series(in: histograms, labels: []))
            watched = counter
            handle = counter.handle
            counter.handle.add(2, now: 3)
            counter.handle.add(0.5, now: 4)
            #expect(counter.value == 2.5 && counter.values.lastUpdate == 4)
            counter.handle.set(7, now: 5)
            #expect(counter.value == 7 && counter.handle.refers(to: counter) && !counter.handle.refers(to: histogram))
            histogram.handle.observe(0.5, now: 1)
            histogram.handle.observe(3, weight: 2, now: 2)
            #expect(histogram.values.bucketCounts == [1] && histogram.values.count == 3 && histogram.values.sum == 6.5)
        }
        #expect(watched != nil)  // the store holds it
        #expect(store.expire(now: 100).count == 1)
        #expect(watched == nil && handle != nil)  // the handle did not keep it: whoever keeps handles keeps series
    }

    @Test(arguments: [
        ("foo.bar", "foo_bar", "foo_bar"), ("web-server.hits", "web_server_hits", "web_server_hits"),
        ("a--b", "a_b", "a__b"), ("9lives", "_9lives", "_9lives"), ("ns:sub.metric", "ns:sub_metric", "ns:sub_metric"),
        ("héllo", "h_llo", "h_llo"), ("", "_", "_"), ("already_valid", "already_valid", "already_valid"),
    ])
    func metricNamesPerSource(input: String, statsd: String, otlp: String) {
        #expect(PrometheusName.statsd.metric(input) == statsd)
        #expect(PrometheusName.otlp.metric(input) == otlp)
    }

    @Test func labelNamesHaveNoColonAndNoLeadingDigit() {
        #expect(PrometheusName.statsd.label("ns:key") == "ns_key")
        #expect(PrometheusName.otlp.label("1st") == "_1st")
        #expect(PrometheusName.otlp.label("http.route") == "http_route")
    }

    @Test(arguments: [(1.0, "1"), (0.005, "0.005"), (-3.0, "-3"), (2.5, "2.5"), (1e15, "1000000000000000.0"), (1e17, "1e+17"), (.nan, "nan")])
    func numbersAsLabelValues(value: Double, text: String) {
        #expect(LabelValue.number(value) == text)
    }
}
