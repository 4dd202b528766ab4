import NoaCodecs
import NoaCore
import Synchronization
import Testing

@testable import NoaSources

/// A clock the test moves by hand.
private final class TestClock: Sendable {
    private let time = Mutex(1000.0)
    var now: Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

private func aggregator(
    _ yaml: String? = nil, options: StatsDAggregatorOptions = StatsDAggregatorOptions(), clock: TestClock = TestClock()
) throws -> StatsDAggregator {
    let mapper = try yaml.map { try StatsDMapper.parse(yaml: $0, file: "m.yml").get() }
    return StatsDAggregator(id: "statsd", mapper: mapper, options: options, now: { clock.now })
}

private let histogramDefaults = "defaults:\n  observer_type: histogram\n"

/// The series and the aggregator's own metrics, as the statsd source serves them together.
private func everything(_ a: StatsDAggregator) -> MetricBatch {
    var batch = a.gather()
    batch.append(contentsOf: a.selfMetrics.gather())
    return batch
}

extension MetricBatch {
    /// The value of the sample of `family` with `suffix` and exactly `labels`.
    fileprivate func sample(_ family: String, _ suffix: String = "", _ labels: [String: String] = [:]) -> Double? {
        self.family(named: family)?.samples.first { s in
            s.suffix == suffix && s.labels.count == labels.count
                && labels.allSatisfy { s.labels.contains(Label($0.key, $0.value)) }
        }?.value
    }

    fileprivate func dropped(_ reason: String) -> Double? {
        sample("noa_statsd_dropped_total", "", ["component_id": "statsd", "reason": reason])
    }
}

private func counter(_ name: String, _ value: Double, rate: Double = 1, tags: [Label] = []) -> StatsDSample {
    StatsDSample(name: name, type: .counter, value: .number(value), sampleRate: rate, tags: tags)
}

@Suite("StatsD aggregator")
struct StatsDAggregatorTests {
    @Test func countersSumExactlyWithSampleRates() throws {
        let a = try aggregator()
        a.ingest(counter("hits", 1), extraLabels: [])
        a.ingest(counter("hits", 1, rate: 0.1), extraLabels: [])
        a.ingest(counter("hits", 3, rate: 0.5), extraLabels: [])
        a.ingest(counter("hits", 2, tags: [Label("route", "/a")]), extraLabels: [])
        let batch = everything(a)
        #expect(batch.family(named: "hits_total")?.type == .counter)
        #expect(batch.sample("hits_total") == 17)
        #expect(batch.sample("hits_total", "", ["route": "/a"]) == 2)
        #expect(batch.sample("noa_statsd_samples_total", "", ["component_id": "statsd", "type": "counter"]) == 4)
    }

    @Test func counterNameEndingInTotalIsNotDoubled() throws {
        let a = try aggregator()
        a.ingest(counter("requests_total", 2), extraLabels: [])
        a.ingest(counter("requests", 3), extraLabels: [])
        let batch = a.gather()
        #expect(batch.family(named: "requests_total_total") == nil)
        #expect(batch.sample("requests_total") == 5)
    }

    @Test func negativeCountersAreRefusedAndCounted() throws {
        let a = try aggregator()
        a.ingest(counter("c", 5), extraLabels: [])
        a.ingest(counter("c", -2), extraLabels: [])
        let batch = everything(a)
        #expect(batch.sample("c_total") == 5)
        #expect(batch.dropped("negative_counter") == 1)
    }

    @Test func gaugesSetAndMoveByDeltas() throws {
        let a = try aggregator()
        let g = { (v: StatsDValue) in StatsDSample(name: "temp", type: .gauge, value: v, sampleRate: 0.5) }
        a.ingest(g(.number(10)), extraLabels: [])
        a.ingest(g(.gaugeDelta(5)), extraLabels: [])
        a.ingest(g(.gaugeDelta(-2.5)), extraLabels: [])
        #expect(a.gather().sample("temp") == 12.5)
        a.ingest(g(.number(1)), extraLabels: [])
        #expect(a.gather().sample("temp") == 1)
        a.ingest(StatsDSample(name: "fresh", type: .gauge, value: .gaugeDelta(-3)), extraLabels: [])
        #expect(a.gather().sample("fresh") == -3)
    }

    @Test func histogramBucketsSumAndCountWithTimersInSeconds() throws {
        let a = try aggregator(histogramDefaults)
        // Timers in milliseconds: 3 ms, 40 ms, 40 ms sampled at 0.5 (counted twice), 20 s (only +Inf).
        a.ingest(StatsDSample(name: "rt", type: .timer, value: .number(3)), extraLabels: [])
        a.ingest(StatsDSample(name: "rt", type: .timer, value: .number(40)), extraLabels: [])
        a.ingest(StatsDSample(name: "rt", type: .timer, value: .number(40), sampleRate: 0.5), extraLabels: [])
        a.ingest(StatsDSample(name: "rt", type: .timer, value: .number(20_000)), extraLabels: [])
        let batch = a.gather()
        #expect(batch.family(named: "rt")?.type == .histogram)
        #expect(batch.sample("rt", "_bucket", ["le": "0.005"]) == 1)
        #expect(batch.sample("rt", "_bucket", ["le": "0.025"]) == 1)
        #expect(batch.sample("rt", "_bucket", ["le": "0.05"]) == 4)
        #expect(batch.sample("rt", "_bucket", ["le": "1"]) == 4)
        #expect(batch.sample("rt", "_bucket", ["le": "10"]) == 4)
        #expect(batch.sample("rt", "_bucket", ["le": "+Inf"]) == 5)
        #expect(batch.sample("rt", "_count") == 5)
        let sum = try #require(batch.sample("rt", "_sum"))
        #expect(abs(sum - (0.003 + 0.04 * 3 + 20)) < 1e-9)
        #expect(batch.family(named: "rt")?.samples.filter { $0.suffix == "_bucket" }.count == 12)
    }

    @Test func histogramAndDistributionValuesAreNotConverted() throws {
        let a = try aggregator(histogramDefaults)
        a.ingest(StatsDSample(name: "size", type: .histogram, value: .number(2)), extraLabels: [])
        a.ingest(StatsDSample(name: "size", type: .distribution, value: .number(3)), extraLabels: [])
        let batch = a.gather()
        #expect(batch.sample("size", "_sum") == 5)
        #expect(batch.sample("size", "_bucket", ["le": "2.5"]) == 1)
    }

    @Test func summaryQuantilesOnKnownDataWithinError() throws {
        let a = try aggregator()
        for v in 1...100 {
            a.ingest(StatsDSample(name: "lat", type: .histogram, value: .number(Double(v))), extraLabels: [])
        }
        let batch = a.gather()
        #expect(batch.family(named: "lat")?.type == .summary)
        let q50 = try #require(batch.sample("lat", "", ["quantile": "0.5"]))
        let q90 = try #require(batch.sample("lat", "", ["quantile": "0.9"]))
        let q99 = try #require(batch.sample("lat", "", ["quantile": "0.99"]))
        #expect(abs(q50 - 50) <= 5)  // error 0.05 of 100 ranks
        #expect(abs(q90 - 90) <= 1)
        #expect(abs(q99 - 99) <= 1)
        #expect(batch.sample("lat", "_sum") == 5050)
        #expect(batch.sample("lat", "_count") == 100)
    }

    @Test func summaryWindowForgetsOldObservationsButKeepsSumAndCount() throws {
        let clock = TestClock()
        let a = try aggregator(clock: clock)
        for _ in 0..<10 { a.ingest(StatsDSample(name: "w", type: .histogram, value: .number(100)), extraLabels: []) }
        clock.advance(601)
        a.ingest(StatsDSample(name: "w", type: .histogram, value: .number(1), sampleRate: 0.5), extraLabels: [])
        let batch = a.gather()
        #expect(batch.sample("w", "", ["quantile": "0.99"]) == 1)
        #expect(batch.sample("w", "_count") == 12)
        clock.advance(700)
        #expect(a.gather().sample("w", "", ["quantile": "0.5"])?.isNaN == true)
    }

    @Test func summaryMemoryIsBoundedAndStillClose() throws {
        let a = try aggregator()
        for v in 0..<20_000 {
            a.ingest(StatsDSample(name: "big", type: .histogram, value: .number(Double(v % 1000))), extraLabels: [])
        }
        let q50 = try #require(a.gather().sample("big", "", ["quantile": "0.5"]))
        #expect(abs(q50 - 500) < 100)
    }

    @Test func setsCountDistinctMembersUntilExpiry() throws {
        let clock = TestClock()
        let a = try aggregator("defaults:\n  ttl: 1m\n", clock: clock)
        for user in ["ann", "bob", "ann", "cy", "bob"] {
            a.ingest(StatsDSample(name: "users", type: .set, value: .setMember(user)), extraLabels: [])
        }
        #expect(a.gather().sample("users") == 3)
        #expect(a.gather().family(named: "users")?.type == .gauge)
        clock.advance(61)
        #expect(a.gather().family(named: "users") == nil)
        a.ingest(StatsDSample(name: "users", type: .set, value: .setMember("ann")), extraLabels: [])
        #expect(a.gather().sample("users") == 1)
    }

    @Test func ttlExpiresIdleSeriesWithTheInjectedClock() throws {
        let clock = TestClock()
        let a = try aggregator(
            """
            mappings:
            - match: short.*
              name: short
              ttl: 10s
            """, clock: clock)
        a.ingest(counter("short.a", 1), extraLabels: [])
        a.ingest(counter("short.b", 1), extraLabels: [])
        a.ingest(counter("forever", 1), extraLabels: [])
        clock.advance(8)
        a.ingest(counter("short.b", 1), extraLabels: [])
        clock.advance(5)
        let batch = everything(a)
        // short.a and short.b map to one series (no labels), refreshed at 8 s: still there.
        #expect(batch.sample("short_total") == 3)
        clock.advance(11)
        let later = everything(a)
        #expect(later.family(named: "short_total") == nil)
        #expect(later.sample("forever_total") == 1)
        #expect(later.sample("noa_statsd_series", "", ["component_id": "statsd"]) == 1)
        #expect(later.sample("noa_statsd_series_expired_total", "", ["component_id": "statsd"]) == 1)
        // After expiry the counter starts again from zero.
        a.ingest(counter("short.a", 2), extraLabels: [])
        #expect(a.gather().sample("short_total") == 2)
    }

    @Test func seriesCapsDropAndCountByReason() throws {
        let a = try aggregator(options: StatsDAggregatorOptions(maxSeries: 3, maxSeriesPerMetric: 2))
        for i in 0..<3 { a.ingest(counter("a", 1, tags: [Label("i", "\(i)")]), extraLabels: []) }
        a.ingest(counter("b", 1), extraLabels: [])
        a.ingest(counter("c", 1), extraLabels: [])
        // Existing series keep counting.
        a.ingest(counter("a", 1, tags: [Label("i", "0")]), extraLabels: [])
        let batch = everything(a)
        #expect(batch.family(named: "a_total")?.samples.count == 2)
        #expect(batch.sample("a_total", "", ["i": "0"]) == 2)
        #expect(batch.sample("b_total") == 1)
        #expect(batch.family(named: "c_total") == nil)
        #expect(batch.dropped("over_metric_cap") == 1)
        #expect(batch.dropped("over_total_cap") == 1)
        #expect(batch.sample("noa_statsd_series", "", ["component_id": "statsd"]) == 3)
    }

    @Test func typeConflictsAreRefusedAndCounted() throws {
        let a = try aggregator()
        a.ingest(counter("x", 1), extraLabels: [])
        a.ingest(StatsDSample(name: "x", type: .gauge, value: .number(5)), extraLabels: [])
        a.ingest(StatsDSample(name: "x_total", type: .gauge, value: .number(5)), extraLabels: [])
        a.ingest(StatsDSample(name: "x", type: .timer, value: .number(5)), extraLabels: [])
        a.ingest(StatsDSample(name: "x", type: .set, value: .setMember("m")), extraLabels: [])
        let batch = everything(a)
        #expect(batch.sample("x_total") == 1)
        #expect(batch.family(named: "x") == nil)
        #expect(batch.dropped("type_conflict") == 4)
    }

    @Test func everyReasonIsDeclaredAtZero() throws {
        let a = try aggregator()
        a.recordParseError(.unknownType)
        a.recordParseError(.unknownType)
        a.recordEvent(StatsDEvent(title: "t", text: "x"))
        a.recordServiceCheck(StatsDServiceCheck(name: "s", status: 0))
        let batch = everything(a)
        let parse = try #require(batch.family(named: "noa_statsd_parse_errors_total"))
        #expect(parse.samples.count == StatsDParseError.allCases.count)
        #expect(batch.sample("noa_statsd_parse_errors_total", "", ["component_id": "statsd", "reason": "unknown_type"]) == 2)
        #expect(batch.sample("noa_statsd_parse_errors_total", "", ["component_id": "statsd", "reason": "empty_name"]) == 0)
        for reason in [
            "type_conflict", "over_metric_cap", "over_total_cap", "negative_counter", "invalid_value",
            "set_member_cap", "mapping_drop",
        ] {
            #expect(batch.dropped(reason) == 0, "\(reason)")
        }
        #expect(batch.family(named: "noa_statsd_samples_total")?.samples.count == 6)
        #expect(batch.sample("noa_statsd_events_total", "", ["component_id": "statsd"]) == 1)
        #expect(batch.sample("noa_statsd_service_checks_total", "", ["component_id": "statsd"]) == 1)
    }

    @Test(arguments: [
        ("foo.bar", "foo_bar"),
        ("web-server.hits", "web_server_hits"),
        ("a--b", "a_b"),
        ("9lives", "_9lives"),
        ("ns:sub.metric", "ns:sub_metric"),
        ("spaces and/slashes", "spaces_and_slashes"),
        ("héllo", "h_llo"),
        ("already_valid", "already_valid"),
    ])
    func metricNamesAreSanitised(input: String, expected: String) throws {
        #expect(PrometheusName.statsd.metric(input) == expected)
        let a = try aggregator()
        a.ingest(StatsDSample(name: input, type: .gauge, value: .number(1)), extraLabels: [])
        #expect(a.gather().sample(expected) == 1)
    }

    @Test func tagNamesAreSanitisedAndMappingLabelsWinUnlessHonored() throws {
        #expect(PrometheusName.statsd.label("ns:key") == "ns_key")
        #expect(PrometheusName.statsd.label("1st") == "_1st")
        let a = try aggregator(
            """
            mappings:
            - match: plain.*
              name: plain
              labels: {env: "$1"}
            - match: honored.*
              name: honored
              honor_labels: true
              labels: {env: "$1"}
            """)
        let tags = [Label("env", "tag"), Label("dc.name", "x"), Label("flag", "")]
        a.ingest(counter("plain.prod", 1, tags: tags), extraLabels: [Label("agent", "a1")])
        a.ingest(counter("honored.prod", 1, tags: tags), extraLabels: [])
        let batch = a.gather()
        #expect(batch.sample("plain_total", "", ["env": "prod", "dc_name": "x", "agent": "a1"]) == 1)
        #expect(batch.sample("honored_total", "", ["env": "tag", "dc_name": "x"]) == 1)
    }

    @Test func droppedMappingsAndBadValuesAreCounted() throws {
        let a = try aggregator(
            """
            mappings:
            - match: noisy.*
              action: drop
            """)
        a.ingest(counter("noisy.x", 1), extraLabels: [])
        a.ingest(StatsDSample(name: "c", type: .counter, value: .setMember("m")), extraLabels: [])
        let batch = everything(a)
        #expect(batch.family(named: "noisy_x_total") == nil)
        #expect(batch.dropped("mapping_drop") == 1)
        #expect(batch.dropped("invalid_value") == 1)
    }

    @Test func concurrentIngestLosesNothing() async throws {
        let a = try aggregator()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<2_000 { a.ingest(counter("n\(i % 10)", 1, tags: [Label("t", "\(t)")]), extraLabels: []) }
                }
            }
        }
        let batch = a.gather()
        let total = (0..<10).compactMap { batch.family(named: "n\($0)_total") }.flatMap(\.samples).reduce(0) {
            $0 + $1.value
        }
        #expect(total == 8_000)
    }

    @Test func setMembersOverTheCapAreCounted() throws {
        let a = try aggregator(options: StatsDAggregatorOptions(maxSetMembers: 2))
        for user in ["a", "b", "c", "a", "d"] {
            a.ingest(StatsDSample(name: "u", type: .set, value: .setMember(user)), extraLabels: [])
        }
        let batch = everything(a)
        #expect(batch.sample("u") == 2)
        #expect(batch.dropped("set_member_cap") == 2)
    }

    @Test func scaleMultipliesValues() throws {
        let a = try aggregator(
            """
            mappings:
            - match: bytes
              name: kilobytes
              scale: 0.001
            """)
        a.ingest(StatsDSample(name: "bytes", type: .gauge, value: .number(2048)), extraLabels: [])
        #expect(a.gather().sample("kilobytes") == 2.048)
    }

    @Test func helpFromTheMappingAndCustomBuckets() throws {
        let a = try aggregator(
            """
            mappings:
            - match: job.*
              name: job_seconds
              help: "How long jobs take."
              observer_type: histogram
              histogram_options:
                buckets: [1, 60]
              labels: {job: "$1"}
            """)
        a.ingest(StatsDSample(name: "job.backup", type: .histogram, value: .number(30)), extraLabels: [])
        let batch = a.gather()
        #expect(batch.family(named: "job_seconds")?.help == "How long jobs take.")
        #expect(batch.sample("job_seconds", "_bucket", ["job": "backup", "le": "1"]) == 0)
        #expect(batch.sample("job_seconds", "_bucket", ["job": "backup", "le": "60"]) == 1)
        #expect(batch.sample("job_seconds", "_bucket", ["job": "backup", "le": "+Inf"]) == 1)
    }

    @Test func emptyLabelValuesAreLeftOutWithOrWithoutTags() throws {
        let a = try aggregator(
            """
            mappings:
            - match: e.*
              name: e
              labels: {missing: "$2", kind: "$1"}
            """)
        a.ingest(counter("e.x", 1), extraLabels: [])
        a.ingest(counter("e.x", 1, tags: [Label("flag", "")]), extraLabels: [])
        let batch = a.gather()
        #expect(batch.family(named: "e_total")?.samples.count == 1)
        #expect(batch.sample("e_total", "", ["kind": "x"]) == 2)
    }

    /// The series are data and the counters are self-metrics: the two can be served apart.
    @Test func theSeriesAndTheAggregatorsOwnMetricsAreApart() throws {
        let a = try aggregator()
        a.ingest(counter("hits", 1), extraLabels: [])
        a.recordParseError(.unknownType)
        #expect(a.gather().families.map(\.name) == ["hits_total"])
        let own = a.selfMetrics.gather().families.map(\.name)
        #expect(own.allSatisfy { $0.hasPrefix("noa_statsd_") } && own.count == 8)
    }
}
